"""The counselor's "report ready" email: a count and a link, no couple named; sent for the
reports the schedule prepares, never for one the counselor asked for."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import EmailKind, OutboxEmail, OutboxStatus, Report
from counselor.services.audit import Actor
from counselor.services.delivery import mail, outbox
from counselor.services.reports import pre_session
from tests.support import factories

pytestmark = pytest.mark.usefixtures("clock")


def couple_with_session(counselor, hours_ahead: float = 10, **fields):
    couple = factories.CoupleFactory(
        counselor=counselor,
        partners=[{"first_name": "Zoë"}, {"first_name": "José"}],
        **fields,
    )
    factories.AssignmentFactory(couple=couple)
    session = factories.SessionFactory(
        couple=couple, starts_at=pre_session.timeutil.utcnow() + timedelta(hours=hours_ahead)
    )
    return couple, session


def scheduled_reports() -> list[Report]:
    return [pre_session.generate_report(i) for i in pre_session.prepare_upcoming_reports()]


def report_emails() -> list[OutboxEmail]:
    statement = sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.REPORT_READY)
    return list(db.session.scalars(tenancy.across_practices(statement)))


def words(body: str) -> str:
    """A body as read: no markup."""
    return re.sub(r"<[^>]+>", "", body)


def deliver_all() -> outbox.DeliveryReport:
    ids = [email.id for email in report_emails()]
    db.session.commit()
    return outbox.deliver(mail.EMAILS, ids)


def test_reports_the_schedule_prepares_make_one_email_with_a_count_and_no_couple(
    app, smtp, counselor
):
    first, _ = couple_with_session(counselor, label="Zoë & José M.")
    second, _ = couple_with_session(counselor, 12, label="Ana & Bea K.")

    assert len(scheduled_reports()) == 2
    assert len(report_emails()) == 1  # the second report joined the waiting email

    assert deliver_all().done
    [received] = smtp.messages
    assert received.recipients == [counselor.email]
    for body in (received.text, received.html):
        assert "2 pre-session reports are ready for your coming sessions" in words(body)
        assert re.search(r"http://[^/\s]+/couples[\s\"]", body)  # the dashboard's list
        for private in (first.label, second.label, "Zoë", "José", "Ana", "Bea"):
            assert private not in body
        assert not re.search(r"\b\d{2}:\d{2}\b(?!\d)", body.replace(":5000", ""))  # no time
    assert received.message["Subject"] == "Pre-session reports are ready"


def test_one_report_links_straight_to_its_couples_page(app, smtp, counselor):
    couple, _ = couple_with_session(counselor, label="Zoë & José M.")
    scheduled_reports()

    deliver_all()

    [received] = smtp.messages
    assert "1 pre-session report is ready" in received.text
    assert f"/couples/{couple.id}#reports" in received.text
    assert couple.label not in received.text and couple.label not in received.html


def test_an_email_whose_reports_no_longer_wait_for_a_session_is_not_sent(
    app, smtp, counselor, clock
):
    couple_with_session(counselor, hours_ahead=2)
    scheduled_reports()
    clock.advance(hours=3)  # the session has begun before a worker got to the email

    report = deliver_all()

    assert report.cancelled and smtp.messages == []


def test_prepare_report_now_sends_no_email(app, counselor):
    couple, session = couple_with_session(counselor)
    actor = Actor.for_counselor(counselor)
    with tenancy.practice_scope(counselor.practice_id):
        report = pre_session.request_report(actor, couple.id, session.id)
    db.session.commit()

    generated = pre_session.generate_report(report.id)

    assert generated.status.value == "ready"
    assert report_emails() == []


def test_pressing_prepare_report_now_on_the_dashboard_sends_no_email(
    app, logged_in, counselor, send_task
):
    couple, session = couple_with_session(counselor)

    response = logged_in.post(f"/couples/{couple.id}/reports", data={"session_id": str(session.id)})
    assert response.status_code == 302
    [(_name, [report_id])] = send_task.calls
    pre_session.generate_report(report_id)  # what the worker does with the task

    assert report_emails() == []
    assert (
        db.session.scalar(
            tenancy.across_practices(sa.select(Report.status).where(Report.id == report_id))
        ).value
        == "ready"
    )


def test_a_waiting_report_email_is_not_taken_once_it_is_sent(app, smtp, counselor):
    """After the email went, the next scheduled report gets an email of its own."""
    couple_with_session(counselor)
    scheduled_reports()
    deliver_all()
    couple_with_session(counselor, 14)

    scheduled_reports()

    statuses = sorted(e.status for e in report_emails())
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.SENT]
