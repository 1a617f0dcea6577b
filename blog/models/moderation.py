"""Moderation records: decisions, term lists and bans."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class ActionKind(str, enum.Enum):
    """Every kind of decision recorded in the audit trail."""

    SCREEN = "screen"       # the automatic verdict on arrival
    APPROVE = "approve"
    REJECT = "reject"
    SPAM = "spam"
    UNDO = "undo"
    EDIT = "edit"
    REPORT = "report"       # readers' reports reached the threshold: back to the queue
    KEEP = "keep"           # a moderator kept a reported comment as it is
    WITHDRAW = "withdraw"   # the author took the comment back


class ModerationAction(db.Model):
    """One decision on one comment: who, what, why, when, with a snapshot of the text."""

    __tablename__ = "moderation_actions"
    __table_args__ = (
        Index("ix_moderation_actions_created", "created_at"),
        Index("ix_moderation_actions_actor_created", "actor_id", "created_at"),
        Index("ix_moderation_actions_action_created", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the screening engine
    action: Mapped[ActionKind] = mapped_column(
        Enum(ActionKind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    rule: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # a moderator's note, or an automatic step's in English
    # An automatic step's reasons in each interface language, as the queue shows them: [{code, ar, fr, en}].
    reasons: Mapped[list | None] = mapped_column(JSON)
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16))
    text_snapshot: Mapped[str] = mapped_column(Text, default="")
    after_text: Mapped[str | None] = mapped_column(Text)  # an edit's new text (the snapshot keeps the original)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor = relationship("User")
    comment = relationship("Comment")


class CommentReport(db.Model):
    """A reader's report of a published comment, naming the rule it breaks (one per address)."""

    __tablename__ = "comment_reports"
    __table_args__ = (UniqueConstraint("comment_id", "address", name="uq_comment_reports_comment_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ScreeningTerm(db.Model):
    """A term of the screening lists, editable by admins."""

    __tablename__ = "screening_terms"
    __table_args__ = (UniqueConstraint("text", "rule", "lang", name="uq_screening_terms_text_rule_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(120))
    rule: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    lang: Mapped[str] = mapped_column(String(16), default="ar")
    stem: Mapped[bool] = mapped_column(default=False)
    enabled: Mapped[bool] = mapped_column(default=True)
    shipped: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Ban(db.Model):
    """A ban on an author's e-mail and/or address, for a period or for good."""

    __tablename__ = "bans"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    address: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: for good
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor = relationship("User", foreign_keys=[actor_id])
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])

    @classmethod
    def in_force(cls, now: datetime):
        """SQL condition: not lifted, and for good or not yet over."""
        return and_(cls.lifted_at.is_(None), or_(cls.until.is_(None), cls.until > now))


class SiteState(db.Model):
    """Small counters the app shares between processes (e.g. the term list version)."""

    __tablename__ = "site_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
