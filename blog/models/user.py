"""Staff accounts: editors, moderators and admins."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .types import UTCDateTime, utcnow


class Role(str, enum.Enum):
    """What a staff account may do; admin includes every other role."""

    EDITOR = "editor"
    MODERATOR = "moderator"
    ADMIN = "admin"


class UserRole(db.Model):
    """A role an account holds besides its main one (an editor who also moderates)."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]), primary_key=True
    )


class StaffSession(db.Model):
    """One browser's login to a staff account: logging out deletes it, so a copy of that browser's cookie stops
    working too (the cookie holds its key, checked at every staff request)."""

    __tablename__ = "staff_sessions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(UserMixin, db.Model):
    """A staff member who logs in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]))
    active: Mapped[bool] = mapped_column(default=True)
    # Changing it logs the account out everywhere (it is part of the session identity).
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    extra_roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[Role]:
        """The main role and every additional one."""
        return frozenset({self.role, *(extra.role for extra in self.extra_roles)})

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of the password."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role) -> bool:
        """True for an admin, or when the account holds one of `roles` (main or additional)."""
        held = self.roles
        return Role.ADMIN in held or any(role in held for role in roles)

    # The key of this browser's StaffSession, set at login and by the user loader (not a column).
    browser_key: str = ""

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}:{self.browser_key}"

    @property
    def is_active(self) -> bool:
        return self.active
