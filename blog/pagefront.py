"""The front of the page cache: an article page already in the cache, served to a reader with nothing of
their own on it, without Flask's request machinery.

Two kinds of readers qualify: a browser that sends no cookie at all (a first visit, or a caching proxy), and
one whose only cookies are a session holding nothing but its CSRF secret and the `lang` choice (a reader
going from article to article). Neither has a login, an own comment, a remembered detail, a reaction or a
flashed message, so the answer is exactly the one the article view gives from the cache
(blog/pagecache.py `cached_article_page`): the same key, the same stored page filled with the reader's tokens
(a first visit also gets a new session whose cookie carries its CSRF secret), the same headers. On a miss the
page is rendered by the view's own renderer (`render`, blog/views/public.py `shared_article_page`) inside a
request context, and stored as the view stores it; the request hooks, the session saved and the response
objects around it are the front's, as on a hit. A render that gives no page (no such article, a former slug, the
database unavailable) and everything else go through Flask as before.

Measured (bench/bench_http.py): the request hooks, context, routing and response objects that Flask runs around
the view were more than half of a cached page's time; here it costs the signatures and one cache read.
"""
from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable

from flask import Flask
from werkzeug.http import dump_cookie, http_date
from werkzeug.wrappers import Request

from . import (
    HSTS, LANGUAGE_COOKIE, LANGUAGE_COOKIE_FOR_VISIT, SECURITY_HEADERS, choose_language, cookie_language,
    language_asked_to_keep, pagecache,
)
from .abuse import form_stamp
from .signing import csrf_field, new_csrf_secret, sign_csrf

ARTICLE_PATH = re.compile(r"/articles/([^/]+)")
# Request headers that ask for more than a plain answer (validators, ranges): Flask answers those.
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                "HTTP_RANGE", "HTTP_IF_RANGE")
_VALUE_MARK = "majlis-session-value"  # where a new session's value goes in its Set-Cookie
_SHARED_ENVIRON = "HTTP_" + pagecache.SHARED_HEADER.upper().replace("-", "_")


class PageFront:
    """WSGI middleware in front of the app: cached article pages for readers with nothing of their own on them,
    everything else to Flask."""

    def __init__(self, app: Flask, wsgi_app, render: Callable[[str], tuple[str, int]]) -> None:
        """`render(slug)`: the article page as every reader gets it, (html, article id), or an HTTP exception."""
        self.app = app
        self.wsgi_app = wsgi_app
        self.render = render
        self._cookie_parts: dict[bool, tuple[str, str]] = {}

    def __call__(self, environ, start_response):
        answer = self._cached(environ) if self._eligible(environ) else None
        if answer is None:
            return self.wsgi_app(environ, start_response)
        headers, body = answer
        start_response("200 OK", headers)
        return [body]

    def _eligible(self, environ) -> bool:
        return (
            environ.get("REQUEST_METHOD") == "GET"
            and not any(name in environ for name in _CONDITIONAL)
            and ARTICLE_PATH.fullmatch(environ.get("PATH_INFO", "")) is not None
            and not self.app.config.get("TRUSTED_HOSTS")
            # Limits on every page (per route or for the whole site): Flask-Limiter counts them.
            and not self.app.config.get("RATELIMIT_DEFAULT") and not self.app.config.get("RATELIMIT_APPLICATION")
        )

    def _cached(self, environ) -> tuple[list[tuple[str, str]], bytes] | None:
        request = self.app.request_class(environ)  # the request object alone: no context, no routing
        try:
            slug = ARTICLE_PATH.fullmatch(request.path).group(1)
        except AttributeError:  # the decoded path is not an article's
            return None
        if "\x00" in slug or any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
            return None  # the input guards answer 404/400
        config = self.app.config
        field = csrf_field(config)
        cookies = request.cookies if "HTTP_COOKIE" in environ else {}
        session_cookie = self.app.session_interface.get_cookie_name(self.app)
        if not set(cookies) <= {session_cookie, LANGUAGE_COOKIE}:
            return None  # a login, a reader id, remembered details...: Flask decides
        secret = None
        if session_cookie in cookies:
            secret = self._csrf_secret_alone(request, field)
            if secret is None:
                return None  # the session holds more (own comments, flashes, a login) or is not valid
        shared = secret is None and environ.get(_SHARED_ENVIRON) == "1"
        language = choose_language(config, request.args.get("lang"), cookie_language(cookies.get(LANGUAGE_COOKIE)))
        # No app context: the cache backend and the settings are read from the app itself.
        root = pagecache.site_root(request)
        key = pagecache.page_key(root, slug, language, request.args, app=self.app)
        entry = pagecache.cache_store(self.app).get(key)
        hit = entry is not None
        if entry is None:
            entry = self._rendered(environ, slug, key)
        if entry is None:
            # The view renders without asking again (the same root URL: no proxy rewrote it since).
            environ[pagecache.MISSED_KEY_ENVIRON] = (root, slug, language, key)
            return None
        headers = [("Content-Type", "text/html; charset=utf-8"), ("X-Page-Cache", "hit" if hit else "miss")]
        if shared:
            body = pagecache._fill(entry["parts"], None)
            headers += [
                ("ETag", f'"{entry["etag"]}"'), ("Last-Modified", http_date(entry["rendered_at"])),
                ("Cache-Control", pagecache.shared_cache_control(config["SHARED_PAGE_SECONDS"])),
                ("Vary", "Cookie"), ("Date", http_date(time.time())),
            ]
        else:
            headers += [("Cache-Control", pagecache.PRIVATE_CACHE_CONTROL), ("Vary", "Cookie")]
            if secret is None:  # a first visit: a new session, as Flask-WTF starts one
                secret = new_csrf_secret()
                headers.append(("Set-Cookie", self._session_cookie({field: secret}, request.is_secure)))
            keep = language_asked_to_keep(config, request.args.get("lang"), cookies.get(LANGUAGE_COOKIE))
            if keep:  # as the app's own hook (blog/__init__.py keep_the_language_asked)
                headers.append(("Set-Cookie", dump_cookie(LANGUAGE_COOKIE, keep, secure=request.is_secure,
                                                          **LANGUAGE_COOKIE_FOR_VISIT)))
            token = sign_csrf(self.app, secret)
            key = config["SECRET_KEY"]
            body = pagecache._fill(entry["parts"], pagecache.Tokens(
                lambda: token, lambda: form_stamp(key), lambda: secrets.token_urlsafe(18)))
        headers.append(("Content-Length", str(len(body))))
        headers += SECURITY_HEADERS.items()
        if request.is_secure:
            headers.append(("Strict-Transport-Security", HSTS))
        return headers, body

    def _rendered(self, environ, slug: str, key: str) -> dict | None:
        """The missed page rendered and stored under `key` (pagecache.rendered_entry) in a request context of its
        own: its teardown returns the database connections; no request hook runs and no session is saved (the
        reader's tokens and cookie are made here). None when the render gives no page: Flask then answers the
        request, with its error pages, redirects and logging."""
        try:
            with self.app.request_context(environ):
                return pagecache.rendered_entry(key, lambda: self.render(slug))
        except Exception:  # a 404, a redirect, the database unavailable...: Flask renders it again and answers
            return None

    def _csrf_secret_alone(self, request: Request, field: str) -> str | None:
        """The CSRF secret of a session holding only that secret, opened as Flask opens it (a forged or an
        expired cookie opens empty); None for any other content."""
        data = self.app.session_interface.open_session(self.app, request)
        if data is None or set(data) != {field} or not isinstance(data[field], str):
            return None
        return data[field]

    def _session_cookie(self, data: dict, secure_request: bool) -> str:
        """The Set-Cookie value of a new session holding `data`, as the app's session interface writes it (its
        attributes made once)."""
        app, interface = self.app, self.app.session_interface
        value = interface.get_signing_serializer(app).dumps(data)
        parts = self._cookie_parts.get(secure_request)
        if parts is None:
            parts = self._cookie_parts[secure_request] = self._cookie_around(secure_request)
        return value.join(parts)

    def _cookie_around(self, secure_request: bool) -> tuple[str, str]:
        """What comes before and after a new session's value in its Set-Cookie (the app's settings; a new
        session is not permanent, so it has no expiry)."""
        app, interface = self.app, self.app.session_interface
        marked = dump_cookie(
            interface.get_cookie_name(app), _VALUE_MARK,
            expires=interface.get_expiration_time(app, interface.session_class()),
            httponly=interface.get_cookie_httponly(app), domain=interface.get_cookie_domain(app),
            path=interface.get_cookie_path(app), secure=interface.get_cookie_secure(app) or secure_request,
            partitioned=interface.get_cookie_partitioned(app), samesite=interface.get_cookie_samesite(app),
        )
        before, after = marked.split(_VALUE_MARK)
        return before, after

