"""Staff accounts: a staff member's own password, ending every session of an account."""
from __future__ import annotations

import secrets

from ..extensions import db
from ..models import User
from .errors import ServiceError


class WrongPassword(ServiceError):
    """The password given as the account's current one is not."""


def end_sessions(user: User) -> None:
    """Give the account a new session token: every browser logged in with the old one is logged out (the caller
    commits)."""
    user.session_token = secrets.token_hex(16)


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
