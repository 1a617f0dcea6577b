"""Readers' comments: submitting one, reading the published thread."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..extensions import db
from ..models import ActionKind, Article, ArticleStatus, Ban, Comment, CommentStatus, ModerationAction, utcnow
from ..moderation.types import Action, Context, Verdict
from .errors import CommentsClosed, NotFound
from .retry import retry_transaction
from .screening import get_screener

_STATUS_FOR_ACTION = {
    Action.PUBLISH: CommentStatus.PUBLISHED,
    Action.HOLD: CommentStatus.PENDING,
    Action.REJECT: CommentStatus.REJECTED,
}


@dataclass(frozen=True, slots=True)
class CommentDraft:
    """What a reader submitted, already validated for shape."""

    article_id: int
    author_name: str
    author_email: str
    body: str
    address: str = ""
    parent_id: int | None = None
    form_token: str = ""  # the random token of the form: a retried POST stores one comment


def form_key(draft: CommentDraft) -> str | None:
    """The idempotency key of a submission: its form token with the article and the text."""
    if not draft.form_token:
        return None
    raw = f"{draft.form_token}\x00{draft.article_id}\x00{draft.body}".encode()
    return hashlib.sha256(raw).hexdigest()


def _already_stored(key: str | None) -> Comment | None:
    return db.session.scalar(select(Comment).where(Comment.form_key == key)) if key else None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list, with what a template needs to link to its neighbours."""

    items: list
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def published_article(slug: str) -> Article:
    """The published article with this slug, or NotFound."""
    article = db.session.scalar(
        select(Article).where(Article.slug == slug, Article.status == ArticleStatus.PUBLISHED)
    )
    if article is None:
        raise NotFound(slug)
    return article


def published_comments(article: Article, page: int, per_page: int) -> Page:
    """One page of the article's published comments, oldest first."""
    total = article.published_comment_count
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = db.session.scalars(
        select(Comment)
        .where(Comment.article_id == article.id, Comment.status == CommentStatus.PUBLISHED)
        .order_by(Comment.created_at, Comment.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(items=list(rows), page=page, pages=pages, total=total)


def own_pending_comments(article: Article, ids: list[int]) -> list[Comment]:
    """The reader's own comments on this article that still await moderation."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.id.in_(ids[-50:]), Comment.article_id == article.id, Comment.status == CommentStatus.PENDING)
            .order_by(Comment.created_at, Comment.id)
        )
    )


def has_own_pending(article_id: int, ids: list[int]) -> bool:
    """True when one of these comments (the reader's own) awaits moderation on this article."""
    return db.session.scalar(
        select(Comment.id).where(
            Comment.id.in_(ids[-50:]), Comment.article_id == article_id, Comment.status == CommentStatus.PENDING
        ).limit(1)
    ) is not None


def screening_context(draft: CommentDraft) -> Context:
    """What the database knows about the circumstances of a new comment."""
    config = current_app.config
    now = utcnow()
    email = draft.author_email.lower()
    approved = db.session.scalar(
        select(func.count()).select_from(Comment).where(
            func.lower(Comment.author_email) == email, Comment.status == CommentStatus.PUBLISHED
        )
    )
    window_start = now - timedelta(minutes=config["MODERATION_FLOOD_WINDOW_MINUTES"])
    same_author = [func.lower(Comment.author_email) == email]
    if draft.address:
        same_author.append(Comment.address == draft.address)
    recent = db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.created_at >= window_start, or_(*same_author))
    )
    duplicate = db.session.scalar(
        select(func.count()).select_from(Comment).where(
            Comment.created_at >= now - timedelta(days=1), Comment.body == draft.body
        )
    )
    return Context(
        author_approved_count=approved or 0,
        recent_duplicate=bool(duplicate),
        recent_count_author=recent or 0,
        banned=is_banned(email, draft.address),
    )


def is_banned(email: str, address: str) -> bool:
    """True when an active ban covers this e-mail or address."""
    now = utcnow()
    who = [func.lower(Ban.email) == email.lower()]
    if address:
        who.append(Ban.address == address)
    return bool(
        db.session.scalar(
            select(func.count()).select_from(Ban).where(
                or_(*who), Ban.lifted_at.is_(None), or_(Ban.until.is_(None), Ban.until > now)
            )
        )
    )


def verdict_details(verdict: Verdict) -> dict:
    """A verdict as JSON-ready data for the queue and the audit trail."""
    return {
        "action": verdict.action.value,
        "score": round(float(verdict.score), 4),
        "hits": [
            {"rule": h.rule.value, "term": h.term, "severity": h.severity.value, "start": h.start, "end": h.end,
             "signal": h.signal}
            for h in verdict.hits
        ],
        "reasons": [{"code": r.code, "ar": r.ar, "fr": r.fr, "en": r.en} for r in verdict.reasons],
    }


@retry_transaction
def submit_comment(draft: CommentDraft) -> Comment:
    """Screen and store a new comment; its first status follows the verdict (a retried form gives the first one)."""
    key = form_key(draft)  # unique: a retried form fails to insert and finds the stored comment
    article = db.session.get(Article, draft.article_id)
    if article is None or article.status is not ArticleStatus.PUBLISHED:
        raise NotFound(draft.article_id)
    if not article.comments_open:
        raise CommentsClosed(article.slug)
    parent_id = None
    if draft.parent_id:
        parent = db.session.get(Comment, draft.parent_id)
        if parent is not None and parent.article_id == article.id and parent.status is CommentStatus.PUBLISHED:
            parent_id = parent.id
    verdict = get_screener().screen(draft.body, screening_context(draft))
    status = _STATUS_FOR_ACTION[verdict.action]
    now = utcnow()
    comment = Comment(
        article_id=article.id,
        parent_id=parent_id,
        author_name=draft.author_name,
        author_email=draft.author_email,
        address=draft.address,
        body=draft.body,
        status=status,
        created_at=now,
        decided_at=now if status is not CommentStatus.PENDING else None,
        screen_action=verdict.action.value,
        screen_rules=",".join(verdict.rules),
        screen_score=float(verdict.score),
        screen_details=verdict_details(verdict),
        form_key=key,
    )
    db.session.add(comment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if (stored := _already_stored(key)) is not None:
            return stored  # the same form, sent twice at once: the other request stored it
        raise
    db.session.add(
        ModerationAction(
            comment_id=comment.id,
            actor_id=None,
            action=ActionKind.SCREEN,
            rule=",".join(verdict.rules),
            reason=" · ".join(r.en for r in verdict.reasons),
            from_status="",
            to_status=status.value,
            text_snapshot=draft.body,
            created_at=now,
        )
    )
    if status is CommentStatus.PUBLISHED:
        article.published_comment_count = Article.published_comment_count + 1
    db.session.commit()
    signals.comment_submitted.send(current_app._get_current_object(), comment=comment)
    return comment
