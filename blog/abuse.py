"""Refusals at the comment form: honeypot, minimum fill time (a signed timestamp) and rate limits.

What a comment says, how many links it has, whether it repeats a recent one or comes from a banned author,
is judged by the screening (blog/moderation/rules.py structural_hits); what is refused here never reaches it.
"""
from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from . import throttle
from .signing import timed_serializer

_SALT = "majlis-comment-form"


class Refusal(str, enum.Enum):
    """Why a comment form was refused before screening."""

    HONEYPOT = "honeypot"          # the hidden field that people never see was filled
    TOO_FAST = "too-fast"          # sent sooner than COMMENT_MIN_FILL_SECONDS after the page was served
    STALE_FORM = "stale-form"      # the form's timestamp is missing, forged or too old
    ADDRESS_RATE = "address-rate"  # COMMENT_LIMIT_PER_ADDRESS reached
    EMAIL_RATE = "email-rate"      # COMMENT_LIMIT_PER_EMAIL reached


@dataclass(frozen=True, slots=True)
class Refused:
    """A refusal and, for rate limits, when the person may try again."""

    reason: Refusal
    retry_after: int = 0


def _serializer(secret: str | None = None) -> URLSafeTimedSerializer:
    return timed_serializer(secret or current_app.config["SECRET_KEY"], _SALT)


def form_stamp(secret: str | None = None) -> str:
    """A signed timestamp (to the millisecond) to put in the comment form when it is served (signed with
    `secret`, by default the app's key)."""
    return _serializer(secret).dumps(round(time.time(), 3))


def stamp_age(stamp: str | None) -> float | None:
    """Seconds since the form carrying `stamp` was served; None when it is forged, missing or too old."""
    if not stamp or len(stamp) > 200:
        return None
    max_age = int(current_app.config["COMMENT_FORM_MAX_AGE_HOURS"] * 3600)
    try:
        served_at = _serializer().loads(stamp, max_age=max_age)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    if not isinstance(served_at, (int, float)) or isinstance(served_at, bool):
        return None
    return max(0.0, time.time() - served_at)


def fresh_stamp_needed(stamp: str | None) -> bool:
    """True when the form must be served with a new timestamp."""
    return current_app.config["COMMENT_MIN_FILL_SECONDS"] > 0 and stamp_age(stamp) is None


def check_comment_form(*, honeypot: str, stamp: str | None, address: str, email: str) -> Refused | None:
    """The first refusal that applies to a comment form that is otherwise valid, or None."""
    if honeypot:
        return Refused(Refusal.HONEYPOT)
    minimum = current_app.config["COMMENT_MIN_FILL_SECONDS"]
    if minimum > 0:
        age = stamp_age(stamp)
        if age is None:
            return Refused(Refusal.STALE_FORM)
        if age < minimum:
            return Refused(Refusal.TOO_FAST, retry_after=max(1, int(minimum - age) + 1))
    exceeded = throttle.hit("comment-address", "COMMENT_LIMIT_PER_ADDRESS", address)
    if exceeded:
        return Refused(Refusal.ADDRESS_RATE, exceeded.retry_after)
    exceeded = throttle.hit("comment-email", "COMMENT_LIMIT_PER_EMAIL", email)
    if exceeded:
        return Refused(Refusal.EMAIL_RATE, exceeded.retry_after)
    return None
