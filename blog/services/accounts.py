"""Staff accounts: ending every session of an account."""
from __future__ import annotations

import secrets

from ..extensions import db
from ..models import User


def rotate_session_token(user: User) -> None:
    """Give the account a new session token: every browser logged in with the old one is logged out."""
    user.session_token = secrets.token_hex(16)
    db.session.commit()
