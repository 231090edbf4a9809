"""counselor/services/progress/week_rules.py: weekly targets, what was done, and completion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from counselor import timeutil
from counselor.models import Assignee, Assignment, AssignmentStatus
from counselor.services.homework.lifecycle import end_assignment
from counselor.services.progress.week_rules import (
    WeekFigure,
    checkin_day_counts,
    done_in_week,
    partner_week,
    week_target,
)
from tests.support import factories
from tests.support.helpers import count_statements

MONDAY = date(2026, 5, 11)
FRIDAY, SUNDAY = MONDAY + timedelta(days=4), MONDAY + timedelta(days=6)
NEXT_MONDAY = MONDAY + timedelta(weeks=1)


def step(times: int = 3, starts_on: date = MONDAY - timedelta(weeks=2), **fields) -> Assignment:
    """An assignment as plain data: target arithmetic needs no database."""
    fields.setdefault("status", AssignmentStatus.ACTIVE)
    return Assignment(times_per_week=times, starts_on=starts_on, **fields)


def ended(on: date, status: AssignmentStatus = AssignmentStatus.COMPLETED) -> Assignment:
    return step(status=status, ended_on=on)


# --- targets: pure --------------------------------------------------------------------


@pytest.mark.parametrize("times", [1, 3, 7, 14])
def test_a_full_week_targets_times_per_week(times):
    assert week_target(step(times), MONDAY) == times


@pytest.mark.parametrize(
    ("starts_on", "target"),
    [
        (MONDAY, 3),
        (MONDAY + timedelta(days=3), 2),  # Thursday: 4 days -> ceil(12/7)
        (FRIDAY, 2),  # 3 days -> ceil(9/7)
        (SUNDAY, 1),  # 1 day -> ceil(3/7)
    ],
    ids=["monday", "thursday", "friday", "sunday"],
)
def test_first_partial_week_is_pro_rata_rounded_up(starts_on, target):
    assert week_target(step(3, starts_on=starts_on), MONDAY) == target


def test_weeks_before_the_start_have_no_target():
    assert week_target(step(3, starts_on=NEXT_MONDAY), MONDAY) == 0


@pytest.mark.parametrize(
    ("due_on", "target"),
    [
        (MONDAY, 1),  # 1 day -> ceil(3/7)
        (MONDAY + timedelta(days=2), 2),  # Wednesday: 3 days -> ceil(9/7)
        (SUNDAY, 3),
    ],
    ids=["monday", "wednesday", "sunday"],
)
def test_week_it_is_due_in_is_pro_rata(due_on, target):
    assert week_target(step(3, due_on=due_on), MONDAY) == target


def test_weeks_after_the_due_date_have_no_target():
    assert week_target(step(3, due_on=SUNDAY), NEXT_MONDAY) == 0


@pytest.mark.parametrize("status", [AssignmentStatus.COMPLETED, AssignmentStatus.CANCELLED])
def test_ended_step_has_no_target_after_its_end(status):
    assignment = ended(date(2026, 5, 13), status)  # a Wednesday

    assert week_target(assignment, MONDAY) == 2  # Mon-Wed: ceil(9/7)
    assert week_target(assignment, NEXT_MONDAY) == 0


def test_step_ended_on_sunday_evening_locally_has_no_target_the_next_week(
    actor, couple, monkeypatch
):
    # Sunday 20:00 in Chicago (the practice's zone) is already Monday 01:00 in UTC.
    assignment = factories.AssignmentFactory(couple=couple, starts_on=MONDAY - timedelta(weeks=2))
    monkeypatch.setattr(timeutil, "utcnow", lambda: datetime(2026, 5, 18, 1, 0, tzinfo=UTC))
    end_assignment(actor, assignment.id, AssignmentStatus.COMPLETED)
    assert week_target(assignment, MONDAY) == 3
    assert week_target(assignment, NEXT_MONDAY) == 0


def test_active_step_without_due_date_keeps_its_target():
    assert week_target(step(2), MONDAY + timedelta(weeks=52)) == 2


# --- completion: pure -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "done", "completion"),
    [(3, 0, 0.0), (4, 1, 0.25), (3, 3, 1.0), (3, 5, 1.0), (0, 0, None), (0, 2, None)],
)
def test_completion_is_capped_at_one_and_none_without_target(target, done, completion):
    assert WeekFigure(MONDAY, target, done).completion == completion


# --- what was done: with check-ins in the database ------------------------------------


def log(assignment: Assignment, partner, day: date, times: int = 1) -> None:
    for _ in range(times):
        factories.CheckInFactory(assignment=assignment, partner=partner, occurred_on=day)


def homework(couple, **fields) -> Assignment:
    """A saved assignment that has been running for a while before ``MONDAY``."""
    fields.setdefault("starts_on", MONDAY - timedelta(weeks=2))
    return factories.AssignmentFactory(couple=couple, **fields)


def counts_for(*assignments: Assignment):
    return checkin_day_counts([a.id for a in assignments], MONDAY, SUNDAY)


def test_each_step_counts_only_the_partners_own_checkins(actor, couple):
    assignment = homework(couple, assignee=Assignee.EACH)
    first, second = assignment.couple.partners
    log(assignment, first, MONDAY, times=2)
    log(assignment, second, FRIDAY)

    counts = counts_for(assignment)

    assert done_in_week(assignment, first.id, MONDAY, counts) == 2
    assert done_in_week(assignment, second.id, MONDAY, counts) == 1


def test_together_step_counts_each_day_once_whoever_logged_it(actor, couple):
    assignment = homework(couple, assignee=Assignee.TOGETHER)
    first, second = assignment.couple.partners
    log(assignment, first, MONDAY)
    log(assignment, second, MONDAY)  # the same evening, logged by both
    log(assignment, second, FRIDAY)

    counts = counts_for(assignment)

    assert done_in_week(assignment, first.id, MONDAY, counts) == 2
    assert done_in_week(assignment, second.id, MONDAY, counts) == 2


def test_checkins_outside_the_week_do_not_count(actor, couple):
    assignment = homework(couple)
    partner = assignment.couple.partners[0]
    log(assignment, partner, MONDAY - timedelta(days=1))
    log(assignment, partner, NEXT_MONDAY)
    log(assignment, partner, SUNDAY)

    counts = checkin_day_counts([assignment.id], MONDAY - timedelta(weeks=1), NEXT_MONDAY)

    assert done_in_week(assignment, partner.id, MONDAY, counts) == 1


def test_surplus_on_one_step_does_not_cover_another(actor, couple):
    partner = couple.partners[0]
    busy = homework(couple, times_per_week=3)
    idle = homework(couple, times_per_week=3)
    for day in range(5):
        log(busy, partner, MONDAY + timedelta(days=day))

    figure = partner_week(partner.id, [busy, idle], MONDAY, counts_for(busy, idle))

    assert (figure.target, figure.done) == (6, 3)
    assert figure.completion == 0.5


def test_partner_week_leaves_out_steps_given_to_the_other_partner(actor, couple):
    first, second = couple.partners
    mine = homework(couple, times_per_week=2)
    theirs = homework(
        couple, times_per_week=4, assignee=Assignee.PARTNER, assignee_partner_id=second.id
    )
    log(mine, first, MONDAY)

    figure = partner_week(first.id, [mine, theirs], MONDAY, counts_for(mine, theirs))

    assert (figure.target, figure.done) == (2, 1)


def test_checkin_day_counts_is_one_query(actor, counselor):
    assignments = [homework(factories.CoupleFactory(counselor=counselor)) for _ in range(3)]
    for assignment in assignments:
        log(assignment, assignment.couple.partners[0], MONDAY)
        log(assignment, assignment.couple.partners[1], FRIDAY, times=2)
    with count_statements() as counter:
        counts = counts_for(*assignments)

    assert counter.count == 1, counter.statements
    assert len(counts) == 6
    second = assignments[0].couple.partners[1]
    assert counts[(assignments[0].id, second.id)] == {FRIDAY: 2}
