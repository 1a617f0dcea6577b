"""Readers' reports of published comments; enough of them send a comment back to the queue."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..extensions import db
from ..models import ActionKind, Comment, CommentReport, CommentStatus, ModerationAction, utcnow
from ..moderation.reasons import reports_reason
from ..moderation.types import Rule
from .comments import audit_reasons
from .errors import NotFound


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """Whether the report counted (one per address), and whether it sent the comment back to the queue."""

    counted: bool
    sent_back: bool
    comment: Comment


def report_comment(comment_id: int, rule: Rule, address: str) -> ReportOutcome:
    """Record a reader's report; at REPORT_THRESHOLD the comment goes back to the queue (hidden or not).

    The comment_reported subscriber recounts the article's and thread's counters.
    """
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.status is not CommentStatus.PUBLISHED:
        raise NotFound(comment_id)
    db.session.add(CommentReport(comment_id=comment_id, rule=rule.value, address=address, created_at=utcnow()))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return ReportOutcome(False, False, db.session.get(Comment, comment_id))
    # A plain UPDATE: counting a report is not a decision, so it leaves the comment's version alone.
    db.session.execute(
        update(Comment).where(Comment.id == comment_id).values(report_count=Comment.report_count + 1)
    )
    config = current_app.config
    hide = config["REPORT_HIDES"]
    values = {"flagged": True, "version": Comment.version + 1}
    if hide:
        values.update(status=CommentStatus.PENDING, decided_at=None)
    crossed = db.session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.flagged.is_(False), Comment.status == CommentStatus.PUBLISHED,
               Comment.report_count >= config["REPORT_THRESHOLD"])
        .values(**values)
    ).rowcount == 1
    if crossed:
        rules = db.session.scalars(select(CommentReport.rule).where(CommentReport.comment_id == comment_id)).all()
        top = max(set(rules), key=rules.count) if rules else rule.value
        after = CommentStatus.PENDING if hide else CommentStatus.PUBLISHED
        why = reports_reason(len(rules), Rule(top), hide)
        db.session.add(ModerationAction(
            comment_id=comment_id, actor_id=None, action=ActionKind.REPORT, rule=top, **audit_reasons([why]),
            from_status=CommentStatus.PUBLISHED.value, to_status=after.value,
            text_snapshot=comment.body, created_at=utcnow(),
        ))
    db.session.commit()
    db.session.refresh(comment)
    if crossed:
        signals.comment_reported.send(current_app._get_current_object(), comment=comment)
    return ReportOutcome(True, crossed, comment)
