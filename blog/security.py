"""Named permission checks, in one place."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, request, session
from flask_login import current_user
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE

from .models import Role


def remember_cookie(config) -> str:
    """The name of Flask-Login's remember-me cookie, the one cookie besides the session that carries a login."""
    return config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE)


def signed_in() -> bool:
    """current_user.is_authenticated, without loading a user when nothing in the request can carry a login:
    no user id in the session, no remember cookie, no login during this request.

    Loading one for an anonymous session would also run Flask-Login's "strong" session protection, which
    rewrites every such session (and clears the remember cookie) on each request for nothing.
    """
    if "_login_user" not in g:
        if remember_cookie(current_app.config) not in request.cookies and "_user_id" not in session:
            return False
    return current_user.is_authenticated


def role_required(*roles: Role):
    """Let through only logged-in staff with one of `roles` (admins always); others get 401/403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


moderator_required = role_required(Role.MODERATOR)
editor_required = role_required(Role.EDITOR)
admin_required = role_required(Role.ADMIN)


def may_change_own_comment(comment, own_ids, now, window_minutes: int) -> bool:
    """A reader may edit or withdraw a comment posted from this browser while it awaits moderation,
    or for `window_minutes` after its publication."""
    from datetime import timedelta

    from .models import CommentStatus

    if comment is None or comment.id not in own_ids:
        return False
    if comment.status is CommentStatus.PENDING:
        return True
    if comment.status is CommentStatus.PUBLISHED:
        published_at = comment.decided_at or comment.created_at
        return now < published_at + timedelta(minutes=window_minutes)
    return False
