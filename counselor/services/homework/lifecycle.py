"""A step's life after it is given: ending it as completed or cancelled."""

from __future__ import annotations

from counselor import timeutil
from counselor.models import Assignment, AssignmentStatus
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
