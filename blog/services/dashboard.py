"""The moderation dashboard's numbers for the last days (computed from comments and audit rows)."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import or_, select

from ..extensions import db
from ..models import ActionKind, Comment, ModerationAction, utcnow

HUMAN_DECISIONS = (ActionKind.APPROVE, ActionKind.REJECT, ActionKind.SPAM)
RULES = ("insult", "religion", "incitement", "spam")


@dataclass(slots=True)
class Day:
    """One day of the dashboard."""

    day: date
    queue_size: int = 0                      # comments waiting at the end of the day
    decision_hours: list[float] = field(default_factory=list)
    per_rule: dict[str, int] = field(default_factory=dict)   # human rejections per rule (+ "approve")
    automatic: int = 0
    overturned: int = 0

    @property
    def median_hours(self) -> float | None:
        return statistics.median(self.decision_hours) if self.decision_hours else None

    @property
    def overturned_share(self) -> float | None:
        return self.overturned / self.automatic if self.automatic else None


@dataclass(slots=True)
class Stats:
    """The last days, and the totals over them."""

    days: list[Day]
    median_hours: float | None
    p90_hours: float | None
    decisions: int
    automatic: int
    overturned: int

    @property
    def overturned_share(self) -> float | None:
        return self.overturned / self.automatic if self.automatic else None


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def _day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.utc)


def last_days(n: int = 30) -> Stats:
    """Queue size per day, time to first human decision, decisions per rule, automatic decisions overturned."""
    today = utcnow().date()
    days = [Day(today - timedelta(days=n - 1 - i)) for i in range(n)]
    by_day = {d.day: d for d in days}
    start = datetime.combine(days[0].day, time.min, tzinfo=timezone.utc)

    # Queue size: comments the screening held, still waiting at each day's end.
    held = db.session.execute(
        select(Comment.created_at, Comment.decided_at).where(
            Comment.screen_action == "hold", or_(Comment.decided_at.is_(None), Comment.decided_at >= start)
        )
    ).all()
    for d in days:
        end = _day_end(d.day)
        d.queue_size = sum(1 for created, decided in held if created < end and (decided is None or decided >= end))

    # Human decisions in the window: per rule per day, and the time from arrival to the first one.
    rows = db.session.execute(
        select(ModerationAction.comment_id, ModerationAction.action, ModerationAction.rule,
               ModerationAction.to_status, ModerationAction.created_at, Comment.created_at, Comment.screen_action)
        .join(Comment, Comment.id == ModerationAction.comment_id)
        .where(ModerationAction.actor_id.is_not(None), ModerationAction.action.in_(HUMAN_DECISIONS),
               ModerationAction.created_at >= start)
        .order_by(ModerationAction.created_at, ModerationAction.id)
    ).all()
    first_seen: set[int] = set()
    all_hours: list[float] = []
    overturned_ids: set[int] = set()
    for comment_id, action, rule, to_status, decided, created, screen_action in rows:
        day = by_day.get(decided.date())
        if day is None:
            continue
        key = "approve" if action is ActionKind.APPROVE else (rule or action.value)
        day.per_rule[key] = day.per_rule.get(key, 0) + 1
        if comment_id not in first_seen:
            first_seen.add(comment_id)
            hours = max(0.0, (decided - created).total_seconds() / 3600)
            day.decision_hours.append(hours)
            all_hours.append(hours)
        automatic_status = {"publish": "published", "reject": "rejected"}.get(screen_action)
        if automatic_status and to_status != automatic_status:
            overturned_ids.add(comment_id)

    # Automatic decisions (published or rejected on arrival) in the window, and how many a person overturned.
    automatic = db.session.execute(
        select(Comment.id, Comment.created_at).where(
            Comment.screen_action.in_(("publish", "reject")), Comment.created_at >= start
        )
    ).all()
    for comment_id, created in automatic:
        day = by_day.get(created.date())
        if day is None:
            continue
        day.automatic += 1
        if comment_id in overturned_ids:
            day.overturned += 1
    return Stats(
        days=days, median_hours=statistics.median(all_hours) if all_hours else None, p90_hours=_p90(all_hours),
        decisions=sum(sum(d.per_rule.values()) for d in days),
        automatic=sum(d.automatic for d in days), overturned=sum(d.overturned for d in days),
    )
