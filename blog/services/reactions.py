"""Readers' likes and dislikes: one per reader and comment, changeable, counts kept on the comment."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import DISLIKE, LIKE, Comment, CommentReaction, CommentStatus, utcnow
from .comments import get_comment
from .errors import ReactionsDisabled

VALUES = {"like": LIKE, "dislike": DISLIKE, "none": 0}
_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class Counts:
    """A comment's reaction counts and this reader's own reaction (LIKE, DISLIKE or 0)."""

    comment_id: int
    likes: int
    dislikes: int
    mine: int


def _insert_once(comment_id: int, reader_id: str, value: int, address: str) -> bool:
    """Insert the reader's reaction unless one exists (the unique constraint decides); True if inserted."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    now = utcnow()
    table = CommentReaction.__table__
    statement = dialect.insert(table).values(
        comment_id=comment_id, reader_id=reader_id, value=value, address=address, created_at=now, updated_at=now
    ).on_conflict_do_nothing(index_elements=["comment_id", "reader_id"]).returning(table.c.id)
    return db.session.execute(statement).first() is not None


def _mine(comment_id: int, reader_id: str) -> int | None:
    return db.session.scalar(
        select(CommentReaction.value).where(
            CommentReaction.comment_id == comment_id, CommentReaction.reader_id == reader_id
        )
    )


def counts(comment_id: int, reader_id: str | None) -> Counts:
    """The current counts of a comment and what this reader chose."""
    likes, dislikes = db.session.execute(
        select(Comment.like_count, Comment.dislike_count).where(Comment.id == comment_id)
    ).one()
    return Counts(comment_id, likes, dislikes, (_mine(comment_id, reader_id) or 0) if reader_id else 0)


def readers_reactions(comment_ids: Collection[int], reader_id: str | None) -> dict[int, int]:
    """This reader's reactions to the given comments."""
    if not reader_id or not comment_ids:
        return {}
    rows = db.session.execute(
        select(CommentReaction.comment_id, CommentReaction.value).where(
            CommentReaction.reader_id == reader_id, CommentReaction.comment_id.in_(comment_ids)
        )
    )
    return {ident: value for ident, value in rows}


def react(comment_id: int, reader_id: str, value: int, address: str = "") -> Counts:
    """Set this reader's reaction to a published comment (0 takes it back); replaying it changes nothing.

    Each change is a compare-and-set on the reader's row, so concurrent requests of one reader count once,
    and the comment's counters move by the same delta in the same transaction.
    """
    if value == DISLIKE and not current_app.config["REACTIONS_DISLIKE_ENABLED"]:
        raise ReactionsDisabled("dislike")
    comment = get_comment(comment_id, CommentStatus.PUBLISHED)
    mine = CommentReaction.comment_id == comment.id, CommentReaction.reader_id == reader_id
    for _attempt in range(_ATTEMPTS):
        current = _mine(comment.id, reader_id)
        if (current or 0) == value:
            db.session.rollback()
            return counts(comment.id, reader_id)
        if current is None:
            changed = _insert_once(comment.id, reader_id, value, address)
        elif value == 0:
            changed = db.session.execute(delete(CommentReaction).where(*mine, CommentReaction.value == current)).rowcount == 1
        else:
            changed = db.session.execute(
                update(CommentReaction).where(*mine, CommentReaction.value == current).values(value=value, updated_at=utcnow())
            ).rowcount == 1
        if not changed:
            db.session.rollback()
            continue
        likes = int(value == LIKE) - int(current == LIKE)
        dislikes = int(value == DISLIKE) - int(current == DISLIKE)
        table = Comment.__table__
        db.session.execute(
            update(table).where(table.c.id == comment.id).values(
                like_count=table.c.like_count + likes, dislike_count=table.c.dislike_count + dislikes
            )
        )
        db.session.commit()
        return counts(comment.id, reader_id)
    raise RuntimeError("reaction kept changing under us")
