"""Staff accounts managed by admins in the browser."""
from __future__ import annotations

import secrets

from sqlalchemy import func, select

from ..extensions import db
from ..models import Role, User, UserRole
from .accounts import end_sessions
from .errors import LastAdmin, NotFound, ServiceError


class EmailTaken(ServiceError):
    """Another account has this e-mail address."""


def staff() -> list[User]:
    """Every staff account, admins first."""
    order = {Role.ADMIN: 0, Role.EDITOR: 1, Role.MODERATOR: 2}
    return sorted(db.session.scalars(select(User)), key=lambda u: (order[u.role], u.email))


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


def _other_active_admins(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(User)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    ) or 0


def create_staff(email: str, display_name: str, role: Role, password: str) -> User:
    """Create a staff account with a hashed password."""
    email = email.strip().lower()
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise EmailTaken(email)
    user = User(email=email, display_name=display_name or email.split("@")[0], role=role,
                session_token=secrets.token_hex(16))
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def set_role(user_id: int, role: Role) -> User:
    """Give an account another role; its sessions end, so the new rights apply at once."""
    user = _user(user_id)
    if user.role is Role.ADMIN and role is not Role.ADMIN and not _other_active_admins(user):
        raise LastAdmin(user_id)
    if user.role is not role:
        user.role = role
        user.extra_roles = [extra for extra in user.extra_roles if extra.role is not role]
        end_sessions(user)
        db.session.commit()
    return user


def set_extra_roles(user_id: int, extra: set[Role]) -> User:
    """Give an account roles besides its main one (e.g. an editor who also moderates); its sessions end."""
    user = _user(user_id)
    wanted = {role for role in extra if role not in (user.role, Role.ADMIN)}
    if wanted != {e.role for e in user.extra_roles}:
        user.extra_roles = [UserRole(role=role) for role in sorted(wanted, key=lambda r: r.value)]
        end_sessions(user)
        db.session.commit()
    return user


def set_password(user_id: int, password: str) -> User:
    """A new password for an account, set by an admin (a forgotten one); its sessions end."""
    user = _user(user_id)
    user.set_password(password)
    end_sessions(user)
    db.session.commit()
    return user


def set_active(user_id: int, active: bool) -> User:
    """Enable or disable an account; disabling ends its sessions everywhere."""
    user = _user(user_id)
    if not active and user.role is Role.ADMIN and not _other_active_admins(user):
        raise LastAdmin(user_id)
    user.active = active
    if not active:
        end_sessions(user)
    db.session.commit()
    return user
