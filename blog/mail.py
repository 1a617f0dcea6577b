"""E-mail over SMTP, sent outside the request: an RQ job when REDIS_URL is set and rq is installed, else a thread."""
from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Mapping

from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mail:
    """One plain-text message to one or more recipients."""

    to: tuple[str, ...]
    subject: str
    body: str


def smtp_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """The MAIL_* settings as plain values (picklable, for a thread or a job)."""
    keys = ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_USERNAME", "MAIL_PASSWORD",
            "MAIL_DEFAULT_SENDER", "MAIL_TIMEOUT")
    return {key: config.get(key) for key in keys}


def _message(settings: Mapping[str, Any], mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings["MAIL_DEFAULT_SENDER"]
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=(settings["MAIL_DEFAULT_SENDER"] or "majlis").rpartition("@")[2] or None)
    message.set_content(mail.body, charset="utf-8")
    return message


def send_now(settings: Mapping[str, Any], mail: Mail) -> None:
    """Deliver one message through the configured SMTP server (blocking)."""
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
        client.send_message(_message(settings, mail))


def _deliver(settings: Mapping[str, Any], mail: Mail) -> None:
    try:
        send_now(settings, mail)
    except (OSError, smtplib.SMTPException) as error:  # never the recipients' addresses in the log
        log.warning("mail %r not sent: %s", mail.subject, type(error).__name__)


def send_later(app: Flask, mail: Mail) -> threading.Thread | None:
    """Queue a message for delivery outside the request; returns the thread when one is used."""
    if not app.config.get("MAIL_SERVER") or not mail.to:
        return None
    settings = smtp_settings(app.config)
    if app.config.get("REDIS_URL"):
        try:
            from redis import Redis
            from rq import Queue
        except ImportError:
            pass
        else:
            Queue("mail", connection=Redis.from_url(app.config["REDIS_URL"])).enqueue(_deliver, settings, mail)
            return None
    thread = threading.Thread(target=_deliver, args=(settings, mail), name="majlis-mail", daemon=True)
    thread.start()
    return thread
