"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1, a free port)."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.processes import free_port

LINK_PATTERN = re.compile(r"https?://[^\s\"'<>]+/p/[A-Za-z0-9_-]+")


@dataclass
class ReceivedMail:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    @property
    def homework_link(self) -> str:
        return LINK_PATTERN.search(self.text).group(0)


@dataclass
class RecordingHandler:
    """Keeps every accepted message; ``reply_codes`` scripts answers to DATA, e.g. [451, 451]."""

    messages: list[ReceivedMail] = field(default_factory=list)
    reply_codes: list[int] = field(default_factory=list)
    connections: int = 0
    logins: list[str] = field(default_factory=list)  # users that authenticated
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            code = self.reply_codes.pop(0) if self.reply_codes else 250
        if code != 250:
            return f"{code} scripted refusal"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@contextmanager
def running_smtp_server(
    login: tuple[str, str] | None = None,
) -> Iterator[tuple[RecordingHandler, int]]:
    """The server; with ``login`` (user, password) it offers AUTH over plain SMTP (on
    127.0.0.1 only), accepts only those credentials and notes each login."""
    handler = RecordingHandler()
    port = free_port()
    auth: dict = {}
    if login is not None:

        def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
            given = (
                (auth_data.login.decode(), auth_data.password.decode())
                if isinstance(auth_data, LoginPassword)
                else None
            )
            if given == login:
                with handler.lock:
                    handler.logins.append(login[0])
            return AuthResult(success=given == login)

        auth = {"authenticator": authenticator, "auth_require_tls": False}
    controller = Controller(handler, hostname="127.0.0.1", port=port, **auth)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
