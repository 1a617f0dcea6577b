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
