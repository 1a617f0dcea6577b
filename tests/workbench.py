"""Helpers shared by the workbench tests (test client, live server and browser)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from blog.extensions import db
from blog.models import ActionKind, Comment, CommentStatus, ModerationAction
from blog.services.comments import CommentDraft, submit_comment

INSULT = "أنت حمار وكلب"          # two insult hits (hold) in the shipped lists
CLEAN = "مقال مفيد، شكرا على هذه المعلومات."


def add_comment(app, article_id: int, body: str = CLEAN, email: str = "reader@example.org",
                name: str = "قارئ", address: str = "192.0.2.0/24", created_at: datetime | None = None,
                parent_id: int | None = None, notify: bool = False) -> int:
    """Submit a comment through the real service (screening included); returns its id."""
    with app.app_context():
        comment = submit_comment(CommentDraft(article_id=article_id, author_name=name, author_email=email,
                                              body=body, address=address, parent_id=parent_id,
                                              notify=notify))
        if created_at is not None:
            comment.created_at = created_at
            db.session.commit()
        return comment.id


def comment_row(app, comment_id: int) -> Comment:
    """A detached copy of a comment's row."""
    with app.app_context():
        row = db.session.get(Comment, comment_id)
        db.session.expunge(row)
        return row


def actions(app, comment_id: int) -> list[ModerationAction]:
    """A comment's audit rows, oldest first (detached)."""
    with app.app_context():
        rows = list(db.session.scalars(
            select(ModerationAction).where(ModerationAction.comment_id == comment_id).order_by(ModerationAction.id)
        ))
        db.session.expunge_all()
        return rows


def human_actions(app, comment_id: int) -> list[ModerationAction]:
    """The audit rows that a person made."""
    return [a for a in actions(app, comment_id) if a.actor_id is not None]


def status(app, comment_id: int) -> CommentStatus:
    return comment_row(app, comment_id).status


__all__ = ["INSULT", "CLEAN", "ActionKind", "CommentStatus", "add_comment", "comment_row", "actions",
           "human_actions", "status"]
