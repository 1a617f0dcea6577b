"""People's data: export it, erase it from their comments, purge old addresses; each one recorded."""
from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import func, or_, select, update

from .. import signals
from ..extensions import db
from ..models import Article, Ban, Comment, ModerationAction, PrivacyKind, PrivacyRequest, utcnow


def subject_hash(email: str) -> str:
    """A keyed hash of an e-mail: the audit row can be matched to later requests without holding the address."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, email.strip().lower().encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _own(email: str):
    return func.lower(Comment.author_email) == email.strip().lower()


def _record(kind: PrivacyKind, email: str, affected: int, operator: str, **details) -> PrivacyRequest:
    row = PrivacyRequest(
        kind=kind, subject_hash=subject_hash(email) if email else "", affected=affected, operator=operator[:80],
        details=details, created_at=utcnow(),
    )
    db.session.add(row)
    return row


def export_person(email: str, operator: str = "") -> dict:
    """Everything the site holds about the person with this e-mail, as JSON-ready data (and record it)."""
    rows = db.session.execute(
        select(Comment, Article.slug, Article.title).join(Article, Comment.article_id == Article.id)
        .where(_own(email)).order_by(Comment.created_at, Comment.id)
    ).all()
    bans = db.session.scalars(select(Ban).where(func.lower(Ban.email) == email.strip().lower())).all()
    data = {
        "email": email.strip(),
        "exported_at": utcnow().isoformat(),
        "comments": [
            {
                "id": c.id, "article": slug, "article_title": title, "name": c.author_name, "email": c.author_email,
                "body": c.body, "status": c.status.value, "created_at": c.created_at.isoformat(),
                "address": c.address, "reply_to": c.parent_id,
            }
            for c, slug, title in rows
        ],
        "moderation": [
            {"comment": step.comment_id, "action": step.action.value, "at": step.created_at.isoformat(),
             "note": step.reason, "to_status": step.to_status}
            for step in db.session.scalars(
                select(ModerationAction).where(ModerationAction.comment_id.in_([c.id for c, _, _ in rows]))
                .order_by(ModerationAction.created_at, ModerationAction.id))
        ],
        "bans": [
            {"reason": b.reason, "created_at": b.created_at.isoformat(),
             "until": b.until.isoformat() if b.until else None, "lifted_at": b.lifted_at.isoformat() if b.lifted_at else None}
            for b in bans
        ],
    }
    _record(PrivacyKind.EXPORT, email, len(rows), operator)
    db.session.commit()
    return data


class Erasure(NamedTuple):
    """What an erasure changed: comments anonymized, audit steps and ban reasons cleaned, bans still in force."""

    comments: int
    audit_steps: int
    ban_reasons: int
    bans_in_force: int


# What stands in the place of a name or an e-mail address taken out of a text.
ERASED = "[…]"
# The texts of an audit step that may name a person: the moderator's note, the text before and after an edit.
_AUDIT_TEXTS = ("reason", "text_snapshot", "after_text")


def _scrubbed(text: str | None, words: list[re.Pattern]) -> str | None:
    for word in words:
        text = word.sub(ERASED, text) if text else text
    return text


def _scrub_records(email: str, names: set[str]) -> dict[str, int]:
    """Take the person's e-mail address and names out of what the staff wrote or kept about their comments: the
    moderators' notes and the texts the audit trail keeps (a text as it was before an edit may hold a name a
    moderator took out), their bans' reasons, and the e-mail address out of their comments' own texts.

    A name is taken out whole, and each of its words of four letters or more on its own ("Karim" of "Karim
    (Rabat)!", as a moderator may write it); always as whole words ("Lina" is not taken out of "Carolina"). Names of
    fewer than three letters are left. Counts of the rows changed."""
    address = re.compile(re.escape(email.strip()), re.IGNORECASE)
    parts = {name for name in names if len(name) >= 3}
    parts |= {word for name in names for word in re.findall(r"\w+", name) if len(word) >= 4}
    words = [address, *(re.compile(rf"(?<!\w){re.escape(part)}(?!\w)", re.IGNORECASE)
                        for part in sorted(parts, key=len, reverse=True))]
    changed = {"audit_steps": 0, "bans": 0}
    own = select(Comment.id).where(_own(email))
    steps = db.session.scalars(select(ModerationAction).where(or_(
        ModerationAction.comment_id.in_(own),  # their comments' steps, and any note naming their address
        func.lower(ModerationAction.reason).contains(email.strip().lower(), autoescape=True),
    ))).all()
    for step in steps:
        scrubbed = [_scrubbed(getattr(step, field), words) for field in _AUDIT_TEXTS]
        if scrubbed != [getattr(step, field) for field in _AUDIT_TEXTS]:
            for field, value in zip(_AUDIT_TEXTS, scrubbed):
                setattr(step, field, value)
            changed["audit_steps"] += 1
    for ban in db.session.scalars(select(Ban).where(func.lower(Ban.email) == email.strip().lower())):
        reason = _scrubbed(ban.reason, words)  # (the ban keeps the address it refuses, in its own column)
        if reason != ban.reason:
            ban.reason = reason
            changed["bans"] += 1
    for comment in db.session.scalars(select(Comment).where(_own(email))):
        if address.search(comment.body):
            comment.body = address.sub(ERASED, comment.body)
            comment.version += 1  # a text changed: its kept renders are stale
    return changed


def erase_person(email: str, operator: str = "") -> Erasure:
    """Anonymize the person's comments (kept for the thread, without name, e-mail or address), take their address
    and names out of the audit trail's notes and texts and out of their bans' reasons (the bans still hold, by the
    address); record it.

    The articles that showed the name are announced as changed, so no cached page keeps showing it.
    """
    shown_on = db.session.scalars(
        select(Article).where(Article.id.in_(select(Comment.article_id).where(_own(email))))
    ).all()
    names = set(db.session.scalars(select(Comment.author_name).where(_own(email)).distinct())) - {""}
    scrubbed = _scrub_records(email, names)
    db.session.flush()
    result = db.session.execute(
        update(Comment).where(_own(email)).values(author_name="", author_email="", address="")
        .execution_options(synchronize_session=False)
    )
    affected = result.rowcount or 0
    _record(PrivacyKind.ERASE, email, affected, operator, **scrubbed)
    bans_kept = db.session.scalar(select(func.count()).select_from(Ban).where(
        func.lower(Ban.email) == email.strip().lower(), Ban.in_force(utcnow()))) or 0
    db.session.commit()
    for article in shown_on:
        signals.article_changed.send(current_app._get_current_object(), article=article, old_slug=None)
    return Erasure(affected, scrubbed["audit_steps"], scrubbed["bans"], bans_kept)


def purge_addresses(days: int | None = None, operator: str = "") -> int:
    """Blank the (already shortened) address of comments older than the retention period; record it."""
    days = current_app.config["ADDRESS_RETENTION_DAYS"] if days is None else days
    cutoff = utcnow() - timedelta(days=days)
    result = db.session.execute(
        update(Comment).where(Comment.created_at < cutoff, Comment.address != "").values(address="")
        .execution_options(synchronize_session=False)
    )
    affected = result.rowcount or 0
    _record(PrivacyKind.PURGE_ADDRESSES, "", affected, operator, retention_days=days)
    db.session.commit()
    return affected
