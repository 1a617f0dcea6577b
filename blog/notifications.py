"""Signal subscribers: queue counts, thread counters, readers' e-mail and moderators' queue alerts.

Readers who ticked the opt-in box (Comment.notify) hear when their comment is published, when a moderator
rejects it (with the rule), and when someone replies to it; every such message carries a signed one-click
unsubscribe link. Moderators get one alert when the pending queue reaches MODERATOR_ALERT_THRESHOLD.
Messages are composed inside the request (cheap: no network) and sent by blog/mail.py in the background.
Log lines name comment ids, never addresses.
"""
from __future__ import annotations

from urllib.parse import urljoin

from flask import Flask, current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select, update

from . import signals
from .extensions import db
from .mail import Mail, send_later
from .models import ActionKind, Article, Comment, CommentStatus, Role, SiteState, User, UserRole
from .services.comments import refresh_counters
from .services.queue import forget_counts, queues_of, shift_counts
from .signing import serializer

ALERT_KEY = "queue_alert_sent"
RULE_NAMES = {"insult": _l("لا إساءة ولا شتم"), "religion": _l("لا مهاجمة للأديان ولا للمقدسات"),
              "incitement": _l("لا تحريض ولا دعوة إلى الكراهية"), "spam": _l("لا إشهار ولا رسائل مزعجة")}
_UNSUBSCRIBE_SALT = "majlis-unsubscribe"


# --- links and unsubscribing -------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return serializer(current_app.config["SECRET_KEY"], _UNSUBSCRIBE_SALT)


def unsubscribe_token(comment_id: int) -> str:
    """A signed token that stops the notifications of one comment."""
    return _serializer().dumps({"c": comment_id})


def read_unsubscribe_token(token: str) -> int | None:
    """The comment id of a genuine token, or None for anything forged or garbled."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    ident = data.get("c") if isinstance(data, dict) else None
    return ident if isinstance(ident, int) and not isinstance(ident, bool) else None


def notifications_on(comment_id: int) -> bool:
    """True while the author of a comment still gets its e-mails (False once stopped, or for a comment gone)."""
    comment = db.session.get(Comment, comment_id)
    return comment is not None and comment.notify


def unsubscribe(comment_id: int) -> bool:
    """Stop the notifications of a comment; True if they were on."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or not comment.notify:
        return False
    comment.notify = False
    db.session.commit()
    return True


def _absolute(endpoint: str, **values) -> str:
    """A full URL for a message: on SITE_URL when set, else on the host of the current request."""
    base = current_app.config.get("SITE_URL")
    if has_request_context():
        return urljoin(base, url_for(endpoint, **values)) if base else url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=base or "http://localhost/"):
        return url_for(endpoint, _external=True, **values)


# --- readers' messages -------------------------------------------------------------------------------

def _message(to_comment: Comment, subject: str, lines: list[str]) -> Mail:
    """A message to the author of `to_comment`, ending with the link that stops them."""
    unsubscribe_url = _absolute("conversation.unsubscribe", token=unsubscribe_token(to_comment.id))
    body = "\n\n".join([*lines, _("لإيقاف الرسائل عن هذا التعليق: %(url)s", url=unsubscribe_url)])
    return Mail((to_comment.author_email,), subject, body + "\n",
                about=f"notification about comment {to_comment.id}", unsubscribe_url=unsubscribe_url)


def _language(comment: Comment) -> str:
    """The language of the e-mails to a comment's author: the one they wrote in, else the site's."""
    return comment.lang or current_app.config["BABEL_DEFAULT_LOCALE"]


def _link(comment: Comment, language: str) -> str:
    """The comment's permalink, opening the page in `language` when it is not the site's."""
    return _absolute("conversation.permalink", comment_id=comment.id,
                     lang=language if language != current_app.config["BABEL_DEFAULT_LOCALE"] else None)


def compose(comment: Comment) -> list[Mail]:
    """The messages owed now that `comment` is published: to its author, and to the author it answers, each in the
    language its reader wrote in."""
    if comment.status is not CommentStatus.PUBLISHED:
        return []
    article = db.session.get(Article, comment.article_id)
    messages = []
    if comment.notify:
        language = _language(comment)
        with force_locale(language):
            messages.append(_message(
                comment, _("نُشر تعليقك على «%(title)s»", title=article.title),
                [_("مرحبا %(name)s،", name=comment.author_name), _("نُشر تعليقك، ويمكنك قراءته هنا:"),
                 _link(comment, language)],
            ))
    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    if (
        parent is not None and parent.notify and parent.status is CommentStatus.PUBLISHED
        and parent.author_email.lower() != comment.author_email.lower()
    ):
        language = _language(parent)
        with force_locale(language):
            messages.append(_message(
                parent, _("ردّ %(name)s على تعليقك على «%(title)s»", name=comment.author_name, title=article.title),
                [_("مرحبا %(name)s،", name=parent.author_name), comment.body, _link(comment, language)],
            ))
    return messages


def rejection_notice(comment: Comment, rule: str) -> Mail | None:
    """The message telling an opted-in commenter that a moderator rejected their comment, and for which rule (in
    the language they wrote in)."""
    if not comment.notify or comment.status is not CommentStatus.REJECTED:
        return None
    article = db.session.get(Article, comment.article_id)
    with force_locale(_language(comment)):
        return _message(
            comment, _("لم يُنشر تعليقك على «%(title)s»", title=article.title),
            [_("مرحبا %(name)s،", name=comment.author_name),
             _("لم يُنشر تعليقك على «%(title)s» لأنه يخالف شرط النشر: %(rule)s.", title=article.title,
               rule=str(RULE_NAMES[rule]) if rule in RULE_NAMES else rule),
             comment.body],
        )


# --- moderators' queue alert -------------------------------------------------------------------------

def moderator_addresses(app: Flask) -> tuple[str, ...]:
    """Who gets the queue alerts: MODERATOR_ALERT_EMAILS, or every active moderator and admin."""
    if app.config["MODERATOR_ALERT_EMAILS"]:
        return tuple(app.config["MODERATOR_ALERT_EMAILS"])
    return tuple(db.session.scalars(
        select(User.email).where(User.active.is_(True), or_(
            User.role.in_([Role.MODERATOR, Role.ADMIN]),
            User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.MODERATOR)),
        ))
    ))


def _pending_count() -> int:
    return db.session.scalar(select(func.count()).where(Comment.status == CommentStatus.PENDING)) or 0


def check_queue_alert(app: Flask) -> None:
    """E-mail moderators once when the pending queue reaches the threshold; re-arm when it drops below."""
    threshold = app.config["MODERATOR_ALERT_THRESHOLD"]
    if threshold <= 0:
        return
    pending = _pending_count()
    if db.session.get(SiteState, ALERT_KEY) is None:
        db.session.add(SiteState(key=ALERT_KEY, value=0))
        db.session.commit()
    if pending < threshold:
        db.session.execute(update(SiteState).where(SiteState.key == ALERT_KEY).values(value=0))
        db.session.commit()
        return
    claimed = db.session.execute(
        update(SiteState).where(SiteState.key == ALERT_KEY, SiteState.value == 0).values(value=1)
    ).rowcount == 1
    db.session.commit()
    if not claimed:
        return
    with force_locale("ar"):
        link = _absolute("moderator.queue")
        mail = Mail(
            to=moderator_addresses(app),
            subject=_("قائمة الإشراف: %(n)d تعليقا في الانتظار", n=pending),
            body=_("بلغت قائمة الانتظار %(n)d تعليقا (الحد %(t)d).\n%(link)s", n=pending, t=threshold, link=link),
            about="queue alert",
        )
    send_later(app, mail)


# --- subscribers -------------------------------------------------------------------------------------

def _last_rule(comment: Comment) -> str:
    from .services.moderation import last_decision

    last = last_decision(comment)
    return last.rule if last else ""


def connect(app: Flask) -> None:
    """Connect the subscribers to the signals sent by this app's services (called by create_app)."""

    def on_submitted(sender, comment, **_extra):
        shift_counts(set(), queues_of(comment.status, comment.flagged, comment.screen_action))
        send_later(sender, compose(comment))  # published on arrival (post-moderation)
        if comment.status is CommentStatus.PENDING:
            check_queue_alert(sender)

    def on_decided(sender, comment, before, after, action=None, flagged_before=False, **_extra):
        """A moderator's decision, undo or bulk decision: counters, queues, the commenter, the alert."""
        refresh_counters(comment.article_id, comment.root_id)
        shift_counts(queues_of(before, flagged_before, comment.screen_action),
                     queues_of(after, comment.flagged, comment.screen_action))
        if after is CommentStatus.PUBLISHED and before is not CommentStatus.PUBLISHED:
            send_later(sender, compose(comment))
        elif action is ActionKind.REJECT:
            notice = rejection_notice(comment, _last_rule(comment))
            if notice:
                send_later(sender, notice)
        check_queue_alert(sender)

    def on_reported(sender, comment, **_extra):
        """Readers' reports sent a published comment back to the queue (hidden or not)."""
        refresh_counters(comment.article_id, comment.root_id)
        shift_counts(queues_of(CommentStatus.PUBLISHED, False, comment.screen_action),
                     queues_of(comment.status, comment.flagged, comment.screen_action))
        check_queue_alert(sender)

    def on_edited(sender, comment, before, after, **_extra):
        """The author edited their comment: screened again, it may have changed queues (and screen verdict)."""
        forget_counts()
        if after is CommentStatus.PUBLISHED and before is not CommentStatus.PUBLISHED:
            send_later(sender, compose(comment))
        if after is CommentStatus.PENDING:
            check_queue_alert(sender)

    def on_withdrawn(sender, comment, before, **_extra):
        """The author took the comment back: it leaves its queue (and may re-arm the alert)."""
        shift_counts(queues_of(before, comment.flagged, comment.screen_action),
                     queues_of(comment.status, comment.flagged, comment.screen_action))
        if before is CommentStatus.PENDING:
            check_queue_alert(sender)

    signals.comment_submitted.connect(on_submitted, sender=app, weak=False)
    signals.comment_decided.connect(on_decided, sender=app, weak=False)
    signals.comment_reported.connect(on_reported, sender=app, weak=False)
    signals.comment_edited.connect(on_edited, sender=app, weak=False)
    signals.comment_withdrawn.connect(on_withdrawn, sender=app, weak=False)
