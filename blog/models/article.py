"""Articles written by editors, their categories, tags, revisions and former slugs."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, Enum, ForeignKey, Index, String, Table, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, unindexed, utcnow


class ArticleStatus(str, enum.Enum):
    """Where an article stands in its life."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


article_tags = Table(
    "article_tags",
    db.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Category(db.Model):
    """A section of the site (politics, economy...)."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True, index=True)


class Tag(db.Model):
    """A free keyword attached to articles."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, index=True)


class Article(db.Model):
    """A news article with its lead, Markdown body and source line."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_status_published_at", "status", "published_at"),
        # Listings newest first (front page, categories, tags, feeds, neighbours): walked by date, stopping at the page.
        Index("ix_articles_published_at_id", "published_at", "id"),
    )

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
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    cover_image: Mapped[str] = mapped_column(String(80), default="", server_default="")
    # Bumped by every editor's save: a save based on an older version is refused, never lost.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The desk's new-article form that created it (the editor's id and the form's token): sent twice, one article.
    form_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    author = relationship("User")
    category = relationship("Category", lazy="joined")
    tags = relationship("Tag", secondary=article_tags, order_by="Tag.name", lazy="selectin")

    def live_now(self) -> bool:
        """Whether readers see it now (Article.live, in Python)."""
        return self.status is ArticleStatus.PUBLISHED or (
            self.status is ArticleStatus.SCHEDULED and self.published_at is not None and self.published_at <= utcnow()
        )

    @classmethod
    def live(cls, now: datetime, by_date: bool = False):
        """SQL condition: readers see it (published, or scheduled and its time has come).

        `by_date`, for listings newest first: the status is no index key, so SQLite walks the publication-date
        index and stops at the page instead of reading every live article through the status index and sorting
        them all (a front page of 20,000 articles: 36 ms against under 0.1 ms). PostgreSQL chooses so itself.
        """
        status = unindexed(cls.status) if by_date else cls.status
        return or_(
            status == ArticleStatus.PUBLISHED,
            and_(status == ArticleStatus.SCHEDULED, cls.published_at <= now),
        )

    @property
    def paragraphs(self) -> list[str]:
        """The body split into non-empty paragraphs."""
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]


class ArticleRevision(db.Model):
    """The text of an article as one save left it."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_article_revisions_article_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(300))
    lead: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="")
    # The category's name ("" for none) and the tags' names, one a line, as the save left them; None in the
    # revisions saved before these were kept (b8d0f2a4c6e1 and earlier): not known, which is not "none".
    category: Mapped[str | None] = mapped_column(String(80))
    tags: Mapped[str | None] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author = relationship("User")

    @property
    def tag_names(self) -> list[str] | None:
        return None if self.tags is None else [name for name in self.tags.split("\n") if name]


class ArticleSlug(db.Model):
    """A former slug of an article, redirected (301) to the current one."""

    __tablename__ = "article_slugs"

    slug: Mapped[str] = mapped_column(String(200), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


TERM_TYPE = String(64).with_variant(String(64, collation="C"), "postgresql")


class ArticleTerm(db.Model):
    """One normalized word of an article (blog.textsearch): the search index, kept by the articles service."""

    __tablename__ = "article_terms"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    # Byte order ("C" collation on PostgreSQL, SQLite's default) so that a prefix is an index range.
    term: Mapped[str] = mapped_column(TERM_TYPE, primary_key=True, index=True)
