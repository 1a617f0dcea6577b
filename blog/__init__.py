"""Majlis: an Arabic-first moderated comment and publishing backend."""
from __future__ import annotations

import logging
import os
import secrets
import select
import time
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Mapping

from babel import Locale
from flask import (
    Flask, Request as FlaskRequest, before_render_template, current_app, flash, g, has_request_context, request,
    session, template_rendered, url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_date, get_locale, get_translations, gettext
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.pool import Pool
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config
from .extensions import IN_PROCESS_CACHE, babel, cache, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)

# Interface language -> Babel locale used for dates and numbers.
LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en_US"}
_PARSED_LOCALES = {language: Locale.parse(name) for language, name in LOCALES.items()}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Headers every answer carries (docs/security.md says what each one is for).
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
}
HSTS = "max-age=31536000; includeSubDomains"
# The blueprints of the staff's pages and actions (each refuses anyone not logged in with the right role).
STAFF_BLUEPRINTS = frozenset({"admin", "editor", "moderator"})
STAFF_SEEN_KEY = "_staff_seen"  # in a signed-in session: when it was last used (seconds since the epoch)


class QueryValues(ImmutableMultiDict):
    """Query arguments, form fields and cookies, whose get() of an absent name answers its default at once.

    Werkzeug's get() looks the name up through __getitem__, which builds a BadRequestKeyError (an HTTP
    exception, about 3 µs) for every absent name before returning the default; an article page asks for
    about fifteen absent ones (`lang`, `page`, `order`, the reader's cookies).
    """

    def get(self, key, default=None, type=None):
        if key not in self:
            return default
        return super().get(key, default, type)


class Request(FlaskRequest):
    """Flask's request, with QueryValues for its arguments, form and cookies."""

    parameter_storage_class = QueryValues
    dict_storage_class = QueryValues


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, whose cookie is also Secure whenever the request came over HTTPS,
    signed by a serializer made once per key (blog/signing.py) rather than for every request, its JSON
    written directly for a session of strings (blog/signing.py SessionJSON)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            return None
        from .signing import session_json, timed_serializer

        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)  # the current key last
        derivation = (("key_derivation", self.key_derivation), ("digest_method", self.digest_method))
        return timed_serializer(keys, self.salt, session_json, derivation)


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, commands and error pages."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("MAJLIS_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(Config(app.instance_path))
    if test_config:
        app.config.update(test_config)
        if "SQLALCHEMY_DATABASE_URI" in test_config:
            from .config import engine_options, normalize_database_url

            url = normalize_database_url(test_config["SQLALCHEMY_DATABASE_URI"])
            app.config["SQLALCHEMY_DATABASE_URI"] = url
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(url)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)
    app.request_class = Request
    app.session_interface = SessionInterface()

    _init_extensions(app)
    from .views import IdConverter

    app.url_map.converters["int"] = IdConverter  # before the routes: every <int:...> is a row id
    _register_blueprints(app)
    _register_templates(app)
    _register_errors(app)
    _register_security_headers(app)
    _register_input_guards(app)
    _register_caching(app)
    _connect_signals(app)

    from .cli import register_cli

    register_cli(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:  # only behind proxies we run: otherwise anyone could claim an address or HTTPS
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app


def _instance_secret(app: Flask) -> str:
    """The secret key kept in instance/ (made on first start); production must set SECRET_KEY."""
    if os.environ.get("MAJLIS_ENV") == "production":
        raise RuntimeError("SECRET_KEY must be set in production")
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite in WAL mode with a busy timeout and enforced foreign keys."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Pool, "checkout")
def _replace_closed_postgresql_connections(dbapi_connection, connection_record, connection_proxy):
    """A pooled PostgreSQL connection that the server has closed is replaced before a request uses it.

    A server that goes away (a restart, pg_terminate_backend, a proxy cut) sends a last message or closes
    the socket, so an idle connection with anything to read is dead: one poll of the socket sees it, where
    a pre-ping would cost a round trip (SELECT 1) on every checkout. Like a failed pre-ping, it replaces the
    whole pool: the other connections went with the same server.
    """
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return
    if dbapi_connection.closed:
        raise InvalidatePoolError("the connection is closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if poller.poll(0):
        raise InvalidatePoolError("the server closed the connection")


# The cookie of a reader's interface language: the switch's choice (a year), or the language an address asked for.
LANGUAGE_COOKIE = "lang"
# The `lang` cookie that keeps a language an address asked for: for the browser's session only (the switch keeps
# a reader's own choice a year).
LANGUAGE_COOKIE_FOR_VISIT = {"samesite": "Lax", "httponly": True}
# Before the language in a `lang` cookie kept for a visit ("~fr"): the next address with another ?lang= changes
# it, where a language chosen with the switch (plain "fr") stays.
FOR_VISIT_MARK = "~"


def cookie_language(value: str | None) -> str | None:
    """The language a `lang` cookie holds, whoever set it."""
    return value[len(FOR_VISIT_MARK):] if value and value.startswith(FOR_VISIT_MARK) else value


def select_language() -> str:
    """The reader's interface language: `?lang=`, then the `lang` cookie, then Arabic."""
    from flask import current_app

    return choose_language(current_app.config, request.args.get("lang"),
                           cookie_language(request.cookies.get(LANGUAGE_COOKIE)))


def choose_language(config: Mapping[str, Any], *candidates: str | None) -> str:
    """The first candidate that is an interface language, else the default one."""
    languages = config["LANGUAGES"]
    for candidate in candidates:
        if candidate in languages:
            return candidate
    return config["BABEL_DEFAULT_LOCALE"]


def language_asked_to_keep(config: Mapping[str, Any], asked: str | None, cookie: str | None) -> str | None:
    """The `lang` cookie's value for the language a page was opened in by its address (`?lang=`), when this
    browser has none of its own: kept for the visit (LANGUAGE_COOKIE_FOR_VISIT), so that the next pages, forms
    and links are in it too, until an address asks for another. A language chosen with the switch (a cookie
    without FOR_VISIT_MARK) is not changed by an address."""
    if asked not in config["LANGUAGES"]:
        return None
    kept = FOR_VISIT_MARK + asked
    return kept if cookie is None or (cookie.startswith(FOR_VISIT_MARK) and cookie != kept) else None


def _select_locale() -> Locale:
    if "language" not in g:
        g.language = select_language()
    return _PARSED_LOCALES[g.language]  # Flask-Babel takes a Locale as it is (it parses a name at each request)


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    from .services.reads import release_driver_connection

    app.teardown_appcontext(release_driver_connection)  # a page's reads on the driver's connection (services/reads.py)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    app.before_request(_desk_upload_limit)  # before CSRFProtect's own hook, which reads the form
    csrf.init_app(app)
    from .signing import csrf_token

    app.jinja_env.globals["csrf_token"] = csrf_token  # Flask-WTF's token, signed by a serializer made once
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    cache_config = (
        {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": app.config["REDIS_URL"]}
        if app.config.get("REDIS_URL")
        else {"CACHE_TYPE": IN_PROCESS_CACHE}
    )
    for key, value in cache_config.items():
        app.config.setdefault(key, value)
    cache.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    from .throttle import init_throttle

    init_throttle(app)

    # `current_user` is a template global, looked up only by a template that shows it (the site header), not a
    # context processor that loads the user for every render, kept blocks included.
    login_manager.init_app(app, add_context_processor=False)
    from flask_login import current_user

    app.jinja_env.globals["current_user"] = current_user
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        from .services.accounts import session_user

        ident, _, rest = user_id.partition(":")
        token, _, key = rest.partition(":")
        if not ident.isdigit():
            return None
        user = session_user(int(ident), token, key)
        return user if user is not None and _still_active(app) else None


def _still_active(app: Flask) -> bool:
    """Whether a staff session was used within STAFF_IDLE_HOURS (a shared newsroom computer left signed in ends by
    itself); the time of use is written at most once a minute. An idle session is ended with a word."""
    now, seen = int(time.time()), session.get(STAFF_SEEN_KEY)
    if isinstance(seen, int) and now - seen > app.config["STAFF_IDLE_HOURS"] * 3600:
        session.clear()
        flash(gettext("انتهت جلستك بعد مدة دون نشاط: سجّل الدخول من جديد."), "warning")
        return False
    if not isinstance(seen, int) or now - seen >= 60:
        session[STAFF_SEEN_KEY] = now
    return True


def _desk_upload_limit() -> None:
    """The desk's requests may carry an image (blog/views/editor.py): their size limit is raised before anything
    reads their body. CSRFProtect reads the form in an app-wide hook, which runs before the blueprint's own."""
    if request.blueprint == "editor":
        request.max_content_length = current_app.config["DESK_MAX_CONTENT_LENGTH"]


def _register_blueprints(app: Flask) -> None:
    from .views import admin, auth, conversation, editor, moderator, public, reader_tokens

    app.register_blueprint(public.bp)
    app.register_blueprint(conversation.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(moderator.bp)
    app.register_blueprint(reader_tokens.bp)
    app.register_blueprint(editor.bp)


def _register_templates(app: Flask) -> None:
    from .sanitize import render_article, render_comment, strip_all, written_in_arabic, written_order

    def language() -> str:
        _select_locale()
        return g.language

    @app.context_processor
    def page_globals():
        lang = language()
        return {
            "lang": lang,
            "text_dir": "rtl" if lang == "ar" else "ltr",
            "site_name": app.config["SITE_NAME"],
            "languages": app.config["LANGUAGES"],
        }

    app.jinja_env.filters["comment_html"] = render_comment
    app.jinja_env.filters["written_order"] = written_order
    app.jinja_env.filters["article_html"] = render_article
    app.jinja_env.filters["plain_text"] = strip_all
    # A reader's name inside a sentence of the interface: isolated (FSI ... PDI), so that a Latin name with punctuation
    # keeps its order in an Arabic sentence ("Karim (Rabat)!"), in a page's title as in its text.
    app.jinja_env.filters["isolated"] = lambda text: f"\u2068{text}\u2069"
    # Arabic text on a page in another language says so (lang="ar"): a screen reader then reads it in an Arabic
    # voice, and the browser picks Arabic fonts and line breaking. On Arabic pages the page's own lang holds.
    @pass_context
    def content_lang(context, text: str | None) -> Markup:
        arabic = context["lang"] != "ar" and text and written_in_arabic(text)
        return Markup(' lang="ar"' if arabic else "")

    app.jinja_env.filters["content_lang"] = content_lang

    def form_page_title(title: str, form) -> str:
        """A page's <title>, begun with "خطأ:" while its form comes back with errors: the title is the first thing a
        screen reader announces on the page that came back, which looks like the page sent (WCAG 3.3.1). A global,
        not a macro: importing a macro costs the uncached article page 5 % of its instructions."""
        if form is None or not form.errors:
            return title
        return Markup(gettext("خطأ: %(title)s", title=escape(title)))  # the title escaped once, as it stands

    app.jinja_env.globals["form_page_title"] = form_page_title
    app.jinja_env.filters["iso_utc"] = lambda value: value.isoformat(timespec="seconds") if value else ""
    from .services.comments import screening_signals

    app.jinja_env.filters["screening_signals"] = screening_signals
    app.jinja_env.filters["long_date"] = lambda value: format_date(value, "long") if value else ""
    app.jinja_env.globals["current_locale"] = get_locale
    from .views import date_and_time, day_and_month, list_separator

    app.jinja_env.filters["date_time"] = date_and_time
    app.jinja_env.filters["day_month"] = day_and_month
    app.jinja_env.globals["list_separator"] = list_separator
    from .pagecache import ProcessMemo

    static_urls = ProcessMemo(64)

    def static_url(filename: str) -> str:
        """url_for("static", filename=...), kept per script root: the same for every request of a site."""
        return static_urls.get((request.script_root, filename), lambda: url_for("static", filename=filename))

    app.jinja_env.globals["static_url"] = static_url
    _install_template_gettext(app)


# The translations of the template being rendered: looked up once per render rather than at every `_()`
# (Flask-Babel's own look-up walks several context proxies each time, a third of an article page's cost).
_render_translations: ContextVar = ContextVar("render_translations", default=None)


def _install_template_gettext(app: Flask) -> None:
    def bind(sender, template, context, **extra):
        _render_translations.set(get_translations())

    def unbind(sender, template, context, **extra):
        _render_translations.set(None)

    def translations():
        return _render_translations.get() or get_translations()

    before_render_template.connect(bind, app, weak=False)
    template_rendered.connect(unbind, app, weak=False)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def _register_errors(app: Flask) -> None:
    from flask import jsonify, render_template
    from flask_babel import gettext
    from flask_wtf.csrf import CSRFError

    from .views import wants_json

    def page(code: int, template: str):
        def handler(error):
            return render_template(f"errors/{template}.html", code=code), code

        return handler

    from .views.auth import to_login

    # Someone not logged in at a staff page or action: the roles' 401 and Flask-Login's own alike.
    app.register_error_handler(401, lambda error: to_login())
    login_manager.unauthorized_handler(to_login)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from flask_login import current_user

        if request.blueprint in STAFF_BLUEPRINTS and not current_user.is_authenticated:
            return to_login()  # the session ended (logged out, cookies cleared): the token went with it
        if wants_json():  # a page's script (a reaction): a message it can show where the reader clicked
            return jsonify(error=gettext("انتهت صلاحية الصفحة: أعد تحميلها ثم أعد المحاولة.")), 400
        return render_template("errors/csrf.html", code=400), 400

    for code in (400, 403, 405, 413, 429, 500, 501):
        app.register_error_handler(code, page(code, "error"))
    app.register_error_handler(404, _slash_too_many(page(404, "error")))


def _slash_too_many(not_found):
    """A 404 handler: a page's address with a slash too many at its end (a link pasted so) goes to the page."""
    from flask import redirect, request
    from werkzeug.exceptions import HTTPException

    def handler(error):
        path = request.path
        if request.url_rule is None and request.method in ("GET", "HEAD") and path.endswith("/") and path.strip("/"):
            wanted = path.rstrip("/")
            try:
                current_app.url_map.bind_to_environ(request.environ).match(wanted)
            except HTTPException:  # no page there either (or one whose own address ends with a slash)
                return not_found(error)
            query = request.query_string.decode("latin-1")
            return redirect(request.script_root + wanted + (f"?{query}" if query else ""), code=308)
        return not_found(error)

    return handler


def _register_caching(app: Flask) -> None:
    """Page cache invalidation by signals, proxy headers, and pages for an unreachable database."""
    from . import pagecache
    from .forms import CommentForm
    from .resilience import register_resilience

    pagecache.connect_signals()
    pagecache.memoize_filters(app)
    pagecache.memoize_comment_fragments(app)
    pagecache.memoize_article_block(app)
    pagecache.keep_page_blocks(app)
    pagecache.memoize_comment_form(app, blank_form=CommentForm)
    app.extensions["majlis_neighbours"] = pagecache.ProcessMemo(pagecache.NEIGHBOURS_MEMO)
    app.extensions["majlis_next_scheduled"] = pagecache.ProcessMemo(4)
    register_resilience(app)
    if app.config["PAGE_FRONT"]:
        from .pagefront import PageFront
        from .views.public import shared_article_page

        app.wsgi_app = PageFront(app, app.wsgi_app, render=shared_article_page)


def _connect_signals(app: Flask) -> None:
    """Subscribers of the named signals (side effects of services): see blog/notifications.py."""
    from . import notifications

    notifications.connect(app)


def _register_security_headers(app: Flask) -> None:
    from .security import signed_in

    @app.after_request
    def security_headers(response):
        headers = response.headers
        present = {name.lower() for name in headers.keys()}
        headers.extend([(name, value) for name, value in SECURITY_HEADERS.items() if name.lower() not in present])
        if request.is_secure and "strict-transport-security" not in present:
            headers["Strict-Transport-Security"] = HSTS
        if signed_in():  # staff pages are never kept by a shared or browser cache
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        return response

    @app.after_request
    def keep_the_language_asked(response):
        """A page opened with ?lang= keeps that language for the visit (language_asked_to_keep); never on an answer
        a shared cache may keep."""
        keep = language_asked_to_keep(app.config, request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE))
        if keep and "public" not in response.headers.get("Cache-Control", ""):
            response.set_cookie(LANGUAGE_COOKIE, keep, secure=request.is_secure, **LANGUAGE_COOKIE_FOR_VISIT)
            response.vary.add("Cookie")
        return response


def _register_input_guards(app: Flask) -> None:
    from flask import abort

    @app.before_request
    def no_nul_in_the_url():
        """A NUL byte in a path or query is never meaningful and no database column may hold one."""
        if "\x00" in request.path:
            abort(404)
        if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
            abort(400)

    @app.before_request
    def json_bodies_are_objects():
        """A JSON body must be an object: forms and JSON endpoints read fields from it (no 500 on `false`)."""
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.is_json:
            if not isinstance(request.get_json(silent=True), dict):
                abort(400)
