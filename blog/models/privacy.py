"""The record of what was done for people's privacy: exports, erasures, address purges."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class PrivacyKind(str, enum.Enum):
    """What was done."""

    EXPORT = "export"
    ERASE = "erase"
    PURGE_ADDRESSES = "purge-addresses"


class PrivacyRequest(db.Model):
    """One privacy operation: its kind, whom it concerned (a keyed hash, never the e-mail), what it touched."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PrivacyKind] = mapped_column(
        Enum(PrivacyKind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    subject_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    affected: Mapped[int] = mapped_column(default=0)
    operator: Mapped[str] = mapped_column(String(80), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
