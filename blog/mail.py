"""E-mail over SMTP, always sent outside the request: an RQ job when REDIS_URL is set and rq is installed,
else one daemon thread draining a bounded queue. Log lines name what a message is about, never an address.

An RQ job holds the message alone, described by what it is about (the worker logs job descriptions); the
worker (`rq worker mail`, with the app's MAIL_* environment) reads the SMTP settings from its own environment,
so no password is written into Redis.
"""
from __future__ import annotations

import logging
import queue
import smtplib
import ssl
import threading
from dataclasses import asdict, dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Mapping

from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mail:
    """One plain-text message to one or more recipients.

    `about` names the message in log lines ("notification about comment 12", "queue alert");
    `unsubscribe_url`, when set, adds the one-click unsubscribe headers (RFC 8058).
    """

    to: tuple[str, ...]
    subject: str
    body: str
    about: str = "mail"
    unsubscribe_url: str = ""


def smtp_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The app's MAIL_* settings as plain values (for the sender thread)."""
    keys = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME", "MAIL_PASSWORD",
            "MAIL_DEFAULT_SENDER", "MAIL_TIMEOUT")
    return {key: config.get(key) for key in keys}


# Lines end in CRLF, and a header is folded only past RFC 5322's limit of 998 characters: folded shorter, a long
# List-Unsubscribe link has no space to fold at and would be written as encoded words, which no mail program reads
# as a link.
_POLICY = policy.SMTP.clone(max_line_length=998)


def build_email(settings: Mapping[str, Any], mail: Mail) -> EmailMessage:
    """The MIME message (with List-Unsubscribe headers when the mail has an unsubscribe link)."""
    sender = settings["MAIL_DEFAULT_SENDER"] or "no-reply@localhost"
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body, charset="utf-8")
    return message


def send_now(settings: Mapping[str, Any], mail: Mail) -> None:
    """Deliver one message through the configured SMTP server (blocking: only in the background sender)."""
    host, port, timeout = settings["MAIL_SERVER"], int(settings["MAIL_PORT"] or 25), settings["MAIL_TIMEOUT"] or 10
    if settings.get("MAIL_USE_SSL"):
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if settings.get("MAIL_USE_TLS") and not settings.get("MAIL_USE_SSL"):
            client.starttls(context=ssl.create_default_context())
        if settings.get("MAIL_USERNAME"):
            client.login(settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"] or "")
        client.send_message(build_email(settings, mail))
    log.info("%s sent", mail.about)


def deliver(settings: Mapping[str, Any], mail: Mail) -> None:
    """Send one message, logging a failure (never the recipients) instead of raising."""
    try:
        send_now(settings, mail)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("%s failed: %s", mail.about, type(error).__name__)


def send_job(mail: dict) -> None:
    """RQ entry point: a plain dict in, one message out through the SMTP server of the worker's environment."""
    from .config import mail_settings

    deliver(mail_settings(), Mail(**{**mail, "to": tuple(mail["to"])}))


class _ThreadSender:
    """One daemon thread that drains a bounded queue of messages."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=10_000)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, settings: Mapping[str, Any], mail: Mail) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="majlis-mail", daemon=True)
                self._thread.start()
        try:
            self._queue.put_nowait((settings, mail))
        except queue.Full:
            log.warning("mail queue full: %s dropped", mail.about)

    def _run(self) -> None:
        while True:
            settings, mail = self._queue.get()
            try:
                deliver(settings, mail)
            finally:
                self._queue.task_done()

    def join(self) -> None:
        """Wait until every queued message was tried (tests and the CLI)."""
        self._queue.join()


sender = _ThreadSender()


def send_later(app: Flask, mails: list[Mail] | Mail) -> None:
    """Hand messages to the background sender and return at once (nothing without MAIL_SERVER)."""
    mails = [mails] if isinstance(mails, Mail) else mails
    mails = [mail for mail in mails if mail.to]
    if not app.config.get("MAIL_SERVER") or not mails:
        return
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        try:
            from redis import Redis
            from rq import Queue
        except ImportError:
            pass
        else:
            jobs = Queue("mail", connection=Redis.from_url(redis_url))
            for mail in mails:
                # Kept in Redis no longer than needed: gone once sent (failed jobs, rare as deliver() logs SMTP
                # errors instead of raising, for a week).
                jobs.enqueue(send_job, asdict(mail), description=mail.about, result_ttl=0,
                             failure_ttl=7 * 24 * 3600)
            return
    settings = smtp_settings(app.config)
    for mail in mails:
        sender.submit(settings, mail)
