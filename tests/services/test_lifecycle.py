"""services/homework/lifecycle.py: ending a step loses nothing, and reopening undoes it."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    AssignmentStatus,
    AuditEvent,
    CheckIn,
    CoupleStatus,
    WebhookDelivery,
)
from counselor.services.delivery import webhooks
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework import lifecycle
from counselor.services.progress import week_rules
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import count_rows

pytestmark = pytest.mark.usefixtures("clock")

# The grid's four weeks (Mondays) on Wednesday 13 May 2026: the step starts in the second.
MONDAYS = [date(2026, 4, 20), date(2026, 4, 27), date(2026, 5, 4), date(2026, 5, 11)]
FIRST = [date(2026, 4, 28), date(2026, 4, 30), date(2026, 5, 5), date(2026, 5, 6)]
FIRST += [date(2026, 5, 8), date(2026, 5, 12)]
SECOND = [date(2026, 4, 29), date(2026, 5, 7)]


@pytest.fixture
def step(couple):
    """A step three times a week since Monday 27 April, with check-ins in three weeks."""
    assignment = factories.AssignmentFactory(couple=couple, starts_on=MONDAYS[1])
    for partner, days in zip(couple.partners, (FIRST, SECOND), strict=True):
        for day in days:
            factories.CheckInFactory(assignment=assignment, partner=partner, occurred_on=day)
    return assignment


def grid(assignment) -> dict[int, list[tuple[int, int]]]:
    """(done, target) per partner and week, as the couple page's grid counts them."""
    counts = week_rules.checkin_day_counts([assignment.id], MONDAYS[0], TODAY)
    return {
        partner.id: [
            (figure.done, figure.target)
            for figure in (
                week_rules.assignment_week(assignment, partner.id, monday, counts)
                for monday in MONDAYS
            )
        ]
        for partner in assignment.couple.partners
    }


def actions() -> list[tuple[str, int | None]]:
    return [
        (e.action, e.object_id)
        for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
    ]


@pytest.mark.parametrize("ending", [AssignmentStatus.CANCELLED, AssignmentStatus.COMPLETED])
def test_ending_keeps_every_check_in_and_reopening_restores_the_step(actor, step, ending):
    first, second = step.couple.partners
    before = grid(step)
    assert before[first.id] == [(0, 0), (2, 3), (3, 3), (1, 3)]
    assert before[second.id] == [(0, 0), (1, 3), (1, 3), (0, 3)]

    lifecycle.end_assignment(actor, step.id, ending)

    assert count_rows(CheckIn) == 8
    assert (step.status, step.ended_on) == (ending, TODAY)
    ended = grid(step)
    assert ended[first.id][:3] == before[first.id][:3]  # past weeks as they were
    assert ended[first.id][3] == (1, 2)  # this week counts to today: 3 days of 7

    reopened = lifecycle.reopen_assignment(actor, step.id)

    assert (reopened.status, reopened.ended_at, reopened.ended_on) == (
        AssignmentStatus.ACTIVE,
        None,
        None,
    )
    assert count_rows(CheckIn) == 8
    assert grid(step) == before
    assert actions() == [(f"assignment.{ending.value}", step.id), ("assignment.reopen", step.id)]


def test_reopening_an_active_step_changes_nothing(actor, step):
    lifecycle.reopen_assignment(actor, step.id)
    assert step.status == AssignmentStatus.ACTIVE
    assert actions() == []


def test_a_step_of_a_closed_couple_is_not_reopened(actor, step):
    lifecycle.end_assignment(actor, step.id, AssignmentStatus.CANCELLED)
    step.couple.status = CoupleStatus.CLOSED
    with pytest.raises(InvalidInput) as error:
        lifecycle.reopen_assignment(actor, step.id)
    assert "reopen the couple" in str(error.value)
    assert step.status == AssignmentStatus.CANCELLED


def test_another_practices_step_is_neither_ended_nor_reopened(actor):
    foreign = factories.AssignmentFactory()
    with pytest.raises(NotFound):
        lifecycle.end_assignment(actor, foreign.id, AssignmentStatus.CANCELLED)
    foreign.status = AssignmentStatus.CANCELLED
    db.session.commit()
    with pytest.raises(NotFound):
        lifecycle.reopen_assignment(actor, foreign.id)
    with pytest.raises(NotFound):
        lifecycle.checkin_history(foreign.id)
    assert actions() == []


def test_reopening_a_completed_step_emits_nothing_and_completing_again_emits_again(actor, step):
    webhooks.create_endpoint(actor, "http://127.0.0.1:9/hooks", ["assignment.completed"])
    lifecycle.end_assignment(actor, step.id, AssignmentStatus.COMPLETED)
    assert count_rows(WebhookDelivery) == 1

    lifecycle.reopen_assignment(actor, step.id)
    assert count_rows(WebhookDelivery) == 1  # the event is not retracted, nor a new one sent

    lifecycle.end_assignment(actor, step.id, AssignmentStatus.COMPLETED)
    assert count_rows(WebhookDelivery) == 2


def test_set_status_ends_or_reopens(actor, step):
    lifecycle.set_status(actor, step.id, AssignmentStatus.CANCELLED)
    assert step.status == AssignmentStatus.CANCELLED
    lifecycle.set_status(actor, step.id, AssignmentStatus.ACTIVE)
    assert step.status == AssignmentStatus.ACTIVE


def test_checkin_history_counts_check_ins_and_the_weeks_they_fall_in(actor, step):
    assert lifecycle.checkin_history(step.id) == lifecycle.CheckInHistory(checkins=8, weeks=3)
    empty = factories.AssignmentFactory(couple=step.couple)
    assert lifecycle.checkin_history(empty.id) == lifecycle.CheckInHistory(checkins=0, weeks=0)
