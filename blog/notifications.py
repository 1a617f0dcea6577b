"""Readers' e-mail notifications: their comment is published, someone replied to it.

Subscribers of the comment signals compose the messages inside the request (cheap: no network) and hand
them to a background sender: an RQ queue when REDIS_URL is set and rq is installed, else one daemon thread.
Every message carries a signed one-click unsubscribe link. Log lines name comment ids, never addresses.
"""
from __future__ import annotations

import logging
import queue
import smtplib
import threading
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urljoin

from flask import Flask, current_app, has_request_context, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from . import signals
from .extensions import db
from .models import Article, Comment, CommentStatus

log = logging.getLogger(__name__)

_UNSUBSCRIBE_SALT = "majlis-unsubscribe"


@dataclass(frozen=True, slots=True)
class Message:
    """One e-mail to one reader, ready to send."""

    to: str
    subject: str
    body: str
    unsubscribe_url: str
    comment_id: int


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """How to reach the SMTP server (plain values: the sender runs outside the app)."""

    server: str
    port: int
    sender: str
    use_tls: bool = False
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_config(cls, config) -> SmtpSettings | None:
        if not config.get("MAIL_SERVER"):
            return None
        return cls(
            server=config["MAIL_SERVER"], port=int(config.get("MAIL_PORT", 25)),
            sender=config.get("MAIL_DEFAULT_SENDER", "no-reply@localhost"), use_tls=bool(config.get("MAIL_USE_TLS")),
            username=config.get("MAIL_USERNAME"), password=config.get("MAIL_PASSWORD"),
        )


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


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


def _message(to_comment: Comment, subject: str, lines: list[str], about: Comment) -> Message:
    unsubscribe_url = _absolute("conversation.unsubscribe", token=unsubscribe_token(to_comment.id))
    link = _absolute("conversation.permalink", comment_id=about.id)
    body = "\n\n".join([*lines, link, _("لإيقاف الرسائل عن هذا التعليق: %(url)s", url=unsubscribe_url)])
    return Message(to_comment.author_email, subject, body + "\n", unsubscribe_url, to_comment.id)


def compose(comment: Comment) -> list[Message]:
    """The messages owed now that `comment` is published: to its author, and to the author it answers."""
    if comment.status is not CommentStatus.PUBLISHED:
        return []
    article = db.session.get(Article, comment.article_id)
    messages = []
    if comment.notify:
        messages.append(_message(
            comment, _("نُشر تعليقك على «%(title)s»", title=article.title),
            [_("مرحبا %(name)s،", name=comment.author_name), _("نُشر تعليقك، ويمكنك قراءته هنا:")], comment,
        ))
    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    if (
        parent is not None and parent.notify and parent.status is CommentStatus.PUBLISHED
        and parent.author_email.lower() != comment.author_email.lower()
    ):
        messages.append(_message(
            parent, _("ردّ %(name)s على تعليقك على «%(title)s»", name=comment.author_name, title=article.title),
            [_("مرحبا %(name)s،", name=parent.author_name), comment.body], comment,
        ))
    return messages


def build_email(message: Message, sender: str) -> EmailMessage:
    """The MIME message, with one-click unsubscribe headers (RFC 8058)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body)
    return mail


def send_now(settings: SmtpSettings, message: Message) -> None:
    """Deliver one message over SMTP (in the background sender, never in a request)."""
    with smtplib.SMTP(settings.server, settings.port, timeout=15) as smtp:
        if settings.use_tls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(build_email(message, settings.sender))
    log.info("notification sent about comment %d", message.comment_id)


def send_job(settings: dict, message: dict) -> None:
    """RQ entry point: plain dicts in, one message out."""
    send_now(SmtpSettings(**settings), Message(**message))


class _ThreadSender:
    """One daemon thread that drains a bounded queue of messages."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=10_000)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, settings: SmtpSettings, message: Message) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="majlis-mail", daemon=True)
                self._thread.start()
        try:
            self._queue.put_nowait((settings, message))
        except queue.Full:
            log.warning("mail queue full: notification about comment %d dropped", message.comment_id)

    def _run(self) -> None:
        while True:
            settings, message = self._queue.get()
            try:
                send_now(settings, message)
            except (OSError, smtplib.SMTPException) as error:
                log.warning("notification about comment %d failed: %s", message.comment_id, type(error).__name__)
            finally:
                self._queue.task_done()

    def join(self) -> None:
        """Wait until every queued message was tried (tests and the CLI)."""
        self._queue.join()


sender = _ThreadSender()


def dispatch(messages: list[Message]) -> None:
    """Hand messages to the background sender; returns at once."""
    settings = SmtpSettings.from_config(current_app.config)
    if settings is None or not messages:
        return
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        try:
            from redis import Redis
            from rq import Queue
        except ImportError:
            pass
        else:
            jobs = Queue("mail", connection=Redis.from_url(redis_url))
            for message in messages:
                jobs.enqueue(send_job, asdict(settings), asdict(message))
            return
    for message in messages:
        sender.submit(settings, message)


def on_comment_submitted(app, comment: Comment, **extra) -> None:
    """A comment published on arrival (post-moderation) notifies at once."""
    dispatch(compose(comment))


def on_status_changed(app, comment: Comment, before=None, after=None, **extra) -> None:
    """A moderator's approval or a clean edit publishes a comment that was not published."""
    if after is CommentStatus.PUBLISHED and before is not CommentStatus.PUBLISHED:
        dispatch(compose(comment))


def connect(app: Flask) -> None:
    """Subscribe the notifications to the comment signals (called by create_app)."""
    signals.comment_submitted.connect(on_comment_submitted)
    signals.comment_decided.connect(on_status_changed)
    signals.comment_edited.connect(on_status_changed)
