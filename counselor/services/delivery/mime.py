"""An email's bytes, written straight from its headers and two bodies: what the email
package's ``EmailMessage`` (the default policy) would send, byte for byte, without
building and parsing its header objects for every message: they cost a worker more than
the rest of sending a reminder did (the reminder fan-out's profile, docs/benchmarks.md).

A message is its headers in order, a plain-text body and an HTML body, sent as
multipart/alternative. Each header is written as the email package folds it: a value
that differs per message (a recipient, a date, a Message-ID, an unsubscribe link) is
written as it stands when it is plain ASCII of the few shapes below and fits on one line,
which is what folding would leave of it; any other value — a practice's name, a subject in
Spanish, anything long or unusual — is folded by the email package itself, once per
process for the values that repeat (RFC 2047 for non-ASCII). Each body's transfer
encoding is chosen by the email package's own rules (``_encode_text`` below).
``as_email_message`` builds the same message with ``EmailMessage``: it is what goes when
an address needs SMTPUTF8, and what the tests hold these bytes to
(tests/services/test_mime.py)."""

from __future__ import annotations

import binascii
import random
import re
import sys
from dataclasses import dataclass, field
from email import message_from_bytes, quoprimime
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import getaddresses
from functools import lru_cache

POLICY = email_policy.default  # what EmailMessage() uses; lines end in "\n"
MAX_LINE: int = POLICY.max_line_length or 78  # 78

# Values written as they stand when the whole line fits in MAX_LINE: shapes that the email
# package's folding leaves unchanged (the tests hold each to it).
_PLAIN = {
    "to": re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"),
    "date": re.compile(
        r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
        r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
        r"[0-2][0-9]:[0-5][0-9]:[0-5][0-9] -0000"
    ),
    "message-id": re.compile(r"<[A-Za-z0-9_.-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*>"),
    "list-unsubscribe": re.compile(r"<https?://[A-Za-z0-9_.:/-]+>"),
}

_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))  # as email.generator makes them


@lru_cache(maxsize=2048)
def _folded(name: str, value: str) -> tuple[str, str]:
    """A header as the email package writes it (its lines ending in "\\n"), and its
    decoded value (what ``message[name]`` reads). Raises as setting it on an
    ``EmailMessage`` would (a line break in the value)."""
    _name, header = POLICY.header_store_parse(name, value)
    return POLICY.fold_binary(name, header).decode("ascii"), str(header)


def header_line(name: str, value: str) -> str:
    """``name: value`` folded as the email package folds it, ending in "\\n"."""
    plain = _PLAIN.get(name.lower())
    if plain is not None and len(name) + 2 + len(value) <= MAX_LINE and plain.fullmatch(value):
        return f"{name}: {value}\n"
    return _folded(name, value)[0]


def _addresses(name: str, value: str) -> tuple[str, ...]:
    """The addresses of an address header, as smtplib's ``send_message`` reads them."""
    if _PLAIN["to"].fullmatch(value):
        return (value,)
    return _parsed_addresses(name, value)


@lru_cache(maxsize=256)
def _parsed_addresses(name: str, value: str) -> tuple[str, ...]:
    return tuple(address for _name, address in getaddresses([_folded(name, value)[1]]))


def _encode_text(text: str) -> tuple[str, bytes]:
    """A body's transfer encoding and payload (lines ending in "\n"): the email
    package's ``contentmanager._encode_text`` for utf-8 under the default policy."""
    lines = text.encode("utf-8").splitlines()
    body = b"\n".join(lines) + b"\n"
    if max((len(line) for line in lines), default=0) <= MAX_LINE:
        return ("7bit" if body.isascii() else "8bit"), body
    sniff = b"\n".join(lines[:10]) + b"\n"
    if len(_quoted_printable(lines[:10])) > len(binascii.b2a_base64(sniff)):
        per_line = MAX_LINE // 4 * 3
        return "base64", b"".join(
            binascii.b2a_base64(body[i : i + per_line]) for i in range(0, len(body), per_line)
        )
    return "quoted-printable", _quoted_printable(lines)


def _quoted_printable(lines: list[bytes]) -> bytes:
    """``quoprimime.body_encode`` of the lines joined by "\n" with a "\n" at the end,
    line by line: it encodes each line on its own (no line holds a "\r" or a "\n"),
    and most lines of an email are the same in every email."""
    return b"\n".join(_quoted_printable_line(line) for line in lines) + b"\n"


@lru_cache(maxsize=4096)
def _quoted_printable_line(line: bytes) -> bytes:
    return quoprimime.body_encode(line.decode("latin-1"), MAX_LINE).encode("ascii")


def _boundary(parts: bytes) -> str:
    """A random boundary made as email.generator makes one; found anywhere in the parts
    (which its rule, a line of its own, would allow), it is made again."""
    while True:
        token = random.randrange(sys.maxsize)  # noqa: S311 - a boundary, not a secret
        boundary = "=" * 15 + f"{token:0{_BOUNDARY_DIGITS}d}" + "=="
        if b"--" + boundary.encode("ascii") not in parts:
            return boundary


@dataclass(frozen=True)
class Outgoing:
    """A message ready to go: its envelope, and its bytes with "\\n" line ends. Made by
    ``Outgoing.build``, which raises where building the ``EmailMessage`` would."""

    headers: tuple[tuple[str, str], ...]  # as set on the message, in order
    text: str
    html: str
    sender: str  # the envelope's: the From header's address, as smtplib reads it
    recipients: tuple[str, ...]  # the To header's addresses
    data: bytes = field(repr=False)

    @classmethod
    def build(cls, headers: list[tuple[str, str]], text: str, html: str) -> Outgoing:
        values = dict(headers)
        head = "".join(header_line(name, value) for name, value in headers)
        text_cte, text_body = _encode_text(text)
        html_cte, html_body = _encode_text(html)
        text_part = (
            f'Content-Type: text/plain; charset="utf-8"\n'
            f"Content-Transfer-Encoding: {text_cte}\n\n".encode("ascii")
            + text_body
        )
        html_part = (
            f'Content-Type: text/html; charset="utf-8"\n'
            f"Content-Transfer-Encoding: {html_cte}\nMIME-Version: 1.0\n\n".encode("ascii")
            + html_body
        )
        boundary = _boundary(text_part + b"\n" + html_part)
        data = b"".join(
            (
                head.encode("ascii"),
                f'MIME-Version: 1.0\nContent-Type: multipart/alternative;\n boundary="{boundary}"'
                f"\n\n--{boundary}\n".encode("ascii"),
                text_part,
                f"\n--{boundary}\n".encode("ascii"),
                html_part,
                f"\n--{boundary}--\n".encode("ascii"),
            )
        )
        sender = _addresses("From", values["From"])[0]
        recipients = _addresses("To", values["To"])
        return cls(tuple(headers), text, html, sender, recipients, data)

    def as_bytes(self, linesep: str = "\n") -> bytes:
        """The message as ``EmailMessage.as_bytes`` writes it ("\\n"), or as smtplib's
        ``send_message`` sends it ("\\r\\n")."""
        return self.data if linesep == "\n" else self.data.replace(b"\n", linesep.encode())

    @property
    def international(self) -> bool:
        """An address needs SMTPUTF8 (smtplib then sends with the utf8 policy)."""
        return not "".join((self.sender, *self.recipients)).isascii()

    def as_message(self) -> EmailMessage:
        """The message as its receiver reads it: these bytes parsed."""
        return message_from_bytes(self.data, policy=POLICY)

    def as_email_message(self) -> EmailMessage:
        """The same message built by the email package."""
        message = EmailMessage()
        for name, value in self.headers:
            message[name] = value
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message
