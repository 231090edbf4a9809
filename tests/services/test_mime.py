"""services/delivery/mime.py: an email's bytes written straight from its headers and
bodies are, byte for byte, what the email package's ``EmailMessage`` writes for the same
message (``as_bytes``, "\\n") and what smtplib's ``send_message`` sends ("\\r\\n"), the
random boundary aside — for English, Spanish and German values, values the fast path
writes as they stand, and values it leaves to the email package."""

from __future__ import annotations

import io
import random
import re
import string
from email.generator import BytesGenerator
from email.utils import formatdate

import pytest

from counselor.services.delivery.mime import Outgoing, header_line

SPANISH_TEXT = (
    "Hola, Ana:\n\nUn pequeño recordatorio de tu terapeuta de Riverside Couples Counselling:"
    " tienes 1 paso pendiente esta semana.\n\nEsta semana termina el domingo, 6 de diciembre."
    "\n\n—\nNo quiero recibir estos correos: http://127.0.0.1:5000/u/abcDEF_123-xyz\n"
)
GERMAN_HTML = (
    '<!doctype html>\n<html lang="de">\n<p style="margin:0 0 12px;">Eine kleine Erinnerung von'
    " deiner Beraterin bei Praxis Müller: Du hast diese Woche 2 offene Schritte.</p>\n"
    "<p>Herzliche Grüße,<br>Praxis Müller &amp; Söhne</p>\n"
)


def headers(**values: str) -> list[tuple[str, str]]:
    given = {
        "Subject": "A gentle reminder about this week's steps",
        "From": "Practice 0 <no-reply@localhost>",
        "To": "p1-1@example.org",
        "Reply-To": "office@example.org",
        "Date": formatdate(localtime=False),
        "Message-ID": "<outbox-1.5f319b44b231@127.0.0.1>",
        "List-Unsubscribe": "<http://127.0.0.1:5000/u/YuyR3esvYb2mQJouCTwsnT19EN_DeKQD>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    given.update({name.replace("_", "-"): value for name, value in values.items()})
    return [(name, value) for name, value in given.items() if value]


def by_email_package(message: Outgoing, linesep: str) -> bytes:
    """The same message as EmailMessage and its generator write it, on our boundary."""
    reference = message.as_email_message()
    boundary = re.search(rb'boundary="([^"]+)"', message.as_bytes())
    assert boundary is not None
    reference.set_boundary(boundary.group(1).decode())
    out = io.BytesIO()
    BytesGenerator(out).flatten(reference, linesep=linesep)  # as send_message does
    return out.getvalue()


def assert_as_email_package(message: Outgoing) -> None:
    assert message.as_bytes() == by_email_package(message, "\n")
    assert message.as_bytes("\r\n") == by_email_package(message, "\r\n")
    assert bytes(message.as_email_message()).count(b"\n") == message.as_bytes().count(b"\n")


CASES = {
    "english": (headers(), "Hi P1-1,\n\nShort lines only.\n", "<p>Hi P1-1,</p>"),
    "english, long lines": (
        headers(),
        "A gentle reminder " * 12 + "\n— the end\n",
        "<p>x</p>" * 40,
    ),
    "spanish": (
        headers(
            Subject="Un pequeño recordatorio sobre los pasos de esta semana",
            From="Consultorio Peña <no-reply@localhost>",
        ),
        SPANISH_TEXT,
        "<p>" + SPANISH_TEXT.replace("\n", "<br>\n") + "</p>",
    ),
    "german": (
        headers(
            Subject="Eine kleine Erinnerung an die Schritte dieser Woche",
            From='"Praxis Müller & Söhne, Berlin" <no-reply@localhost>',
        ),
        "Hallo Jonas,\n\nHerzliche Grüße\n",  # short non-ASCII lines: 8bit
        GERMAN_HTML * 8,
    ),
    "mostly non-ascii (base64)": (headers(Subject="ü" * 120), "€" * 300 + "\n", "ñ" * 90),
    "no reply-to, no unsubscribe": (
        headers(Reply_To="", List_Unsubscribe="", List_Unsubscribe_Post=""),
        "text\n",
        "html",
    ),
    "a long unsubscribe link": (
        headers(List_Unsubscribe="<https://homework.example.org/practice/" + "x" * 80 + ">"),
        "text\n",
        "html",
    ),
    "an unusual recipient": (headers(To='"Ana P." <ana.p+x@Example.ORG>'), "t\n", "h"),
    "a recipient with a dot first": (headers(To=".ana@example.org"), "t\n", "h"),
    "a date in another zone": (headers(Date="Fri, 04 Dec 2026 19:21:09 +0100"), "t\n", "h"),
    "a boundary-like line": (headers(), "--===============1==\n", "--===============2=="),
    "empty bodies": (headers(), "", ""),
    "carriage returns": (headers(), "one\r\ntwo\rthree\n\n", "<p>a</p>\r\n<p>b</p>"),
}


@pytest.mark.parametrize("case", CASES)
def test_the_bytes_are_the_email_packages(case):
    given, text, html = CASES[case]

    message = Outgoing.build(given, text, html)

    assert_as_email_package(message)
    assert message.sender == "no-reply@localhost"


def test_the_envelope_is_what_send_message_reads():
    message = Outgoing.build(headers(To='"Ana P." <ana.p+x@example.org>'), "t", "h")
    assert (message.sender, message.recipients) == ("no-reply@localhost", ("ana.p+x@example.org",))
    assert not message.international

    spanish = Outgoing.build(headers(To="peña@example.org"), "t", "h")
    assert spanish.recipients == ("peña@example.org",)
    assert spanish.international  # sent by send_message itself, over SMTPUTF8


def test_the_receiver_reads_every_header_and_both_bodies_as_given():
    given, text, html = CASES["spanish"]

    received = Outgoing.build(given, text, html).as_message()

    assert [(name, str(value)) for name, value in received.items()][: len(given)] == given
    assert received.get_body(("plain",)).get_content() == text
    assert received.get_body(("html",)).get_content() == html + "\n"


def test_a_value_with_a_line_break_is_refused_as_email_message_refuses_it():
    with pytest.raises(ValueError):
        Outgoing.build(headers(Subject="A note from Dana\nBcc: x@example.org"), "t", "h")


def test_values_written_as_they_stand_are_as_the_email_package_folds_them():
    """Random values of the shapes written as they stand, each beside the fold."""
    rng = random.Random(7)
    word = string.ascii_letters + string.digits + "_-"

    def token(size: int) -> str:
        return "".join(rng.choice(word) for _ in range(size))

    for _ in range(100):
        values = {
            "To": f"{token(rng.randint(1, 20))}.{token(3)}+{token(2)}@{token(8)}.example.org",
            "Message-ID": f"<outbox-{rng.randint(1, 10**9)}.{token(12)}@{token(9)}.org>",
            "List-Unsubscribe": f"<https://{token(rng.randint(1, 30))}.org/u/{token(32)}>",
            "Date": formatdate(rng.uniform(0, 4e9), localtime=False),
        }
        for name, value in values.items():
            folded = Outgoing.build(headers(**{name.replace("-", "_"): value}), "t", "h")
            assert header_line(name, value) in folded.as_bytes().decode()
            assert_as_email_package(folded)
