"""Signal subscribers: queue counts, the commenter's notification and moderators' queue alerts."""
from __future__ import annotations

from flask import Flask, current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from . import signals
from .extensions import db
from .mail import Mail, send_later
from .models import ActionKind, Comment, CommentStatus, Role, SiteState, User
from .services.queue import queues_of, shift_counts

ALERT_KEY = "queue_alert_sent"
RULE_NAMES = {"insult": "لا إساءة ولا شتم", "religion": "لا مهاجمة للأديان ولا للمقدسات",
              "incitement": "لا تحريض ولا دعوة إلى الكراهية", "spam": "لا إشهار ولا رسائل مزعجة"}


def _link(endpoint: str, **values) -> str:
    """An absolute link: from the request, else from SITE_URL, else none (a CLI run without SITE_URL)."""
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        base = current_app.config.get("SITE_URL")
        if not base:
            return ""
        with current_app.test_request_context("/", base_url=base):
            return url_for(endpoint, _external=True, **values)


def commenter_notification(comment: Comment, action: ActionKind, rule: str = "") -> Mail | None:
    """The message telling a commenter that their comment was published, or rejected for a rule."""
    with force_locale("ar"):
        link = _link("public.article", slug=comment.article.slug, _anchor=f"comment-{comment.id}")
        if action is ActionKind.APPROVE:
            subject = _("نُشر تعليقك على: %(title)s", title=comment.article.title)
            body = _("مرحبا %(name)s،\n\nنُشر تعليقك على «%(title)s».\n%(link)s",
                     name=comment.author_name, title=comment.article.title, link=link)
        elif action is ActionKind.REJECT:
            subject = _("لم يُنشر تعليقك على: %(title)s", title=comment.article.title)
            body = _("مرحبا %(name)s،\n\nلم يُنشر تعليقك على «%(title)s» لأنه يخالف شرط النشر: %(rule)s.\n\n%(text)s",
                     name=comment.author_name, title=comment.article.title,
                     rule=_(RULE_NAMES[rule]) if rule in RULE_NAMES else rule, text=comment.body)
        else:
            return None
    return Mail(to=(comment.author_email,), subject=subject, body=body)


def notify_commenter(app: Flask, comment: Comment, action: ActionKind, rule: str = ""):
    """Send the commenter's notification outside the request (returns the sending thread, if any)."""
    mail = commenter_notification(comment, action, rule)
    return send_later(app, mail) if mail else None


def moderator_addresses(app: Flask) -> tuple[str, ...]:
    """Who gets the queue alerts: MODERATOR_ALERT_EMAILS, or every active moderator and admin."""
    if app.config["MODERATOR_ALERT_EMAILS"]:
        return tuple(app.config["MODERATOR_ALERT_EMAILS"])
    return tuple(db.session.scalars(
        select(User.email).where(User.active.is_(True), User.role.in_([Role.MODERATOR, Role.ADMIN]))
    ))


def _pending_count() -> int:
    return db.session.scalar(select(func.count()).where(Comment.status == CommentStatus.PENDING)) or 0


def check_queue_alert(app: Flask):
    """E-mail moderators once when the pending queue reaches the threshold; re-arm when it drops below."""
    threshold = app.config["MODERATOR_ALERT_THRESHOLD"]
    if threshold <= 0:
        return None
    pending = _pending_count()
    if db.session.get(SiteState, ALERT_KEY) is None:
        db.session.add(SiteState(key=ALERT_KEY, value=0))
        db.session.commit()
    if pending < threshold:
        db.session.execute(update(SiteState).where(SiteState.key == ALERT_KEY).values(value=0))
        db.session.commit()
        return None
    claimed = db.session.execute(
        update(SiteState).where(SiteState.key == ALERT_KEY, SiteState.value == 0).values(value=1)
    ).rowcount == 1
    db.session.commit()
    if not claimed:
        return None
    with force_locale("ar"):
        link = _link("moderator.queue")
        mail = Mail(
            to=moderator_addresses(app),
            subject=_("قائمة الإشراف: %(n)d تعليقا في الانتظار", n=pending),
            body=_("بلغت قائمة الانتظار %(n)d تعليقا (الحد %(t)d).\n%(link)s", n=pending, t=threshold, link=link),
        )
    return send_later(app, mail)


def connect(app: Flask) -> None:
    """Connect the subscribers to the signals sent by this app's services."""

    def on_decided(sender, comment, before, after, action=None, flagged_before=False, **_extra):
        shift_counts(queues_of(before, flagged_before, comment.screen_action),
                     queues_of(after, comment.flagged, comment.screen_action))
        if (action in (ActionKind.APPROVE, ActionKind.REJECT) and sender.config["NOTIFY_COMMENTERS"]
                and getattr(comment, "notify_author", False)):
            notify_commenter(sender, comment, action, "" if action is ActionKind.APPROVE else _last_rule(comment))
        check_queue_alert(sender)

    def on_submitted(sender, comment, **_extra):
        shift_counts(set(), queues_of(comment.status, comment.flagged, comment.screen_action))
        if comment.status is CommentStatus.PENDING:
            check_queue_alert(sender)

    def on_reported(sender, comment, **_extra):
        shift_counts(queues_of(CommentStatus.PUBLISHED, False, comment.screen_action),
                     queues_of(comment.status, comment.flagged, comment.screen_action))
        check_queue_alert(sender)

    signals.comment_decided.connect(on_decided, sender=app, weak=False)
    signals.comment_submitted.connect(on_submitted, sender=app, weak=False)
    signals.comment_reported.connect(on_reported, sender=app, weak=False)


def _last_rule(comment: Comment) -> str:
    from .services.moderation import last_decision

    last = last_decision(comment)
    return last.rule if last else ""
