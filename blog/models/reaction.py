"""Readers' likes and dislikes on published comments."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

LIKE = 1
DISLIKE = -1


class CommentReaction(db.Model):
    """One reader's reaction to one comment (+1 like, -1 dislike); one row per reader and comment."""

    __tablename__ = "comment_reactions"
    __table_args__ = (UniqueConstraint("comment_id", "reader_id", name="uq_comment_reactions_comment_id_reader_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    reader_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(SmallInteger)
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
