"""A session's agenda and notes are the counselor's own words about a couple: no email
carries them, whatever its kind, to a partner or to a counselor. Every kind of email is
composed, as a worker would send it, for a practice whose couple has both, and none holds
either (services/delivery/email_content.py composes them; none reads a session's text)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counselor.extensions import db
from counselor.models import (
    EmailDetail,
    EmailKind,
    OutboxEmail,
    Report,
    ReportStatus,
    WebhookEndpoint,
)
from counselor.services.delivery import mail
from tests.support import factories
from tests.support.clock import NOW, TODAY

pytestmark = pytest.mark.usefixtures("clock", "send_task")

AGENDA = "agenda-9f3c1e talk about the money row"
NOTES = "notes-7b2d4a she cried about her father"


def test_no_email_of_any_kind_carries_a_sessions_agenda_or_notes(actor, counselor):
    practice = counselor.practice
    practice.email_detail = EmailDetail.TITLES  # the most an email to a partner may say
    practice.email_names_counselor = True
    couple = factories.CoupleFactory(counselor=counselor)
    factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(days=3))
    factories.SessionFactory(couple=couple, starts_at=NOW - timedelta(days=7), notes=NOTES)
    upcoming = factories.SessionFactory(
        couple=couple, starts_at=NOW + timedelta(hours=10), agenda=AGENDA, notes=NOTES
    )
    db.session.add(
        Report(
            practice_id=practice.id,
            couple_id=couple.id,
            session_id=upcoming.id,
            requested_by="schedule",
            status=ReportStatus.READY,
            file_name="report.pdf",
            sha256="0" * 64,
        )
    )
    endpoint = WebhookEndpoint(
        practice_id=practice.id,
        url="https://hooks.example.org/in",
        secret="whsec_" + "A" * 43 + "=",
        events="checkin.created",
        active=False,
        disabled_reason="It answered 500 ten times in a row.",
    )
    invited = factories.CounselorFactory(practice=practice, joined_at=None)
    db.session.add(endpoint)
    db.session.flush()

    partner = couple.partners[0]
    emails = [
        mail.queue_email(partner, kind)
        for kind in (
            EmailKind.NEW_STEP,
            EmailKind.LINK,
            EmailKind.REMINDER,
            EmailKind.COUNSELOR_REPLIED,
        )
    ]
    emails += [
        mail.queue_counselor_email(counselor, kind)
        for kind in (EmailKind.COUNSELOR_DIGEST, EmailKind.REPORT_READY, EmailKind.PASSWORD_RESET)
    ]
    emails.append(mail.queue_counselor_email(invited, EmailKind.COUNSELOR_INVITE))
    disabled = OutboxEmail(
        practice_id=practice.id,
        counselor_id=counselor.id,
        kind=EmailKind.WEBHOOK_DISABLED,
        webhook_endpoint_id=endpoint.id,
    )
    db.session.add(disabled)
    db.session.flush()
    emails.append(disabled)
    assert {email.kind for email in emails} == set(EmailKind), "every kind of email"

    for email in emails:
        message = mail.build_message(email)
        whole = message.as_string() + "".join(
            part.get_content() for part in message.walk() if not part.is_multipart()
        )
        assert message["To"]  # composed for real
        if email.partner_id is not None:
            assert partner.first_name in whole
        if email.kind in (EmailKind.NEW_STEP, EmailKind.LINK, EmailKind.REMINDER):
            assert "Share a minor worry" in whole  # the note's email lists no steps
        for marker in ("agenda-9f3c1e", "notes-7b2d4a", "money row", "her father"):
            assert marker not in whole, (email.kind, marker)
            assert marker not in str(message["Subject"]), (email.kind, marker)
