"""People's data: export it, erase it from their comments, purge old addresses; each one recorded."""
from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from .. import signals
from ..extensions import db
from ..models import Article, Ban, Comment, PrivacyKind, PrivacyRequest, utcnow


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
        "bans": [
            {"reason": b.reason, "created_at": b.created_at.isoformat(),
             "until": b.until.isoformat() if b.until else None, "lifted_at": b.lifted_at.isoformat() if b.lifted_at else None}
            for b in bans
        ],
    }
    _record(PrivacyKind.EXPORT, email, len(rows), operator)
    db.session.commit()
    return data


def erase_person(email: str, operator: str = "") -> int:
    """Anonymize the person's comments (kept for the thread, without name, e-mail or address); record it.

    The articles that showed the name are announced as changed, so no cached page keeps showing it.
    """
    shown_on = db.session.scalars(
        select(Article).where(Article.id.in_(select(Comment.article_id).where(_own(email))))
    ).all()
    result = db.session.execute(
        update(Comment).where(_own(email)).values(author_name="", author_email="", address="")
        .execution_options(synchronize_session=False)
    )
    affected = result.rowcount or 0
    _record(PrivacyKind.ERASE, email, affected, operator)
    db.session.commit()
    for article in shown_on:
        signals.article_changed.send(current_app._get_current_object(), article=article, old_slug=None)
    return affected


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
