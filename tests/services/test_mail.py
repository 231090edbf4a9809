"""services/delivery/mail.py: what is particular to email — one message per row to one
recipient, composed at send time, over one SMTP connection per batch, cancelled when no
longer wanted. Claims, leases and retries: tests/services/test_outbox.py."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    CoupleStatus,
    EmailDetail,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
    OutboxStatus,
)
from counselor.services.couples import links
from counselor.services.delivery import mail, outbox
from tests.support import factories
from tests.support.clock import NOW
from tests.support.mailserver import LINK_PATTERN

TITLE = "Share a minor worry"
INSTRUCTIONS = "Tell your partner about one small worry this week."


pytestmark = pytest.mark.usefixtures("clock", "actor")  # actor: the practice in scope


@pytest.fixture
def couple(counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    factories.AssignmentFactory(
        couple=couple, title=TITLE, instructions=INSTRUCTIONS, starts_on=NOW.date()
    )
    return couple


def queued(partner, kind=EmailKind.NEW_STEP, number=1) -> list[int]:
    ids = [mail.queue_email(partner, kind).id for _ in range(number)]
    db.session.commit()
    return ids


def deliver(ids: list[int]) -> outbox.DeliveryReport:
    return outbox.deliver(mail.EMAILS, ids)


def row(email_id: int) -> OutboxEmail:
    db.session.expire_all()
    return db.session.get(OutboxEmail, email_id)


def change(email_id: int, **values: object) -> None:
    db.session.execute(sa.update(OutboxEmail).where(OutboxEmail.id == email_id).values(**values))
    db.session.commit()


def test_queue_email_writes_a_pending_row(partner):
    [email_id] = queued(partner)

    email_row = row(email_id)
    assert (email_row.partner_id, email_row.kind) == (partner.id, EmailKind.NEW_STEP)
    assert (email_row.status, email_row.attempts, email_row.sent_at) == (
        OutboxStatus.PENDING,
        0,
        None,
    )


def test_each_row_is_one_message_to_the_partner_alone(smtp, couple, partner):
    [email_id] = queued(partner)

    report = deliver([email_id])

    assert report.done == [email_id]
    [received] = smtp.messages
    assert received.recipients == [partner.email]
    assert received.message["To"] == partner.email
    assert couple.partners[1].email not in str(received.message)
    assert row(email_id).status == OutboxStatus.SENT
    assert row(email_id).sent_at == NOW


def test_message_has_both_parts_and_one_click_unsubscribe(smtp, partner):
    [email_id] = queued(partner)

    deliver([email_id])

    message = smtp.messages[0].message
    assert message.get_body(("plain",)) is not None
    assert message.get_body(("html",)) is not None
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    match = re.fullmatch(r"<(https?://[^>]+/u/([A-Za-z0-9_-]+))>", message["List-Unsubscribe"])
    assert match, message["List-Unsubscribe"]
    unsubscribe = links.resolve_link(match.group(2), LinkPurpose.UNSUBSCRIBE)
    assert unsubscribe is not None and unsubscribe.partner_id == partner.id


def test_homework_link_in_the_email_opens_the_partners_page(smtp, partner):
    deliver(queued(partner))

    received = smtp.messages[0]
    token = received.homework_link.rsplit("/p/", 1)[1]
    assert received.homework_link in received.html
    assert links.resolve_link(token, LinkPurpose.HOMEWORK).partner_id == partner.id


def test_message_id_is_the_same_when_a_row_is_sent_again(smtp, partner, clock):
    [email_id] = queued(partner)
    deliver([email_id])
    # The worker died after the server accepted but before it recorded "sent".
    change(email_id, status=OutboxStatus.SENDING, claimed_at=clock.now)
    clock.advance(mail.EMAILS.lease() + timedelta(minutes=1))

    deliver([email_id])

    first, second = (m.message["Message-ID"] for m in smtp.messages)
    assert first == second
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", first)


def test_different_rows_get_different_message_ids(smtp, partner):
    deliver(queued(partner, number=2))

    first, second = (m.message["Message-ID"] for m in smtp.messages)
    assert first != second


def test_by_default_the_email_names_practice_partner_and_open_count_but_not_the_task(
    smtp, couple, partner
):
    factories.AssignmentFactory(couple=couple, title="Second step", starts_on=NOW.date())
    deliver(queued(partner))

    received = smtp.messages[0]
    for body in (received.text, received.html):
        assert couple.practice.name in body
        assert partner.first_name in body
        assert "2 steps" in body
        for secret in (TITLE, INSTRUCTIONS, "Second step"):
            assert secret not in body
    assert TITLE not in received.message["Subject"]
    assert received.message["From"].addresses[0].display_name == couple.practice.name


def test_practice_that_chose_titles_gets_the_open_steps_listed(smtp, couple, partner):
    couple.practice.email_detail = EmailDetail.TITLES
    db.session.commit()

    deliver(queued(partner))

    received = smtp.messages[0]
    assert TITLE in received.text
    assert TITLE in received.html
    assert INSTRUCTIONS not in received.text


def test_a_batch_goes_over_one_smtp_connection(smtp, couple):
    ids = queued(couple.partners[0], number=3) + queued(couple.partners[1], number=2)

    report = deliver(ids)

    assert sorted(report.done) == ids
    assert len(smtp.messages) == 5
    assert smtp.connections == 1


def test_temporary_refusal_waits_and_is_sent_on_a_later_attempt(smtp, partner, clock):
    [email_id] = queued(partner)
    smtp.reply_codes = [451]

    report = deliver([email_id])

    assert [retry_id for retry_id, _ in report.retry] == [email_id]
    email_row = row(email_id)
    assert email_row.status == OutboxStatus.PENDING
    assert email_row.attempts == 1
    assert email_row.next_attempt_at > clock.now
    assert "451" in email_row.last_error
    assert smtp.messages == []

    assert deliver([email_id]).done == []  # not yet due
    clock.advance(timedelta(minutes=2))
    assert deliver([email_id]).done == [email_id]
    assert len(smtp.messages) == 1
    email_row = row(email_id)
    assert (email_row.status, email_row.attempts) == (OutboxStatus.SENT, 2)


def test_permanent_refusal_fails_the_row_and_is_never_retried(smtp, partner, clock):
    [email_id] = queued(partner)
    smtp.reply_codes = [550]

    report = deliver([email_id])

    assert report.failed == [email_id]
    email_row = row(email_id)
    assert email_row.status == OutboxStatus.FAILED
    assert "550" in email_row.last_error
    clock.advance(timedelta(days=1))
    assert outbox.due_ids(mail.EMAILS, limit=10) == []
    assert deliver([email_id]).done == []
    assert smtp.messages == []
    assert row(email_id).attempts == 1


def test_a_permanent_refusal_does_not_stop_the_rest_of_the_batch(smtp, couple):
    ids = queued(couple.partners[0]) + queued(couple.partners[1])
    smtp.reply_codes = [550]

    report = deliver(ids)

    assert report.failed == [ids[0]]
    assert report.done == [ids[1]]
    assert [m.recipients for m in smtp.messages] == [[couple.partners[1].email]]


def stop_emails(partner) -> None:
    partner.unsubscribed_at = NOW  # one click on "Stop emails" before a worker got to it


def pause_couple(partner) -> None:
    partner.couple.status = CoupleStatus.PAUSED  # its links stop working: a dead link


@pytest.mark.parametrize(
    ("change_of_mind", "reason"),
    [(stop_emails, "the partner stopped emails"), (pause_couple, "the couple is not active")],
)
def test_an_email_no_longer_wanted_when_its_turn_comes_is_cancelled(
    smtp, partner, clock, change_of_mind, reason
):
    [email_id] = queued(partner, kind=EmailKind.LINK)
    change_of_mind(partner)
    db.session.commit()

    report = deliver([email_id])

    assert report.cancelled == [email_id]
    assert smtp.messages == []
    assert (row(email_id).status, row(email_id).last_error) == (
        OutboxStatus.CANCELLED,
        f"not sent: {reason}",
    )
    clock.advance(timedelta(days=1))
    assert outbox.due_ids(mail.EMAILS, limit=10) == []  # nor later


def test_without_mail_server_the_email_is_written_to_a_file_and_the_link_logged(
    app, partner, caplog
):
    assert not app.config.get("MAIL_SERVER")
    caplog.set_level(logging.INFO, logger="counselor.services.delivery.mail")
    [email_id] = queued(partner)

    report = deliver([email_id])

    assert report.done == [email_id]
    files = list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == partner.email
    link = LINK_PATTERN.search(message.get_body(("plain",)).get_content()).group(0)
    assert link in caplog.text
    assert row(email_id).status == OutboxStatus.SENT


# Emails from the practice: its name, its reply-to address, Message-IDs on our own domain,
# a partner's email in a person's words, and log lines that name no one.


def test_the_sender_is_the_practice_on_the_configured_address(app, smtp, couple, partner):
    app.config["MAIL_DEFAULT_SENDER"] = "Ladder homework <homework@practice.example>"
    couple.practice.name = "Riverside Couples Counselling"
    db.session.commit()

    deliver(queued(partner))

    [sender] = smtp.messages[0].message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Riverside Couples Counselling",
        "homework@practice.example",
    )
    assert smtp.messages[0].envelope_from == "homework@practice.example"


def test_a_practice_name_with_a_line_break_cannot_add_a_header(smtp, couple, partner):
    couple.practice.name = "Riverside\r\nBcc: someone@example.org"
    db.session.commit()

    deliver(queued(partner))

    message = smtp.messages[0].message
    assert message["Bcc"] is None
    assert message["From"].addresses[0].display_name == "Riverside Bcc: someone@example.org"


def test_reply_to_is_the_practices_address_when_it_has_one(smtp, couple):
    first, second = couple.partners
    deliver(queued(first))
    couple.practice.reply_to = "hello@riverside.example"
    db.session.commit()

    deliver(queued(second))

    without, with_reply_to = (m.message for m in smtp.messages)
    assert without["Reply-To"] is None
    assert "reply to this email" not in smtp.messages[0].text
    assert with_reply_to["Reply-To"] == "hello@riverside.example"
    for body in (smtp.messages[1].text, smtp.messages[1].html):
        assert "If anything is unclear, just reply to this email." in body


def test_a_reply_to_address_that_does_not_parse_is_left_out_not_fatal(smtp, couple, partner):
    couple.practice.reply_to = "not an address"
    db.session.commit()

    assert deliver(queued(partner)).done != []
    assert smtp.messages[0].message["Reply-To"] is None


def test_message_ids_are_on_the_domain_of_the_public_address(app, smtp, partner):
    app.config["PUBLIC_BASE_URL"] = "https://homework.riverside.example:8443/app"

    [email_id] = queued(partner)
    deliver([email_id])

    message_id = smtp.messages[0].message["Message-ID"]
    assert re.fullmatch(
        rf"<outbox-{email_id}\.[0-9a-f]{{12}}@homework\.riverside\.example>", message_id
    )


def test_a_partner_email_reads_as_a_note_from_the_practice_naming_no_one_by_default(
    smtp, couple, partner
):
    couple.counselor.name = "Dana Whitfield"
    couple.practice.name = "Riverside Couples Counselling"
    db.session.commit()

    deliver(queued(partner))

    received = smtp.messages[0]
    for body in (received.text, received.html):
        assert f"Hi {partner.first_name}," in body
        assert "Your counselor at Riverside Couples Counselling has added a new step" in body
        assert "Warm wishes" in body
        assert "Dana" not in body
        assert TITLE not in body and INSTRUCTIONS not in body
    assert received.message["Subject"] == "Something new to try this week"


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        (
            EmailKind.NEW_STEP,
            "Dana Whitfield at Riverside Couples Counselling has added a new step",
        ),
        (EmailKind.LINK, "a fresh link to your steps, from Dana Whitfield at Riverside"),
        (EmailKind.REMINDER, "A gentle reminder from Dana Whitfield at Riverside"),
    ],
)
def test_a_practice_that_allows_it_has_its_emails_name_the_counselor(
    smtp, couple, partner, kind, sentence
):
    couple.counselor.name = "Dana Whitfield"
    couple.practice.name = "Riverside Couples Counselling"
    couple.practice.email_names_counselor = True
    db.session.commit()

    deliver(queued(partner, kind=kind))

    received = smtp.messages[0]
    for body in (received.text, received.html):
        assert sentence in body
        assert "Dana Whitfield" in body.split("Warm wishes", 1)[1]  # and signs off
        assert TITLE not in body  # still no step text unless titles are allowed


def test_the_worker_logs_each_email_by_ids_only(app, smtp, couple, partner, caplog):
    caplog.set_level(logging.INFO, logger="counselor.services.delivery")
    [email_id] = queued(partner)

    deliver([email_id])

    assert f"email {email_id} (new_step) for partner {partner.id} (couple {couple.id}) sent" in (
        caplog.text
    )
    for private in (partner.email, partner.first_name, couple.label, TITLE):
        assert private not in caplog.text


# Quiet hours at send time: a retry or a late worker must not email a partner at night.

CHICAGO = ZoneInfo("America/Chicago")
NIGHT = datetime(2026, 5, 13, 23, 0, tzinfo=CHICAGO).astimezone(UTC)
MORNING = datetime(2026, 5, 14, 8, 0, tzinfo=CHICAGO).astimezone(UTC)


def test_a_retry_that_falls_in_quiet_hours_waits_for_the_morning(smtp, partner, clock):
    [email_id] = queued(partner)
    change(email_id, next_attempt_at=clock.now)  # queued for an allowed moment: noon
    smtp.reply_codes = [451]
    deliver([email_id])  # refused for now; the backoff brings it back at night
    clock.set(NIGHT)
    change(email_id, next_attempt_at=NIGHT)

    report = deliver([email_id])

    assert report.later == [email_id] and smtp.messages == []
    waiting = row(email_id)
    assert (waiting.status, waiting.next_attempt_at, waiting.attempts) == (
        OutboxStatus.PENDING,
        MORNING,
        1,  # waiting is not an attempt
    )
    clock.set(MORNING)
    assert deliver([email_id]).done == [email_id]


def test_a_reminder_whose_worker_came_after_quiet_hours_began_is_dropped(smtp, partner, clock):
    [email_id] = queued(partner, kind=EmailKind.REMINDER)
    clock.set(NIGHT)

    report = deliver([email_id])

    assert report.cancelled == [email_id] and smtp.messages == []
    assert row(email_id).last_error == "not sent: quiet hours began before it could be sent"


def test_a_send_now_email_goes_at_night_on_its_first_attempt(smtp, partner, clock):
    clock.set(NIGHT)
    [email_id] = queued(partner, kind=EmailKind.LINK)  # no moment of its own: send now

    assert deliver([email_id]).done == [email_id]
