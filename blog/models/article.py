"""Articles written by editors."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class ArticleStatus(str, enum.Enum):
    """Where an article stands in its life."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


class Article(db.Model):
    """A news article with its lead, body and source line."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_status_published_at", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    lead: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[ArticleStatus] = mapped_column(
        Enum(ArticleStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=ArticleStatus.DRAFT,
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comments_open: Mapped[bool] = mapped_column(default=True)
    published_comment_count: Mapped[int] = mapped_column(default=0)
    # Published top-level comments (the comment pages are counted in threads).
    published_thread_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    author = relationship("User")

    @property
    def paragraphs(self) -> list[str]:
        """The body split into non-empty paragraphs."""
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]
