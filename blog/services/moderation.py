"""Moderators' decisions on comments, each recorded in the audit trail."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import signals
from ..extensions import db
from ..models import ActionKind, Article, Comment, CommentStatus, ModerationAction, User, utcnow
from ..moderation.types import Rule
from .comments import Page
from .errors import Conflict, InvalidTransition, NotFound

_TARGET = {
    ActionKind.APPROVE: CommentStatus.PUBLISHED,
    ActionKind.REJECT: CommentStatus.REJECTED,
    ActionKind.SPAM: CommentStatus.SPAM,
}


@dataclass(frozen=True, slots=True)
class Decision:
    """A moderator's decision on one comment, as the view received it."""

    comment_id: int
    action: ActionKind
    seen_version: int | None = None
    rule: Rule | None = None
    note: str = ""


def pending_queue(page: int, per_page: int) -> Page:
    """Pending comments, oldest first."""
    query = select(Comment).where(Comment.status == CommentStatus.PENDING)
    total = db.session.scalar(select(db.func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        query.order_by(Comment.created_at, Comment.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(rows), page=page, pages=pages, total=total)


def last_decision(comment: Comment) -> ModerationAction | None:
    """The latest audit row of a comment."""
    return db.session.scalars(
        select(ModerationAction)
        .where(ModerationAction.comment_id == comment.id)
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(1)
    ).first()


def _conflict(comment_id: int) -> Conflict:
    db.session.rollback()
    comment = db.session.get(Comment, comment_id)
    last = last_decision(comment) if comment else None
    actor = last.actor.display_name if last and last.actor else "—"
    return Conflict(actor, comment.status.value if comment else "")


def decide(decision: Decision, actor: User) -> Comment:
    """Apply a moderator's decision; exactly one of two concurrent decisions wins."""
    comment = db.session.get(Comment, decision.comment_id)
    if comment is None:
        raise NotFound(decision.comment_id)
    if decision.seen_version is not None and comment.version != decision.seen_version:
        raise _conflict(comment.id)
    target = _TARGET[decision.action]
    if comment.status is target:
        raise InvalidTransition(target.value)
    if decision.action is ActionKind.REJECT and decision.rule is None:
        raise InvalidTransition("a rejection needs a rule")
    before = comment.status
    now = utcnow()
    comment.status = target
    comment.decided_at = now
    article = db.session.get(Article, comment.article_id)
    if target is CommentStatus.PUBLISHED:
        article.published_comment_count = Article.published_comment_count + 1
    elif before is CommentStatus.PUBLISHED:
        article.published_comment_count = Article.published_comment_count - 1
    db.session.add(
        ModerationAction(
            comment_id=comment.id,
            actor_id=actor.id,
            action=decision.action,
            rule=decision.rule.value if decision.rule else "",
            reason=decision.note,
            from_status=before.value,
            to_status=target.value,
            text_snapshot=comment.body,
            created_at=now,
        )
    )
    try:
        db.session.commit()
    except StaleDataError:
        raise _conflict(decision.comment_id) from None
    signals.comment_decided.send(
        current_app._get_current_object(), comment=comment, before=before, after=target
    )
    return comment
