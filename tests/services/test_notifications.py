"""services/delivery/notifications.py: which partner gets which email, and when none goes out."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import AuditEvent, CoupleStatus, EmailKind, OutboxEmail, OutboxStatus
from counselor.services.delivery import mail, notifications, outbox
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework.assignments import AssignmentInput, assign_homework
from tests.support import factories
from tests.support.helpers import count_statements, row_counts

pytestmark = pytest.mark.usefixtures("clock", "actor")  # actor: the practice in scope


def step(assignee: str | int, notify: bool = True) -> AssignmentInput:
    return AssignmentInput(
        assignee=assignee,
        rung_id=factories.rung(2).id,
        title="Hand over a chore",
        instructions="Let them do the grocery run their way.",
        times_per_week=2,
        notify=notify,
    )


def emails_per_partner() -> Counter:
    return Counter(db.session.scalars(sa.select(OutboxEmail.partner_id)))


@pytest.mark.parametrize("assignee", ["each", "together"])
def test_a_step_for_both_emails_each_partner_once(actor, couple, assignee):
    assign_homework(actor, couple.id, step(assignee))

    assert emails_per_partner() == {p.id: 1 for p in couple.partners}
    kinds = set(db.session.scalars(sa.select(OutboxEmail.kind)))
    assert kinds == {EmailKind.NEW_STEP}


def test_a_step_for_one_partner_emails_only_that_partner(actor, couple):
    only = couple.partners[1]

    assign_homework(actor, couple.id, step(only.id))

    assert emails_per_partner() == {only.id: 1}


def test_a_partner_who_stopped_emails_gets_none(actor, couple):
    stopped, other = couple.partners
    stopped.unsubscribed_at = timeutil.utcnow()
    db.session.commit()

    assign_homework(actor, couple.id, step("each"))

    assert emails_per_partner() == {other.id: 1}


def test_assigning_to_a_paused_couple_emails_no_one(actor, counselor):
    # A paused couple's links do not work, so an email would only carry a dead link.
    paused = factories.CoupleFactory(counselor=counselor, status=CoupleStatus.PAUSED)

    assignment = assign_homework(actor, paused.id, step("each"))

    assert assignment.id is not None
    assert emails_per_partner() == {}


def test_assigning_without_notify_queues_nothing(actor, couple):
    assign_homework(actor, couple.id, step("each", notify=False))

    assert emails_per_partner() == {}


def test_send_link_queues_a_link_email_and_audits_it(actor, couple):
    partner = couple.partners[0]

    email = notifications.send_link(actor, partner.id)

    assert (email.partner_id, email.kind) == (partner.id, EmailKind.LINK)
    assert emails_per_partner() == {partner.id: 1}
    assert db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "partner.send_link", AuditEvent.object_id == partner.id
        )
    )


def test_send_link_refuses_a_partner_who_stopped_emails(actor, couple):
    partner = couple.partners[0]
    partner.unsubscribed_at = timeutil.utcnow()
    db.session.commit()
    before = row_counts()

    with pytest.raises(InvalidInput) as error:
        notifications.send_link(actor, partner.id)

    assert error.value.errors == {
        "partner": [f"{partner.first_name} stopped emails; resume emails first."]
    }
    assert row_counts() == before


@pytest.mark.parametrize("status", [CoupleStatus.PAUSED, CoupleStatus.CLOSED])
def test_send_link_refuses_a_couple_that_is_not_active(actor, counselor, status):
    couple = factories.CoupleFactory(counselor=counselor, status=status)
    before = row_counts()

    with pytest.raises(InvalidInput) as error:
        notifications.send_link(actor, couple.partners[0].id)

    assert error.value.errors == {"partner": ["Links work only while the couple is active."]}
    assert row_counts() == before


def test_send_link_to_another_practices_partner_is_not_found(actor):
    foreign = factories.CoupleFactory()

    with pytest.raises(NotFound):
        notifications.send_link(actor, foreign.partners[0].id)
    assert emails_per_partner() == {}


def test_request_fresh_link_matches_the_address_without_regard_to_case(couple):
    partner = couple.partners[0]

    notifications.request_fresh_link(f"  {partner.email.upper()} ")

    assert emails_per_partner() == {partner.id: 1}
    assert db.session.scalar(sa.select(OutboxEmail.kind)) == EmailKind.LINK


def test_request_fresh_link_for_an_unknown_address_does_nothing(couple):
    before = row_counts()

    notifications.request_fresh_link("nobody@example.org")

    assert row_counts() == before


def test_request_fresh_link_ignores_partners_of_couples_that_are_not_active(counselor):
    paused = factories.CoupleFactory(counselor=counselor, status=CoupleStatus.PAUSED)
    before = row_counts()

    notifications.request_fresh_link(paused.partners[0].email)

    assert row_counts() == before


def test_latest_emails_gives_each_partners_newest_in_one_query(couple):
    first, second = couple.partners
    for kind in (EmailKind.NEW_STEP, EmailKind.LINK, EmailKind.NEW_STEP):
        mail.queue_email(first, kind)
    newest_first = mail.queue_email(first, EmailKind.LINK)
    newest_second = mail.queue_email(second, EmailKind.NEW_STEP)
    db.session.commit()
    db.session.expunge_all()

    with count_statements() as counter:
        latest = notifications.latest_emails([first.id, second.id])

    assert counter.count == 1
    assert {pid: email.id for pid, email in latest.items()} == {
        first.id: newest_first.id,
        second.id: newest_second.id,
    }


def test_latest_emails_leaves_out_partners_without_email(couple):
    assert notifications.latest_emails([p.id for p in couple.partners]) == {}
    assert notifications.latest_emails([]) == {}


# When a new-step or link email leaves: the partner's quiet hours and the daily cap
# (services/delivery/quiet_hours.py), unless the counselor ticks *send now*.

CHICAGO = ZoneInfo("America/Chicago")
LATE_EVENING = datetime(2026, 5, 13, 22, 30, tzinfo=CHICAGO)  # the factories' partners' zone
NEXT_MORNING = datetime(2026, 5, 14, 8, 0, tzinfo=CHICAGO)


@pytest.fixture
def handed_over(monkeypatch) -> list[int]:
    """The ids handed to workers after commit (what the immediate dispatch would send)."""
    ids: list[int] = []
    monkeypatch.setattr(
        outbox.after_commit,
        "batch_after_commit",
        lambda _task, items, _chunk: ids.extend(items),
    )
    return ids


def test_in_quiet_hours_a_new_step_email_waits_for_the_partners_next_allowed_hour(
    actor, couple, clock, handed_over
):
    clock.set(LATE_EVENING.astimezone(UTC))

    assign_homework(actor, couple.id, step("each"))

    emails = db.session.scalars(sa.select(OutboxEmail)).all()
    assert len(emails) == 2
    assert {e.next_attempt_at for e in emails} == {NEXT_MORNING.astimezone(UTC)}
    assert handed_over == []  # nothing reaches a worker early
    assert outbox.due_ids(mail.EMAILS, limit=10) == []
    clock.set(NEXT_MORNING.astimezone(UTC))
    assert sorted(outbox.due_ids(mail.EMAILS, limit=10)) == sorted(e.id for e in emails)


def test_send_now_sends_at_once_even_in_quiet_hours(actor, couple, clock, handed_over):
    clock.set(LATE_EVENING.astimezone(UTC))
    partner = couple.partners[0]

    email = notifications.send_link(actor, partner.id, send_now=True)

    assert email.next_attempt_at is None
    assert handed_over == [email.id]
    assert notifications.goes_out_at(email) is None


def test_outside_quiet_hours_a_link_goes_at_once(actor, couple, clock, handed_over):
    email = notifications.send_link(actor, couple.partners[0].id)  # noon in Chicago

    assert handed_over == [email.id]
    assert notifications.goes_out_at(email) is None


def test_after_the_days_email_the_next_one_waits_for_the_next_day(
    actor, couple, clock, handed_over
):
    partner = couple.partners[0]
    first = notifications.send_link(actor, partner.id)
    first.status, first.sent_at = OutboxStatus.SENT, clock.now
    db.session.flush()
    clock.advance(hours=1)

    assign_homework(actor, couple.id, step(partner.id))

    waiting = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.NEW_STEP)
    ).one()
    assert notifications.goes_out_at(waiting) == NEXT_MORNING.astimezone(UTC)
    assert handed_over == [first.id]


def test_a_waiting_email_takes_in_the_next_ones_and_send_now_brings_it_forward(
    actor, couple, clock, handed_over
):
    """Three steps assigned late in the evening make one email in the morning, not one
    each morning; ticking *send now* on a link then sends that one email at once."""
    clock.set(LATE_EVENING.astimezone(UTC))
    partner = couple.partners[0]
    link = notifications.send_link(actor, partner.id)
    for number in range(3):
        assign_homework(actor, couple.id, replace(step(partner.id), title=f"Step {number}"))

    [waiting] = db.session.scalars(sa.select(OutboxEmail)).all()
    assert waiting.id == link.id
    assert waiting.kind == EmailKind.NEW_STEP  # a new-step email carries the link too
    assert handed_over == []

    again = notifications.send_link(actor, partner.id, send_now=True)

    assert again.id == waiting.id
    assert waiting.next_attempt_at is None
    assert handed_over == [waiting.id]


def test_a_partner_asking_for_a_fresh_link_gets_it_at_once_even_at_night(
    couple, clock, handed_over
):
    """They just asked, from the page: they are awake and waiting for it."""
    clock.set(LATE_EVENING.astimezone(UTC))
    partner = couple.partners[0]

    notifications.request_fresh_link(partner.email)

    email = db.session.scalars(sa.select(OutboxEmail)).one()
    assert email.next_attempt_at is None
    assert handed_over == [email.id]
