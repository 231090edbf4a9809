"""counselor/services/homework/checkins.py: a partner doing one step once, recorded exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import (
    Assignee,
    AssignmentStatus,
    AuditEvent,
    CheckIn,
    CheckInSource,
    Visibility,
)
from counselor.services.audit import Actor
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework.checkins import CheckInInput, record_checkin
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import count_rows

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def assignment(counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    return factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(weeks=2))


def checkin_input(partner_id: int, **changes) -> CheckInInput:
    return CheckInInput(partner_id=partner_id, source=CheckInSource.LINK, **changes)


def rejected_field(actor: Actor, assignment_id: int, data: CheckInInput) -> dict:
    """Record, expecting a refusal that writes nothing; return the field errors."""
    before = (count_rows(CheckIn), count_rows(AuditEvent))
    with pytest.raises(InvalidInput) as error:
        record_checkin(actor, assignment_id, data)
    assert (count_rows(CheckIn), count_rows(AuditEvent)) == before
    return error.value.errors


def test_record_checkin_creates_one_for_the_partners_today(actor, assignment):
    partner = assignment.couple.partners[0]

    check_in, created = record_checkin(actor, assignment.id, checkin_input(partner.id, comfort=4))

    assert created is True
    assert (check_in.partner_id, check_in.assignment_id) == (partner.id, assignment.id)
    assert (check_in.occurred_on, check_in.comfort) == (TODAY, 4)
    assert count_rows(CheckIn) == 1


def test_today_is_the_partners_local_date(actor, counselor, clock):
    # 03:00 UTC on the 14th is still the evening of the 13th in Chicago.
    clock.set(datetime(2026, 5, 14, 3, 0, tzinfo=UTC))
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(days=3))

    check_in, _ = record_checkin(actor, assignment.id, checkin_input(couple.partners[0].id))

    assert check_in.occurred_on == TODAY


def test_same_idempotency_key_twice_is_one_checkin(actor, assignment):
    data = checkin_input(assignment.couple.partners[0].id, idempotency_key="click-1")

    first, first_created = record_checkin(actor, assignment.id, data)
    again, again_created = record_checkin(actor, assignment.id, data)

    assert (first_created, again_created) == (True, False)
    assert again.id == first.id
    assert count_rows(CheckIn) == 1
    assert count_rows(AuditEvent) == 1


def test_different_keys_are_different_checkins(actor, assignment):
    partner_id = assignment.couple.partners[0].id
    record_checkin(actor, assignment.id, checkin_input(partner_id, idempotency_key="a"))
    record_checkin(actor, assignment.id, checkin_input(partner_id, idempotency_key="b"))
    assert count_rows(CheckIn) == 2


def test_each_checkin_records_an_audit_event(actor, assignment):
    partner_id = assignment.couple.partners[1].id
    check_in, _ = record_checkin(actor, assignment.id, checkin_input(partner_id))

    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("checkin.create", "checkin", check_in.id)
    ]


@pytest.mark.parametrize("days_back", [0, 1, 7])
def test_backdating_up_to_seven_days_is_accepted(actor, assignment, days_back):
    day = TODAY - timedelta(days=days_back)
    partner_id = assignment.couple.partners[0].id

    check_in, _ = record_checkin(actor, assignment.id, checkin_input(partner_id, occurred_on=day))

    assert check_in.occurred_on == day


@pytest.mark.parametrize("day", [TODAY + timedelta(days=1), TODAY - timedelta(days=8)])
def test_future_or_too_old_dates_are_rejected(actor, assignment, day):
    data = checkin_input(assignment.couple.partners[0].id, occurred_on=day)
    assert "occurred_on" in rejected_field(actor, assignment.id, data)


def test_date_before_the_step_started_is_rejected(actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(days=2))
    data = checkin_input(couple.partners[0].id, occurred_on=TODAY - timedelta(days=3))
    assert "occurred_on" in rejected_field(actor, assignment.id, data)


@pytest.mark.parametrize("comfort", [0, 6])
def test_comfort_outside_one_to_five_is_rejected(actor, assignment, comfort):
    data = checkin_input(assignment.couple.partners[0].id, comfort=comfort)
    assert "comfort" in rejected_field(actor, assignment.id, data)


def test_reflection_of_2000_characters_is_accepted(actor, assignment):
    data = checkin_input(assignment.couple.partners[0].id, reflection="x" * 2000)
    check_in, _ = record_checkin(actor, assignment.id, data)
    assert len(check_in.reflection) == 2000


def test_reflection_over_2000_characters_is_rejected(actor, assignment):
    data = checkin_input(assignment.couple.partners[0].id, reflection="x" * 2001)
    assert "reflection" in rejected_field(actor, assignment.id, data)


def test_partner_who_is_not_the_assignee_is_rejected(actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    doer, other = couple.partners
    assignment = factories.AssignmentFactory(
        couple=couple, assignee=Assignee.PARTNER, assignee_partner_id=doer.id
    )
    data = checkin_input(other.id)
    assert "partner_id" in rejected_field(actor, assignment.id, data)


def test_partner_of_another_couple_is_rejected(actor, assignment, counselor):
    stranger = factories.CoupleFactory(counselor=counselor).partners[0]
    assert "partner_id" in rejected_field(actor, assignment.id, checkin_input(stranger.id))


def test_cancelled_step_takes_no_checkins(actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple, status=AssignmentStatus.CANCELLED)
    data = checkin_input(couple.partners[0].id)
    assert "assignment" in rejected_field(actor, assignment.id, data)


@pytest.mark.parametrize(
    ("share", "visibility"), [(True, Visibility.SHARED), (False, Visibility.COUNSELOR)]
)
def test_share_with_partner_sets_visibility(actor, assignment, share, visibility):
    data = checkin_input(
        assignment.couple.partners[0].id, reflection="It felt odd.", share_with_partner=share
    )
    check_in, _ = record_checkin(actor, assignment.id, data)
    assert check_in.visibility == visibility


def test_reflection_is_counselor_only_by_default(actor, assignment):
    data = checkin_input(assignment.couple.partners[0].id, reflection="Private thought.")
    check_in, _ = record_checkin(actor, assignment.id, data)
    assert check_in.visibility == Visibility.COUNSELOR


def test_checkin_through_another_practice_is_not_found(assignment):
    outsider = Actor.for_counselor(factories.CounselorFactory())
    with tenancy.practice_scope(outsider.practice_id), pytest.raises(NotFound):
        record_checkin(outsider, assignment.id, checkin_input(assignment.couple.partners[0].id))
    assert count_rows(CheckIn) == 0
