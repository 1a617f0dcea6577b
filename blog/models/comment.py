"""Readers' comments and their screening outcome."""
from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from sqlalchemy import JSON, Enum, Float, ForeignKey, Index, String, Text, event, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow


class CommentStatus(str, enum.Enum):
    """The one status of a comment."""

    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    SPAM = "spam"
    WITHDRAWN = "withdrawn"  # taken back by its author


def risk_of(score: float, rules: str) -> float:
    """How risky a comment looks for the queue order: its score, plus one when a rule was hit."""
    return float(score or 0.0) + (1.0 if rules else 0.0)


def _initial_risk(context) -> float:
    params = context.get_current_parameters()
    return risk_of(params.get("screen_score") or 0.0, params.get("screen_rules") or "")


class Comment(db.Model):
    """A reader's comment on an article, stored raw, rendered escaped."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_article_status_created", "article_id", "status", "created_at", "id"),
        Index("ix_comments_status_created", "status", "created_at", "id"),
        Index("ix_comments_author_email", "author_email"),
        Index("ix_comments_created_at", "created_at"),
        # The pending queue, riskiest first, walked by keyset (risk DESC, id ASC).
        Index("ix_comments_status_risk", "status", text("risk DESC"), "id"),
        Index("ix_comments_flagged_created", "flagged", "created_at", "id"),
        Index("ix_comments_thread_roots", "article_id", "status", "root_id", "created_at", "id"),
        Index("ix_comments_root_status_created", "root_id", "status", "created_at", "id"),
        # "Most liked" threads (like_count DESC, then oldest first): read in that order, no sort of the article's.
        Index("ix_comments_thread_roots_liked",
              "article_id", "status", "root_id", text("like_count DESC"), "created_at", "id"),
        Index("ix_comments_body_digest_created", "body_digest", "created_at"),
        Index("ix_comments_address_created", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    # The top-level comment of the thread (None for a top-level comment): threads show two levels.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(80))
    author_email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64), default="")
    body: Mapped[str] = mapped_column(Text)
    # A digest of the text, kept with it (see below): screening finds a recent repeat through its index.
    body_digest: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[CommentStatus] = mapped_column(
        Enum(CommentStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=CommentStatus.PENDING,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Screening verdict, as computed when the comment arrived.
    screen_action: Mapped[str] = mapped_column(String(16), default="")
    screen_rules: Mapped[str] = mapped_column(String(64), default="")
    screen_score: Mapped[float] = mapped_column(Float, default=0.0)
    screen_details: Mapped[dict] = mapped_column(JSON, default=dict)
    # Idempotency: a hash of the form token and the text; a retried POST finds the stored comment.
    form_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Queue order: the learned score, plus one when a posting rule was hit (set on insert).
    risk: Mapped[float] = mapped_column(Float, default=_initial_risk, server_default="0")
    # Readers' reports: how many, and whether they reached the threshold and await a moderator.
    report_count: Mapped[int] = mapped_column(default=0, server_default="0")
    flagged: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The author asked for e-mail when it is published and when someone replies.
    notify: Mapped[bool] = mapped_column(default=False)
    # The interface language the reader wrote in: the language of the e-mails they get (None: the site's).
    lang: Mapped[str | None] = mapped_column(String(8))
    # Denormalized counters, changed by plain UPDATEs (never through the version counter).
    like_count: Mapped[int] = mapped_column(default=0)
    dislike_count: Mapped[int] = mapped_column(default=0)
    reply_count: Mapped[int] = mapped_column(default=0)
    # Optimistic concurrency: two moderators deciding the same comment, one wins.
    version: Mapped[int] = mapped_column(default=1)

    article = relationship("Article")
    parent = relationship("Comment", remote_side=[id], foreign_keys=[parent_id])

    __mapper_args__ = {"version_id_col": version}


def body_digest(body: str) -> str:
    """The indexed digest of a comment's text (screening's duplicate signal looks the text up by it)."""
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@event.listens_for(Comment.body, "set")
def _keep_body_digest(target: Comment, value: str | None, oldvalue, initiator) -> None:
    target.body_digest = body_digest(value) if value is not None else None


# Screening looks an author's comments up by lower(e-mail), and asks whether one of them is approved: an
# expression index on both backends, with the status.
Index("ix_comments_author_email_lower_status", func.lower(Comment.author_email), Comment.status)
