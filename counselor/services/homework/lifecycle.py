"""A step's life after it is given: ending it as completed or cancelled, and reopening it.

Ending a step deletes nothing: its check-ins stay, and so do its figures up to the day it
ended. Reopening undoes the ending: the step is active again with every check-in it had,
and it counts again from its start date (the days it spent ended included; a partner may
back-date the check-ins of those days as usual).

Webhooks: completing a step emits ``assignment.completed``. Reopening emits nothing and
does not retract that event (a host that must know re-reads the assignment's ``status``);
completing the step again emits ``assignment.completed`` again.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Assignment, AssignmentStatus, CheckIn, CoupleStatus
from counselor.services.audit import Actor, record_event
from counselor.services.delivery import webhooks
from counselor.services.errors import InvalidInput
from counselor.services.homework.assignments import practice_today
from counselor.tenancy import get_in_practice


def end_assignment(actor: Actor, assignment_id: int, status: AssignmentStatus) -> Assignment:
    """Mark a step completed or cancelled; ending it twice changes nothing."""
    if status not in (AssignmentStatus.COMPLETED, AssignmentStatus.CANCELLED):
        raise InvalidInput.single("status", "A step can be ended as completed or cancelled.")
    assignment = get_in_practice(Assignment, assignment_id)
    if assignment.status == status:
        return assignment
    if assignment.status != AssignmentStatus.ACTIVE:
        raise InvalidInput.single("status", f"This step is already {assignment.status.value}.")
    assignment.status = status
    assignment.ended_at = timeutil.utcnow()
    assignment.ended_on = practice_today(actor.practice_id)
    record_event(actor, f"assignment.{status.value}", "assignment", assignment.id)
    if status == AssignmentStatus.COMPLETED:
        webhooks.emit(
            actor.practice_id,
            "assignment.completed",
            {"assignment_id": assignment.id, "couple_id": assignment.couple_id},
        )
    return assignment


def reopen_assignment(actor: Actor, assignment_id: int) -> Assignment:
    """Make a completed or cancelled step active again, its history intact (the undo of
    ``end_assignment``); reopening an active step changes nothing."""
    assignment = get_in_practice(Assignment, assignment_id)
    if assignment.status == AssignmentStatus.ACTIVE:
        return assignment
    if assignment.couple.status == CoupleStatus.CLOSED:
        raise InvalidInput.single(
            "status", "This couple is closed: reopen the couple before reopening its steps."
        )
    assignment.status = AssignmentStatus.ACTIVE
    assignment.ended_at = None
    assignment.ended_on = None
    record_event(actor, "assignment.reopen", "assignment", assignment.id)
    return assignment


def set_status(actor: Actor, assignment_id: int, status: AssignmentStatus) -> Assignment:
    """End a step (completed, cancelled) or reopen it (active): the API's ``status``."""
    if status == AssignmentStatus.ACTIVE:
        return reopen_assignment(actor, assignment_id)
    return end_assignment(actor, assignment_id, status)


@dataclass(frozen=True)
class CheckInHistory:
    """How much a step holds: what the confirmation of ending it says stays on record."""

    checkins: int
    weeks: int  # the distinct local weeks (Monday start) with at least one check-in


def checkin_history(assignment_id: int) -> CheckInHistory:
    assignment = get_in_practice(Assignment, assignment_id)
    rows = db.session.execute(
        sa.select(CheckIn.occurred_on, sa.func.count())
        .where(CheckIn.assignment_id == assignment.id)
        .group_by(CheckIn.occurred_on)
    ).all()
    weeks = {timeutil.week_start(day) for day, _count in rows}
    return CheckInHistory(sum(count for _day, count in rows), len(weeks))
