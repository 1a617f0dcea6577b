"""Rate limits for the forms people abuse (login, comments), counted in Flask-Limiter's storage.

The counters live where Flask-Limiter keeps its own (``RATELIMIT_STORAGE_URI``: Redis when ``REDIS_URL`` is
set, so every app process and host shares them; memory otherwise), through the same ``limits`` engine,
and obey ``RATELIMIT_ENABLED``. Unlike a decorator, a view can keep what the person typed and explain the
refusal. Keys are keyed hashes: neither an address nor an e-mail is written to the counter store.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from flask import Flask, current_app
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

EXTENSION_KEY = "majlis_throttle"


@dataclass(frozen=True, slots=True)
class Exceeded:
    """A limit that refused the request, and in how many seconds it lets the person try again."""

    limit: str
    retry_after: int


class Throttle:
    """One app's rate limiter: a storage and a moving-window strategy."""

    def __init__(self, app: Flask) -> None:
        self.enabled = bool(app.config.get("RATELIMIT_ENABLED", True))
        self.prefix = app.config.get("RATELIMIT_KEY_PREFIX") or "majlis"
        self.secret = str(app.config["SECRET_KEY"]).encode()
        self.storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
        self.strategy = MovingWindowRateLimiter(self.storage)

    def key(self, value: str) -> str:
        """A keyed hash of an address or e-mail, so the counter store never holds the value itself."""
        return hmac.new(self.secret, value.strip().lower().encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]

    def hit(self, scope: str, limits: str, value: str, count: bool = True) -> Exceeded | None:
        """Count one attempt against every limit in `limits` ("5 per minute; 30 per hour"); with `count` False,
        only whether one more would be refused."""
        if not self.enabled or not limits or not value:
            return None
        ident = self.key(value)
        for item in parse_many(limits):
            allowed = self.strategy.hit if count else self.strategy.test
            if not allowed(item, self.prefix, scope, ident):
                stats = self.strategy.get_window_stats(item, self.prefix, scope, ident)
                return Exceeded(str(item), max(1, int(stats.reset_time - time.time()) + 1))
        return None


def init_throttle(app: Flask) -> None:
    """Attach the app's throttle (after Flask-Limiter has set the storage defaults)."""
    app.extensions[EXTENSION_KEY] = Throttle(app)


def hit(scope: str, setting: str, value: str) -> Exceeded | None:
    """Count one attempt of `scope` keyed by `value` against the limits named by config `setting`."""
    return current_app.extensions[EXTENSION_KEY].hit(scope, current_app.config[setting], value)


def reached(scope: str, setting: str, value: str) -> Exceeded | None:
    """Whether one more attempt of `scope` keyed by `value` would be refused (nothing counted)."""
    return current_app.extensions[EXTENSION_KEY].hit(scope, current_app.config[setting], value, count=False)
