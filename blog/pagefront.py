"""The front of the page cache: an article page already in the cache, served to a browser that sends no
cookie at all, without Flask's request machinery.

Such a request is a reader's first visit (or a caching proxy's): with no cookie there is no session, no login,
no own comment, no remembered detail and no language choice but `?lang=`, so the answer is exactly the one the
article view would give from the cache (blog/pagecache.py `cached_article_page`): the same key, the same stored
page filled with fresh tokens (a new session whose CSRF secret its cookie carries, a serving stamp, form
tokens), the same headers. Everything else, and every miss, goes through Flask as before.

Measured (bench/bench_http.py): the request hooks, context, routing and response objects that Flask runs around
the view were more than half of a cached page's time; here it costs the three signatures and one cache read.
"""
from __future__ import annotations

import re
import secrets
import time

from flask import Flask
from werkzeug.http import dump_cookie, http_date
from werkzeug.wrappers import Request

from . import HSTS, SECURITY_HEADERS, choose_language, pagecache
from .abuse import form_stamp
from .extensions import cache
from .signing import new_csrf_secret, sign_csrf

ARTICLE_PATH = re.compile(r"/articles/([^/]+)")
# Request headers that ask for more than a plain answer (validators, ranges): Flask answers those.
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE",
                "HTTP_RANGE", "HTTP_IF_RANGE")


class PageFront:
    """WSGI middleware in front of the app: cached article pages for cookie-less GETs, everything else to Flask."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

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
            and "HTTP_COOKIE" not in environ
            and not any(name in environ for name in _CONDITIONAL)
            and ARTICLE_PATH.fullmatch(environ.get("PATH_INFO", "")) is not None
            and not self.app.config.get("TRUSTED_HOSTS")
            and not self.app.config.get("RATELIMIT_DEFAULT")  # limits on every page: Flask-Limiter counts them
        )

    def _cached(self, environ) -> tuple[list[tuple[str, str]], bytes] | None:
        request = Request(environ)
        try:
            slug = ARTICLE_PATH.fullmatch(request.path).group(1)
        except AttributeError:  # the decoded path is not an article's
            return None
        if "\x00" in slug or any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
            return None  # the input guards answer 404/400
        config = self.app.config
        shared = request.headers.get(pagecache.SHARED_HEADER) == "1"
        with self.app.app_context():
            key = pagecache.page_key(request.host, slug, choose_language(config, request.args.get("lang")),
                                     request.args)
            entry = cache.get(key)
            if entry is None:
                return None
            headers = [("Content-Type", "text/html; charset=utf-8"), ("X-Page-Cache", "hit")]
            if shared:
                body = pagecache._fill(entry["parts"], None)
                headers += [
                    ("ETag", f'"{entry["etag"]}"'), ("Last-Modified", http_date(entry["rendered_at"])),
                    ("Cache-Control", pagecache.shared_cache_control(config["SHARED_PAGE_SECONDS"])),
                    ("Vary", "Cookie"), ("Date", http_date(time.time())),
                ]
            else:
                secret = new_csrf_secret()
                token = sign_csrf(self.app, secret)
                body = pagecache._fill(entry["parts"], pagecache.Tokens(
                    lambda: token, form_stamp, lambda: secrets.token_urlsafe(18)))
                field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
                headers += [("Cache-Control", pagecache.PRIVATE_CACHE_CONTROL), ("Vary", "Cookie"),
                            ("Set-Cookie", self._session_cookie({field: secret}, request.is_secure))]
        headers.append(("Content-Length", str(len(body))))
        headers += SECURITY_HEADERS.items()
        if request.is_secure:
            headers.append(("Strict-Transport-Security", HSTS))
        return headers, body

    def _session_cookie(self, data: dict, secure_request: bool) -> str:
        """The Set-Cookie value of a new session holding `data`, as the app's session interface writes it."""
        app, interface = self.app, self.app.session_interface
        return dump_cookie(
            interface.get_cookie_name(app), interface.get_signing_serializer(app).dumps(data),
            expires=interface.get_expiration_time(app, interface.session_class(data)),
            httponly=interface.get_cookie_httponly(app), domain=interface.get_cookie_domain(app),
            path=interface.get_cookie_path(app), secure=interface.get_cookie_secure(app) or secure_request,
            partitioned=interface.get_cookie_partitioned(app), samesite=interface.get_cookie_samesite(app),
        )
