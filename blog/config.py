"""Configuration classes; secrets come only from the environment or the instance folder."""
from __future__ import annotations

import os
from pathlib import Path


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def mail_settings() -> dict:
    """The MAIL_* settings from the environment: the app's, and an RQ worker's (blog/mail.py), which reads its
    own rather than taking them, password included, from the job."""
    return {
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@localhost"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "10")),
    }


class Config:
    """Settings shared by every environment, read from the environment at app creation."""

    def __init__(self, instance_path: str) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(
            os.environ.get("DATABASE_URL")
            or "sqlite:///" + str(Path(instance_path) / "majlis.sqlite3")
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.MAX_CONTENT_LENGTH = 256 * 1024
        self.WTF_CSRF_TIME_LIMIT = None
        self.SESSION_COOKIE_HTTPONLY = True
        self.STAFF_IDLE_HOURS = float(os.environ.get("STAFF_IDLE_HOURS", "12"))  # a staff session unused this long ends
        self.STAFF_SESSION_DAYS = float(os.environ.get("STAFF_SESSION_DAYS", "30"))  # a staff login, used or not, ends
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # True: always Secure. False (default): Secure whenever the request came over HTTPS (see TRUSTED_PROXIES).
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.BABEL_DEFAULT_LOCALE = "ar"
        self.BABEL_DEFAULT_TIMEZONE = os.environ.get("SITE_TIMEZONE", "Africa/Casablanca")
        self.LANGUAGES = ("ar", "fr", "en")
        self.SITE_NAME = os.environ.get("SITE_NAME", "مجلس")
        self.COMMENTS_PER_PAGE = int(os.environ.get("COMMENTS_PER_PAGE", "50"))
        self.ARTICLES_PER_PAGE = int(os.environ.get("ARTICLES_PER_PAGE", "10"))
        # Caching (blog/pagecache.py): how long a rendered article page is kept, and how long a
        # caching proxy may serve a page identical for every reader.
        self.PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
        # Cached article pages served to cookie-less readers ahead of Flask's request machinery (blog/pagefront.py).
        self.PAGE_FRONT = _bool("PAGE_FRONT", True)
        self.SHARED_PAGE_SECONDS = int(os.environ.get("SHARED_PAGE_SECONDS", "10"))
        # Rendered published comments kept per process, keyed by all they show (0: render every one each time).
        self.COMMENT_FRAGMENTS = int(os.environ.get("COMMENT_FRAGMENTS", "4096"))
        # Rendered blocks of pages kept per worker by all they show (blog/pagecache.py); off: render them all.
        self.KEPT_BLOCKS = _bool("KEPT_BLOCKS", True)
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        if os.environ.get("CACHE_TYPE"):  # e.g. NullCache to measure rendering with no page cache
            self.CACHE_TYPE = os.environ["CACHE_TYPE"]
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        self.EDITOR_ARTICLES_PER_PAGE = int(os.environ.get("EDITOR_ARTICLES_PER_PAGE", "30"))
        self.FEED_SIZE = int(os.environ.get("FEED_SIZE", "20"))
        # Editors' uploads: images up to UPLOAD_MAX_BYTES, resized so that their longest side fits.
        self.UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads")
        self.UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
        self.IMAGE_MAX_SIDE = int(os.environ.get("IMAGE_MAX_SIDE", "1600"))
        # The desk's requests may carry an image; bigger bodies get the 413 page.
        self.DESK_MAX_CONTENT_LENGTH = int(os.environ.get("DESK_MAX_CONTENT_LENGTH", str(16 * 1024 * 1024)))
        self.QUEUE_PER_PAGE = int(os.environ.get("QUEUE_PER_PAGE", "50"))
        self.THREAD_PER_PAGE = int(os.environ.get("THREAD_PER_PAGE", "200"))  # an article's whole thread, for moderators
        self.BANS_PER_PAGE = int(os.environ.get("BANS_PER_PAGE", "100"))
        # Screening settings (plain values handed to blog.moderation).
        self.MODERATION_MODE = os.environ.get("MODERATION_MODE", "pre")
        self.MODERATION_HOLD_THRESHOLD = float(os.environ.get("MODERATION_HOLD_THRESHOLD", "0.5"))
        self.MODERATION_REJECT_THRESHOLD = float(os.environ.get("MODERATION_REJECT_THRESHOLD", "0.97"))
        self.MODERATION_MAX_LINKS = int(os.environ.get("MODERATION_MAX_LINKS", "3"))
        self.MODERATION_FLOOD_LIMIT = int(os.environ.get("MODERATION_FLOOD_LIMIT", "5"))
        self.MODERATION_FLOOD_WINDOW_MINUTES = int(os.environ.get("MODERATION_FLOOD_WINDOW_MINUTES", "10"))
        self.MODERATION_AUTO_PUBLISH_KNOWN = _bool("MODERATION_AUTO_PUBLISH_KNOWN", True)
        self.MODEL_PATH = os.environ.get("MODEL_PATH") or str(Path(instance_path) / "screening-model")
        self.EMAIL_CHECK_DELIVERABILITY = _bool("EMAIL_CHECK_DELIVERABILITY", False)
        # E-mail over SMTP (blog/mail.py; no MAIL_SERVER: nothing is sent).
        self.SITE_URL = os.environ.get("SITE_URL") or None  # e.g. https://majlis.example.ma, for links in e-mail
        vars(self).update(mail_settings())
        # Alert moderators when this many comments wait (0: never); recipients default to every moderator.
        self.MODERATOR_ALERT_THRESHOLD = int(os.environ.get("MODERATOR_ALERT_THRESHOLD", "0"))
        self.MODERATOR_ALERT_EMAILS = [e.strip() for e in os.environ.get("MODERATOR_ALERT_EMAILS", "").split(",") if e.strip()]
        # Readers' reports: how many send a published comment back to the queue, and whether it is hidden meanwhile.
        self.REPORT_THRESHOLD = int(os.environ.get("REPORT_THRESHOLD", "3"))
        self.REPORT_HIDES = _bool("REPORT_HIDES", True)
        self.REPORT_RATE_LIMIT = os.environ.get("REPORT_RATE_LIMIT", "10 per hour;30 per day")
        self.TERMS_REFRESH_SECONDS = float(os.environ.get("TERMS_REFRESH_SECONDS", "5"))
        # Abuse resistance (docs/security.md). Limits use Flask-Limiter's notation: "5 per minute; 30 per hour".
        self.LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
        self.LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")
        self.COMMENT_LIMIT_PER_ADDRESS = os.environ.get("COMMENT_LIMIT_PER_ADDRESS", "5 per minute; 40 per hour")
        self.COMMENT_LIMIT_PER_EMAIL = os.environ.get("COMMENT_LIMIT_PER_EMAIL", "3 per minute; 20 per hour")
        # A comment form sent sooner than this after the page was served is a robot's (0, the default: no check;
        # 3 suits a site under attack by bots, at the cost of refusing readers who paste and send at once).
        self.COMMENT_MIN_FILL_SECONDS = float(os.environ.get("COMMENT_MIN_FILL_SECONDS", "0"))
        self.COMMENT_FORM_MAX_AGE_HOURS = float(os.environ.get("COMMENT_FORM_MAX_AGE_HOURS", "48"))
        # Privacy: shortened comment addresses are erased after this many days (`flask privacy purge-addresses`).
        self.ADDRESS_RETENTION_DAYS = int(os.environ.get("ADDRESS_RETENTION_DAYS", "30"))
        # Behind a reverse proxy: how many proxies to trust for X-Forwarded-For/-Proto/-Host (0: none).
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        # Readers' conversation.
        self.COMMENT_EDIT_MINUTES = int(os.environ.get("COMMENT_EDIT_MINUTES", "15"))
        self.REACTIONS_DISLIKE_ENABLED = _bool("REACTIONS_DISLIKE_ENABLED", True)
        self.REACTION_RATE_LIMIT = os.environ.get("REACTION_RATE_LIMIT", "30 per minute;600 per day")
        self.REMEMBER_DETAILS_DAYS = int(os.environ.get("REMEMBER_DETAILS_DAYS", "365"))


def normalize_database_url(url: str) -> str:
    """Accept the common `postgres://` spelling and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def engine_options(url: str) -> dict:
    """Engine options per backend: SQLite gets a busy timeout (WAL is set on connect). PostgreSQL gets a
    connect timeout; sessions in UTC, so that the driver's dates need no conversion (UTCDateTime); and no
    pre-ping: a connection the server closed is seen on checkout without a round trip
    (`_replace_closed_postgresql_connections` in blog/__init__.py)."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}}
    return {"connect_args": {"connect_timeout": 5, "options": "-c TimeZone=UTC"}}
