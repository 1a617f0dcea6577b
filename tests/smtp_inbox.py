"""A real SMTP server for the mail tests (aiosmtpd on 127.0.0.1) that keeps every message it receives."""
from __future__ import annotations

import email
import socket
import threading
import time
from contextlib import contextmanager
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler: `messages` (parsed) and `envelopes` (with their recipients), in arrival order."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self.arrived:
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
            self.arrived.notify_all()
        return "250 OK"

    def wait(self, count: int, timeout: float = 10) -> list:
        """The messages received, once there are `count` of them (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
            return list(self.messages)

    def wait_for(self, count: int, timeout: float = 10) -> list[tuple[list[str], email.message.EmailMessage]]:
        """Like wait(), as (recipients, message) pairs."""
        messages = self.wait(count, timeout)
        with self.arrived:
            return [(list(envelope.rcpt_tos), message) for envelope, message in zip(self.envelopes, messages)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(app, **config):
    """Run an Inbox on a free port and point the app's MAIL_* settings (and `config`) at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_DEFAULT_SENDER="majlis@example.org",
                      **config)
    try:
        yield inbox
    finally:
        controller.stop()
