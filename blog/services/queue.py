"""Reading the moderation queues: keyset pages, counts, authors' histories, threads and the audit trail."""
from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from ..extensions import cache, db
from ..models import ActionKind, Ban, Comment, CommentReport, CommentStatus, ModerationAction, User, utcnow
from .articles import paginate
from .comments import Page
from .moderation import undone_by

QUEUES = ("pending", "reported", "rejected", "spam", "approved", "all")
ORDERS = ("risk", "oldest", "newest")
COUNTS_CACHE_KEY = "moderation-queue-counts"
COUNTS_TTL = 30


@dataclass(frozen=True, slots=True)
class QueueQuery:
    """Which queue, in which order, narrowed by which filters (all already validated)."""

    queue: str = "pending"
    order: str = "risk"
    article_id: int | None = None
    rule: str = ""
    author: str = ""
    since: datetime | None = None
    until: datetime | None = None
    search: str = ""


@dataclass(frozen=True, slots=True)
class KeysetPage:
    """One page of a queue and the cursor of the next one (None on the last page)."""

    items: list
    next_cursor: str | None
    cursor: str | None = None


@dataclass(slots=True)
class AuthorHistory:
    """An author's record: how many comments per status, and the last human decisions."""

    counts: dict[str, int] = field(default_factory=dict)
    last: list[ModerationAction] = field(default_factory=list)
    banned: bool = False


def _queue_clause(queue: str):
    if queue == "pending":
        return Comment.status == CommentStatus.PENDING
    if queue == "reported":
        return Comment.flagged.is_(True)
    if queue == "rejected":  # rejected by the screening engine and not decided by a person since
        return and_(Comment.status == CommentStatus.REJECTED, Comment.screen_action == "reject")
    if queue == "spam":
        return Comment.status == CommentStatus.SPAM
    if queue == "approved":
        return Comment.status == CommentStatus.PUBLISHED
    return None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(query: QueueQuery) -> list:
    clauses = []
    base = _queue_clause(query.queue)
    if base is not None:
        clauses.append(base)
    if query.article_id:
        clauses.append(Comment.article_id == query.article_id)
    if query.rule:
        clauses.append(Comment.screen_rules.like(_like(query.rule), escape="\\"))
    if query.author:
        # An e-mail in any case (the index on lower(author_email)); a name as written.
        clauses.append(or_(func.lower(Comment.author_email) == query.author.lower(), Comment.author_name == query.author))
    if query.since:
        clauses.append(Comment.created_at >= query.since)
    if query.until:
        clauses.append(Comment.created_at < query.until)
    if query.search:
        pattern = _like(query.search.lower())
        clauses.append(or_(
            func.lower(Comment.body).like(pattern, escape="\\"),
            func.lower(Comment.author_name).like(pattern, escape="\\"),
            func.lower(Comment.author_email).like(pattern, escape="\\"),
        ))
    return clauses


def _order(query: QueueQuery):
    """The sort key of a queue: (column, descending?) for the keyset, then the id."""
    if query.queue == "pending" and query.order == "risk":
        return Comment.risk, True, False
    if query.queue == "pending" and query.order == "oldest":
        return Comment.created_at, False, False
    return Comment.created_at, True, True


def _encode(value: Any, ident: int) -> str:
    text = value.isoformat() if isinstance(value, datetime) else repr(float(value))
    return f"{text}~{ident}"


def _decode(cursor: str | None, column) -> tuple[Any, int] | None:
    if not cursor or "~" not in cursor:
        return None
    text, _, ident = cursor.rpartition("~")
    if not ident.isdigit() or len(ident) > 18:
        return None
    try:
        value = datetime.fromisoformat(text) if column is Comment.created_at else float(text)
    except ValueError:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value, int(ident)


def queue_page(query: QueueQuery, cursor: str | None, per_page: int) -> KeysetPage:
    """One page of a queue, walked by keyset (no OFFSET): fast at any depth."""
    column, value_desc, id_desc = _order(query)
    stmt = select(Comment).where(*_filters(query))
    after = _decode(cursor, column)
    if after is not None:
        value, ident = after
        beyond_value = column < value if value_desc else column > value
        beyond_id = Comment.id < ident if id_desc else Comment.id > ident
        stmt = stmt.where(or_(beyond_value, and_(column == value, beyond_id)))
    stmt = stmt.order_by(column.desc() if value_desc else column.asc(),
                         Comment.id.desc() if id_desc else Comment.id.asc())
    rows = list(db.session.scalars(stmt.limit(per_page + 1)))
    next_cursor = None
    if len(rows) > per_page:
        rows = rows[:per_page]
        last = rows[-1]
        next_cursor = _encode(getattr(last, column.key), last.id)
    return KeysetPage(items=rows, next_cursor=next_cursor, cursor=cursor if after else None)


def queue_counts() -> dict[str, int]:
    """How many comments each queue holds: recounted at most every COUNTS_TTL seconds, shifted by each change."""
    cached = cache.get(COUNTS_CACHE_KEY)
    if cached is not None:
        return cached["counts"]
    by_status = dict(db.session.execute(select(Comment.status, func.count()).group_by(Comment.status)).all())
    counts = {
        "pending": by_status.get(CommentStatus.PENDING, 0),
        "reported": db.session.scalar(select(func.count()).where(Comment.flagged.is_(True))) or 0,
        "rejected": db.session.scalar(select(func.count()).where(_queue_clause("rejected"))) or 0,
        "spam": by_status.get(CommentStatus.SPAM, 0),
        "approved": by_status.get(CommentStatus.PUBLISHED, 0),
        "all": sum(by_status.values()),
    }
    cache.set(COUNTS_CACHE_KEY, {"counts": counts, "at": time.time()}, timeout=COUNTS_TTL)
    return counts


def queues_of(status: CommentStatus | None, flagged: bool, screen_action: str) -> set[str]:
    """The queues a comment in this state belongs to (none for a comment that does not exist yet)."""
    if status is None:
        return set()
    names = {"all"}
    if flagged:
        names.add("reported")
    names.add({CommentStatus.PENDING: "pending", CommentStatus.SPAM: "spam",
               CommentStatus.PUBLISHED: "approved"}.get(status, ""))
    if status is CommentStatus.REJECTED and screen_action == "reject":
        names.add("rejected")
    return names - {""}


def shift_counts(before: set[str], after: set[str]) -> None:
    """Move one comment between queues in the cached counts, keeping the time of the last full recount."""
    cached = cache.get(COUNTS_CACHE_KEY)
    if cached is None:
        return
    counts = dict(cached["counts"])  # a new value: a cached one is never changed in place (InProcessCache)
    for name in before - after:
        counts[name] = max(0, counts[name] - 1)
    for name in after - before:
        counts[name] += 1
    left = COUNTS_TTL - (time.time() - cached["at"])
    if left > 1:
        cache.set(COUNTS_CACHE_KEY, {"counts": counts, "at": cached["at"]}, timeout=int(left))
    else:
        cache.delete(COUNTS_CACHE_KEY)


def forget_counts() -> None:
    """Drop the cached queue counts: the next page recounts."""
    cache.delete(COUNTS_CACHE_KEY)


@dataclass
class Reports:
    """What readers' reports say of a flagged comment: the rules they named, most named first, and when the
    reports sent it back to the queue (None when a moderator's undo did, with no report row of its own)."""

    rules: list[tuple[str, int]]
    since: datetime | None


def reports_of(comments: list[Comment]) -> dict[int, Reports]:
    """The reports each flagged comment holds, in two queries whatever the page size. A moderator's decision sets
    a comment's count back to zero (later reports count afresh), so a comment's reports are its latest
    `report_count` ones."""
    held = {c.id: c.report_count for c in comments if c.flagged and c.report_count}
    if not held:
        return {}
    named: dict[int, Counter[str]] = {comment_id: Counter() for comment_id in held}
    for comment_id, rule in db.session.execute(
        select(CommentReport.comment_id, CommentReport.rule)
        .where(CommentReport.comment_id.in_(held)).order_by(CommentReport.id.desc())
    ):
        if named[comment_id].total() < held[comment_id]:
            named[comment_id][rule] += 1
    since = dict(db.session.execute(
        select(ModerationAction.comment_id, func.max(ModerationAction.created_at))
        .where(ModerationAction.comment_id.in_(held), ModerationAction.action == ActionKind.REPORT)
        .group_by(ModerationAction.comment_id)
    ).all())
    return {comment_id: Reports(rules.most_common(), since.get(comment_id)) for comment_id, rules in named.items()}


def author_histories(comments: list[Comment], last_n: int = 3) -> dict[str, AuthorHistory]:
    """The record of every author on a page, in four queries whatever the page size, one per e-mail address in any
    letter case (as bans and privacy requests count them), under each spelling the page shows. Decisions since
    undone are not among the last. A comment whose author's data was erased (no e-mail left) has none: those
    authors are not one person."""
    emails = sorted({c.author_email for c in comments if c.author_email})
    if not emails:
        return {}
    people = {email.lower(): AuthorHistory() for email in emails}
    author = func.lower(Comment.author_email)
    for email, status, count in db.session.execute(
        select(author, Comment.status, func.count()).where(author.in_(people)).group_by(author, Comment.status)
    ):
        counts = people[email].counts
        counts[status.value] = counts.get(status.value, 0) + count
    recent = db.session.execute(
        select(author, ModerationAction)
        .join(ModerationAction, ModerationAction.comment_id == Comment.id)
        .where(author.in_(people), ModerationAction.actor_id.is_not(None),
               ModerationAction.action.in_([ActionKind.APPROVE, ActionKind.REJECT, ActionKind.SPAM]))
        .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc())
        .limit(last_n * len(people) * 4)
    ).all()
    undone = _undone({action.comment_id for _, action in recent})
    for email, action in recent:
        if len(people[email].last) < last_n and action.id not in undone:
            people[email].last.append(action)
    for email in db.session.scalars(select(func.lower(Ban.email)).where(
            func.lower(Ban.email).in_(people), Ban.in_force(utcnow()))):
        people[email].banned = True
    return {email: people[email.lower()] for email in emails}


def _undone(comment_ids: set[int]) -> set[int]:
    """The steps on these comments that an undo took back (and no later undo restored)."""
    if not comment_ids:
        return set()
    taken_back: dict[int, int] = {}  # step id -> the undo's id
    for undo in db.session.scalars(
        select(ModerationAction).where(ModerationAction.comment_id.in_(comment_ids),
                                       ModerationAction.action == ActionKind.UNDO)
        .order_by(ModerationAction.created_at, ModerationAction.id)
    ):
        named = undone_by(undo.reason or "")
        if named is None:
            continue
        undone_undo = [step for step, by in taken_back.items() if by == named[1]]
        for step in undone_undo:  # an undo undone: what it took back stands again
            del taken_back[step]
        if not undone_undo:
            taken_back[named[1]] = undo.id
    return set(taken_back)


def article_thread(article_id: int, page: int, per_page: int) -> Page:
    """One page of an article's comments, whatever their status, in the order they arrived."""
    return paginate(select(Comment).where(Comment.article_id == article_id)
                    .order_by(Comment.created_at, Comment.id), page, per_page)


def thread_page_of(comment: Comment, per_page: int) -> int:
    """The page of its article's whole thread (article_thread) that shows this comment."""
    before = db.session.scalar(select(func.count()).select_from(Comment).where(
        Comment.article_id == comment.article_id,
        or_(Comment.created_at < comment.created_at,
            and_(Comment.created_at == comment.created_at, Comment.id < comment.id)),
    )) or 0
    return before // per_page + 1


def comment_history(comment_id: int) -> list[ModerationAction]:
    """Every audit row of one comment, oldest first."""
    return list(db.session.scalars(
        select(ModerationAction).where(ModerationAction.comment_id == comment_id)
        .order_by(ModerationAction.created_at, ModerationAction.id)
    ))


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of the audit view."""

    actor_id: int | None = None
    action: str = ""
    rule: str = ""
    comment_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def audit_page(query: AuditQuery, before_id: int | None, per_page: int) -> KeysetPage:
    """Audit rows, newest first, filtered, walked by id."""
    stmt = select(ModerationAction)
    if query.actor_id:
        stmt = stmt.where(ModerationAction.actor_id == query.actor_id)
    if query.action:
        stmt = stmt.where(ModerationAction.action == ActionKind(query.action))
    if query.rule:
        stmt = stmt.where(ModerationAction.rule.like(_like(query.rule), escape="\\"))
    if query.comment_id:
        stmt = stmt.where(ModerationAction.comment_id == query.comment_id)
    if query.since:
        stmt = stmt.where(ModerationAction.created_at >= query.since)
    if query.until:
        stmt = stmt.where(ModerationAction.created_at < query.until)
    if before_id:
        stmt = stmt.where(ModerationAction.id < before_id)
    rows = list(db.session.scalars(stmt.order_by(ModerationAction.id.desc()).limit(per_page + 1)))
    next_cursor = str(rows[per_page - 1].id) if len(rows) > per_page else None
    return KeysetPage(items=rows[:per_page], next_cursor=next_cursor)


def staff_members() -> list[User]:
    """The staff accounts with a step in the audit trail, for the audit view's actor filter (an editor who never
    decided a comment has nothing to show there; one index probe per account)."""
    acted = select(ModerationAction.id).where(ModerationAction.actor_id == User.id).exists()
    return list(db.session.scalars(select(User).where(acted).order_by(User.display_name)))
