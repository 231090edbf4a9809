"""services/retention.py: the practice's retention settings, what the next purge removes,
and the nightly purge itself (closed couples erased, old finished emails and webhook
deliveries deleted, old report PDFs removed), with the ``clock`` moving time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from counselor import storage, tenancy
from counselor.extensions import db
from counselor.models import (
    Acknowledgement,
    AuditEvent,
    CounselorRole,
    CoupleSession,
    CoupleStatus,
    EmailKind,
    Noticed,
    OutboxEmail,
    OutboxStatus,
    ReflectionReply,
    ReplyKind,
    Report,
    ReportStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WeeklyAnswer,
)
from counselor.services import retention
from counselor.services.couples import couples
from counselor.services.delivery import mail
from counselor.services.errors import InvalidInput
from counselor.services.retention import RetentionInput
from tests.support import factories
from tests.support.helpers import row_counts, stored


@pytest.fixture
def practice(counselor, actor, clock):
    practice = counselor.practice
    practice.retain_closed_client_text_months = 12
    practice.retain_messages_days = 30
    practice.retain_report_pdfs_days = 60
    db.session.flush()
    return practice


def closed_couple(actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    couples.set_status(actor, couple.id, CoupleStatus.CLOSED)
    return couple


def finished_email(partner, status=OutboxStatus.SENT):
    email = mail.queue_email(partner, EmailKind.LINK)
    email.status = status
    db.session.flush()
    return email


def delivery(practice_id, status):
    endpoint = WebhookEndpoint(
        practice_id=practice_id, url="https://example.org/h", secret="whsec_x", events="x"
    )
    db.session.add(endpoint)
    db.session.flush()
    row = WebhookDelivery(
        practice_id=practice_id,
        endpoint_id=endpoint.id,
        event="checkin.created",
        message_id="msg_" + str(id(endpoint)) + status.value,
        payload="{}",
        status=status,
    )
    db.session.add(row)
    db.session.flush()
    return row


def stored_report(app, couple):
    report = Report(
        practice_id=couple.practice_id,
        couple_id=couple.id,
        status=ReportStatus.READY,
        requested_by="schedule",
        file_name=f"report-{couple.id}.pdf",
        sha256="0" * 64,
        size_bytes=4,
    )
    db.session.add(report)
    db.session.flush()
    report.generated_at = report.created_at
    path = storage.write_private_file(
        app.config["REPORTS_DIR"], f"{couple.practice_id}/{report.file_name}", b"%PDF"
    )
    return report, path


def test_the_purge_removes_what_is_past_each_setting_and_nothing_else(
    app, practice, actor, counselor, clock
):
    old_closed = closed_couple(actor, counselor)
    old_session = factories.SessionFactory(
        couple=old_closed, starts_at=clock.now, agenda="Old agenda", notes="Old notes"
    )
    partner = factories.CoupleFactory(counselor=counselor).partners[0]
    old_sent = finished_email(partner)
    old_failed = finished_email(partner, OutboxStatus.FAILED)
    old_pending = mail.queue_email(partner, EmailKind.LINK)
    old_delivered = delivery(practice.id, OutboxStatus.DELIVERED)
    old_waiting = delivery(practice.id, OutboxStatus.PENDING)
    old_report, old_pdf = stored_report(app, partner.couple)
    eml = Path(app.config["MAIL_OUTBOX_DIR"]) / f"outbox-{old_sent.id}.eml"
    storage.write_private_file(eml.parent, eml.name, b"To: someone")

    clock.advance(days=200)
    recent_closed = closed_couple(actor, counselor)
    recent_session = factories.SessionFactory(
        couple=recent_closed, starts_at=clock.now, notes="Recent notes"
    )
    recent_report, recent_pdf = stored_report(app, partner.couple)
    clock.advance(days=190)
    recent_sent = finished_email(partner)
    clock.advance(days=10)  # 400 days: past 12 months for the first couple only

    gone = {"sent": old_sent.id, "failed": old_failed.id, "delivered": old_delivered.id}

    counts = retention.purge_practice(practice)

    assert counts == retention.PurgeCounts(
        couples_erased=1, emails_deleted=2, webhook_deliveries_deleted=1, report_pdfs_deleted=2
    )
    db.session.expire_all()
    assert stored(type(old_closed), old_closed.id).erased_at == clock.now
    assert stored(type(recent_closed), recent_closed.id).erased_at is None
    # A session's agenda and notes are client text: gone with the rest of it.
    erased_session = stored(CoupleSession, old_session.id)
    assert (erased_session.agenda, erased_session.notes) == (None, None)
    assert stored(CoupleSession, recent_session.id).notes == "Recent notes"
    assert stored(OutboxEmail, gone["sent"]) is None and stored(OutboxEmail, gone["failed"]) is None
    assert stored(OutboxEmail, old_pending.id).status == OutboxStatus.PENDING
    assert stored(OutboxEmail, recent_sent.id) is not None
    assert stored(WebhookDelivery, gone["delivered"]) is None
    assert stored(WebhookDelivery, old_waiting.id) is not None
    assert not eml.exists()
    assert not old_pdf.exists() and stored(Report, old_report.id).file_purged_at == clock.now
    # 200 days old, past 60 days too
    assert not recent_pdf.exists() and stored(Report, recent_report.id).file_purged_at
    events = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_type, AuditEvent.object_id).where(
            AuditEvent.action.in_(["retention.purge", "couple.erase"])
        )
    ).all()
    assert sorted(events) == [
        ("couple.erase", "system", old_closed.id),
        ("retention.purge", "system", practice.id),
    ]


def test_the_purge_erases_what_came_back_and_keeps_its_figures(practice, actor, counselor, clock):
    """Through erase_couple: a closed couple's acknowledgement notes and replies lose their
    words; the answers' figures (noticed, felt valued, weekly scores) stay; a couple
    still within its time keeps everything."""
    old_closed = factories.CoupleFactory(counselor=counselor)
    recent_closed = factories.CoupleFactory(counselor=counselor)
    rows = {}
    for couple in (old_closed, recent_closed):
        step = factories.AssignmentFactory(couple=couple)
        check_in = factories.CheckInFactory(assignment=step, reflection="Asked for help")
        rows[couple.id] = (
            factories.make_acknowledgement(check_in, felt_valued=4, note="Felt trusted"),
            factories.make_reflection_reply(check_in, body="Thank you for asking"),
            factories.make_reflection_reply(check_in, ReplyKind.COUNSELOR, body="Let's talk"),
            factories.make_weekly_answer(
                couple.partners[0], factories.make_weekly_item(), date(2026, 5, 11), score=2
            ),
        )
    couples.set_status(actor, old_closed.id, CoupleStatus.CLOSED)
    clock.advance(days=200)
    couples.set_status(actor, recent_closed.id, CoupleStatus.CLOSED)
    clock.advance(days=200)

    assert retention.purge_practice(practice).couples_erased == 1

    db.session.expire_all()
    acknowledgement, partner_reply, counselor_note, answer = rows[old_closed.id]
    erased = stored(Acknowledgement, acknowledgement.id)
    assert (erased.note, erased.felt_valued, erased.noticed) == (None, 4, Noticed.YES)
    assert stored(ReflectionReply, partner_reply.id).body == ""
    assert stored(ReflectionReply, counselor_note.id).body == ""
    assert stored(WeeklyAnswer, answer.id).score == 2
    acknowledgement, partner_reply, counselor_note, _ = rows[recent_closed.id]
    assert stored(Acknowledgement, acknowledgement.id).note == "Felt trusted"
    assert stored(ReflectionReply, partner_reply.id).body == "Thank you for asking"
    assert stored(ReflectionReply, counselor_note.id).body == "Let's talk"


def test_a_second_purge_finds_nothing_and_audits_nothing(app, practice, actor, counselor, clock):
    closed_couple(actor, counselor)
    clock.advance(days=400)
    retention.purge_practice(practice)
    before = row_counts()

    assert retention.purge_practice(practice) == retention.PurgeCounts()
    assert row_counts() == before


def test_reopening_a_couple_stops_its_count(practice, actor, counselor, clock):
    couple = closed_couple(actor, counselor)
    clock.advance(days=300)
    couples.set_status(actor, couple.id, CoupleStatus.ACTIVE)
    assert couple.closed_at is None
    clock.advance(days=100)
    couples.set_status(actor, couple.id, CoupleStatus.CLOSED)
    assert couple.closed_at == clock.now

    assert retention.purge_practice(practice).couples_erased == 0


def test_the_preview_says_what_goes_next_and_when(app, practice, actor, counselor, clock):
    clock.set(datetime(2026, 5, 13, 12, 0, tzinfo=UTC))
    closed_couple(actor, counselor)
    partner = factories.CoupleFactory(counselor=counselor).partners[0]
    finished_email(partner)
    stored_report(app, partner.couple)
    clock.advance(days=31)
    finished_email(partner)

    preview = retention.preview(practice)

    assert preview.next_purge_at == datetime(2026, 6, 14, 3, 30, tzinfo=UTC)
    assert (preview.emails.due_next_purge, preview.emails.next_due_at) == (
        1,
        datetime(2026, 7, 13, 12, 0, tzinfo=UTC),
    )
    assert preview.couples.due_next_purge == 0
    assert preview.couples.next_due_at == datetime(2027, 5, 13, 12, 0, tzinfo=UTC)
    assert preview.report_pdfs.due_next_purge == 0
    assert preview.report_pdfs.next_due_at == datetime(2026, 7, 12, 12, 0, tzinfo=UTC)
    assert (preview.webhook_deliveries.due_next_purge, preview.webhook_deliveries.next_due_at) == (
        0,
        None,
    )


def test_owners_change_the_settings_within_bounds(practice, counselor):
    retention.update_retention_settings(counselor, RetentionInput(24, 14, 365))

    assert (
        practice.retain_closed_client_text_months,
        practice.retain_messages_days,
        practice.retain_report_pdfs_days,
    ) == (24, 14, 365)
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "practice.retention_settings")
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ((0, 30, 60), "closed_client_text_months"),
        ((121, 30, 60), "closed_client_text_months"),
        ((12, 6, 60), "messages_days"),
        ((12, 30, 3651), "report_pdfs_days"),
        ((12, None, 60), "messages_days"),
    ],
)
def test_values_out_of_bounds_are_refused_and_nothing_is_written(
    practice, counselor, values, field
):
    before = row_counts()
    with pytest.raises(InvalidInput) as refused:
        retention.update_retention_settings(counselor, RetentionInput(*values))
    assert list(refused.value.errors) == [field]
    db.session.refresh(practice)
    assert practice.retain_closed_client_text_months == 12
    assert row_counts() == before


def test_only_owners_change_them(practice, counselor):
    counselor.role = CounselorRole.COUNSELOR
    with pytest.raises(InvalidInput, match="owner"):
        retention.update_retention_settings(counselor, RetentionInput(24, 14, 365))


def test_every_practice_is_purged_by_its_own_settings(app, clock):
    strict = factories.CounselorFactory()
    lenient = factories.CounselorFactory()
    strict.practice.retain_closed_client_text_months = 1
    couples_of = {}
    for counselor in (strict, lenient):
        tenancy.enter_practice(counselor.practice_id)
        couples_of[counselor.id] = closed_couple(couples.Actor.for_counselor(counselor), counselor)
    tenancy.leave_practice()
    clock.advance(days=45)

    results = retention.purge_everywhere()

    assert results[strict.practice_id].couples_erased == 1
    assert results[lenient.practice_id].couples_erased == 0
    assert stored(type(couples_of[strict.id]), couples_of[strict.id].id).erased_at is not None
    assert stored(type(couples_of[lenient.id]), couples_of[lenient.id].id).erased_at is None


def test_the_nightly_task_is_scheduled_and_purges(app, clock):
    import tasks.housekeeping
    from counselor import task_names

    counselor = factories.CounselorFactory()
    counselor.practice.retain_closed_client_text_months = 1
    tenancy.enter_practice(counselor.practice_id)
    couple = closed_couple(couples.Actor.for_counselor(counselor), counselor)
    tenancy.leave_practice()
    db.session.commit()  # the task works in a session of its own, as a worker does
    clock.advance(days=45)

    results = tasks.housekeeping.purge_retained_data()

    assert results[str(counselor.practice_id)]["couples_erased"] == 1
    db.session.expire_all()
    assert stored(type(couple), couple.id).erased_at == clock.now
    schedule = app.config["CELERY"]["beat_schedule"].values()
    assert any(entry["task"] == task_names.PURGE_RETAINED_DATA for entry in schedule)
