"""Named permission checks, in one place."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from .models import Role


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
