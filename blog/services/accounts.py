"""Staff accounts: a staff member's own password, a browser's login, ending every session of an account."""
from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete

from ..extensions import db
from ..models import StaffSession, User, utcnow
from .errors import ServiceError


class WrongPassword(ServiceError):
    """The password given as the account's current one is not."""


def start_session(user: User) -> None:
    """A login from one browser: its StaffSession, whose key goes into the session cookie (`user.get_id()`).
    The account's sessions past STAFF_SESSION_DAYS are deleted on the way."""
    _delete_old_sessions(user)
    user.browser_key = secrets.token_urlsafe(32)
    db.session.add(StaffSession(key=user.browser_key, user_id=user.id))
    db.session.commit()


def session_user(user_id: int, token: str, key: str) -> User | None:
    """The account of a session cookie's login, if that login still holds: the account's session token is the
    same, and the browser's StaffSession was neither ended nor started more than STAFF_SESSION_DAYS ago."""
    user = db.session.get(User, user_id)
    if user is None or not token or not key or not secrets.compare_digest(user.session_token, token):
        return None
    login = db.session.get(StaffSession, key)
    if login is None or login.user_id != user.id or login.created_at < _oldest_session():
        return None
    user.browser_key = key
    return user


def end_session(user: User) -> None:
    """Log this browser out: its StaffSession goes, and any copy of its cookie stops working with it."""
    db.session.execute(delete(StaffSession).where(StaffSession.key == user.browser_key))
    db.session.commit()


def end_sessions(user: User) -> None:
    """Give the account a new session token: every browser logged in with the old one is logged out (the caller
    commits)."""
    user.session_token = secrets.token_hex(16)
    db.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


def _oldest_session():
    return utcnow() - timedelta(days=current_app.config["STAFF_SESSION_DAYS"])


def _delete_old_sessions(user: User) -> None:
    db.session.execute(
        delete(StaffSession).where(StaffSession.user_id == user.id, StaffSession.created_at < _oldest_session())
    )


def rotate_session_token(user: User) -> None:
    """End every session of the account now."""
    end_sessions(user)
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """A staff member's new password, given the current one; every other session of the account ends (the
    caller logs this browser in again with the new session token)."""
    if not user.check_password(current):
        raise WrongPassword(user.id)
    user.set_password(new)
    rotate_session_token(user)
