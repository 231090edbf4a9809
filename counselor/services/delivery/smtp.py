"""Getting a built message out: SMTP (one connection per batch) or .eml files."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from counselor import storage
from counselor.services.delivery.mime import Outgoing

log = logging.getLogger(__name__)


class TemporaryFailure(Exception):
    """Worth trying again later: a 4xx reply, a dropped connection, a timeout."""


class PermanentFailure(Exception):
    """Trying again will not help: a 5xx reply such as an unknown mailbox."""


class Transport(Protocol):
    def send(self, message: Outgoing, name: str) -> None: ...


class SmtpTransport:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.connection: smtplib.SMTP | None = None
        self.connections_opened = 0

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        host, port, timeout = (
            config["MAIL_SERVER"],
            config["MAIL_PORT"],
            config["MAIL_TIMEOUT_SECONDS"],
        )
        if config["MAIL_USE_SSL"]:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
            if config["MAIL_USE_TLS"]:
                connection.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            connection.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        self.connections_opened += 1
        return connection

    def send(self, message: Outgoing, name: str) -> None:
        """MAIL, RCPT and DATA over the open connection, as ``send_message`` sends the
        ``EmailMessage`` (which does so itself when an address needs SMTPUTF8)."""
        try:
            if self.connection is None:
                self.connection = self._connect()
            if message.international:
                self.connection.send_message(message.as_email_message())
            else:
                self.connection.sendmail(
                    message.sender, list(message.recipients), message.as_bytes("\r\n")
                )
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            self._raise_for_code(min(codes, default=550), "recipient refused")
        except smtplib.SMTPResponseException as error:
            self._drop_connection_if_unusable(error.smtp_code)
            self._raise_for_code(error.smtp_code, "server replied")
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise TemporaryFailure(f"{type(error).__name__}: connection failed") from error

    def _raise_for_code(self, code: int, what: str) -> None:
        if 400 <= code < 500:
            raise TemporaryFailure(f"{what} {code}")
        raise PermanentFailure(f"{what} {code}")

    def _drop_connection_if_unusable(self, code: int) -> None:
        if code in (421, 451) or code >= 500:
            self.close()

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self.connection = None


class FileTransport:
    """Writes each message as an .eml file: the fresh-machine default, no server needed."""

    def __init__(self, directory: str) -> None:
        self.directory = Path(directory)
        self.connections_opened = 0

    def send(self, message: Outgoing, name: str) -> None:
        # Private (0600 in a 0700 folder): the message holds a partner's link.
        path = storage.write_private_file(self.directory, f"{name}.eml", message.as_bytes())
        log.info("email %s written to %s", name, path)

    def close(self) -> None:
        pass


@contextmanager
def open_transport(config: dict[str, Any]) -> Iterator[SmtpTransport | FileTransport]:
    """SMTP when MAIL_SERVER is set, else files; the connection lasts for the whole batch."""
    transport: SmtpTransport | FileTransport = (
        SmtpTransport(config)
        if config.get("MAIL_SERVER")
        else FileTransport(config["MAIL_OUTBOX_DIR"])
    )
    try:
        yield transport
    finally:
        transport.close()
