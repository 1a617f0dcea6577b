"""Moderators' decisions on comments, each recorded in the audit trail."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from .. import signals
from ..extensions import db
from ..models import ActionKind, Comment, CommentStatus, ModerationAction, User, utcnow
from ..moderation.types import Rule
from .errors import Conflict, InvalidTransition, NotFound

_TARGET = {
    ActionKind.APPROVE: CommentStatus.PUBLISHED,
    ActionKind.REJECT: CommentStatus.REJECTED,
    ActionKind.SPAM: CommentStatus.SPAM,
}
# The rows that changed a comment's status and can therefore be undone.
UNDOABLE = (ActionKind.APPROVE, ActionKind.REJECT, ActionKind.SPAM, ActionKind.KEEP, ActionKind.REPORT,
            ActionKind.UNDO)
BULK_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Decision:
    """A moderator's decision on one comment, as the view received it."""

    comment_id: int
    action: ActionKind
    seen_version: int | None = None
    rule: Rule | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk decision did: the comments decided (their ids, and each comment as it now stands), and those
    skipped with why."""

    decided: list[int]
    skipped: list[tuple[int, str]]
    comments: list[Comment]


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
    return Conflict(actor, comment.status.value if comment else "", last.actor_id if last else None)


def _load(comment_id: int, seen_version: int | None) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(comment_id)
    if seen_version is not None and comment.version != seen_version:
        raise _conflict(comment.id)
    return comment


def _refuse_withdrawn(comment: Comment) -> None:
    """Its author took the comment back: no moderator decision (or undo) brings it back."""
    if comment.status is CommentStatus.WITHDRAWN:
        raise InvalidTransition(CommentStatus.WITHDRAWN.value)


def _move(comment: Comment, target: CommentStatus) -> CommentStatus:
    """Set the comment's status; returns the old one.

    The article's and thread's counters are recounted by the comment_decided subscriber (blog/notifications.py).
    """
    before = comment.status
    comment.status = target
    return before


def _commit(comment_id: int) -> None:
    try:
        db.session.commit()
    except StaleDataError:
        raise _conflict(comment_id) from None


def _audit(comment: Comment, actor: User | None, action: ActionKind, before: str, after: str,
           rule: str = "", note: str = "", snapshot: str | None = None, after_text: str | None = None,
           when=None) -> ModerationAction:
    row = ModerationAction(
        comment_id=comment.id, actor_id=actor.id if actor else None, action=action, rule=rule, reason=note,
        from_status=before, to_status=after, text_snapshot=comment.body if snapshot is None else snapshot,
        after_text=after_text, created_at=when or utcnow(),
    )
    db.session.add(row)
    return row


def _decided(comment: Comment, before: CommentStatus, action: ActionKind, flagged_before: bool) -> None:
    signals.comment_decided.send(
        current_app._get_current_object(), comment=comment, before=before, after=comment.status, action=action,
        flagged_before=flagged_before,
    )


def decide(decision: Decision, actor: User) -> Comment:
    """Apply a moderator's decision; exactly one of two concurrent decisions wins."""
    comment = _load(decision.comment_id, decision.seen_version)
    _refuse_withdrawn(comment)
    target = _TARGET[decision.action]
    action = decision.action
    if decision.action is ActionKind.REJECT and decision.rule is None:
        raise InvalidTransition("a rejection needs a rule")
    if comment.status is target:
        if not (comment.flagged and action is ActionKind.APPROVE):
            last = last_decision(comment)
            if last is not None and last.actor_id == actor.id and last.to_status == target.value:
                raise Conflict(actor.display_name, target.value, actor.id)  # a second click: their decision stands
            raise InvalidTransition(target.value)
        action = ActionKind.KEEP  # a reported comment that stays published
    now = utcnow()
    flagged_before = comment.flagged
    before = _move(comment, target)
    comment.decided_at = now
    if comment.flagged:  # a moderator has looked: later reports count afresh
        comment.flagged = False
        comment.report_count = 0
    _audit(comment, actor, action, before.value, target.value,
           rule=decision.rule.value if decision.rule else "", note=decision.note, when=now)
    _commit(decision.comment_id)
    _decided(comment, before, action, flagged_before)
    return comment


def undo_last(comment_id: int, seen_version: int | None, actor: User) -> Comment:
    """Put a comment back where it was before its last decision (an undo is itself undoable)."""
    comment = _load(comment_id, seen_version)
    _refuse_withdrawn(comment)
    last = db.session.scalars(
        select(ModerationAction)
        .where(ModerationAction.comment_id == comment.id, ModerationAction.action.in_(UNDOABLE))
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(1)
    ).first()
    if last is None or not last.from_status:
        raise InvalidTransition("nothing to undo")
    target = CommentStatus(last.from_status)
    now = utcnow()
    flagged_before = comment.flagged
    before = _move(comment, target)
    comment.decided_at = None if target is CommentStatus.PENDING else now
    # Undoing a "keep" or a report puts the reported flag back the way it was.
    if last.action is ActionKind.KEEP:
        comment.flagged = True
    elif last.action is ActionKind.REPORT:
        comment.flagged = False
    _audit(comment, actor, ActionKind.UNDO, before.value, target.value, note=f"{last.action.value} #{last.id}",
           when=now)  # the note names the row undone (undone_by reads it back)
    _commit(comment_id)
    _decided(comment, before, ActionKind.UNDO, flagged_before)
    return comment


def undone_by(note: str) -> tuple[str, int] | None:
    """The action and row an undo's note names ("approve #83", as undo_last writes it), or None for any other."""
    action, sep, row = note.partition(" #")
    return (action, int(row)) if sep and action and row.isdigit() else None


def edit_comment(comment_id: int, seen_version: int | None, new_text: str, note: str, actor: User) -> Comment:
    """Change a comment's text; the audit row keeps the original and the new text."""
    comment = _load(comment_id, seen_version)
    if new_text == comment.body:
        raise InvalidTransition("unchanged")
    original = comment.body
    comment.body = new_text
    # The stored hit spans point into the original text: the queue stops highlighting them.
    comment.screen_details = {**(comment.screen_details or {}), "edited": True}
    status = comment.status.value
    _audit(comment, actor, ActionKind.EDIT, status, status, note=note, snapshot=original, after_text=new_text)
    _commit(comment_id)
    return comment


def decide_many(decisions: list[Decision], actor: User) -> BulkResult:
    """Apply several decisions one by one; a conflict or a no-op skips that comment only."""
    comments: list[Comment] = []
    skipped: list[tuple[int, str]] = []
    for decision in decisions[:BULK_LIMIT]:
        try:
            comments.append(decide(decision, actor))
        except Conflict as conflict:
            skipped.append((decision.comment_id, f"{conflict.actor_name}: {conflict.status}"))
        except (InvalidTransition, NotFound) as error:
            db.session.rollback()
            skipped.append((decision.comment_id, str(error)))
    return BulkResult([comment.id for comment in comments], skipped, comments)


def pending_from_author(email: str) -> list[tuple[int, int]]:
    """(id, version) of every pending comment by this e-mail, for "everything from this author"."""
    rows = db.session.execute(
        select(Comment.id, Comment.version)
        .where(func.lower(Comment.author_email) == email.lower(), Comment.status == CommentStatus.PENDING)
        .order_by(Comment.id)
        .limit(BULK_LIMIT)
    ).all()
    return [(row.id, row.version) for row in rows]
