"""The couple's homework as one FHIR ``CarePlan`` and a ``Task`` per step per partner.

A step (``Assignment``) is done by one partner or by both (each, or together: docs/design.md,
*Assignee*), so it becomes one Task for each partner who does it, ``for`` that partner. The
CarePlan's activities reference those Tasks (``CarePlan.activity.reference`` allows a Task
in R4), one activity per Task; each Task is ``basedOn`` the CarePlan and lists its
partner's check-ins (Observations) as its ``output``.
"""

from __future__ import annotations

from collections.abc import Iterable

from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    CheckIn,
    Couple,
    CoupleStatus,
    Partner,
)
from counselor.services.fhir.ids import (
    Resource,
    care_plan_id,
    group_id,
    instant,
    latest,
    meta,
    observation_id,
    patient_id,
    reference,
    task_id,
)
from counselor.services.homework import step_origin
from counselor.services.progress import week_rules

CATEGORY_TEXT = "couples homework"
# No standard code fits "between-session homework for a couple": the category is text only.
CARE_PLAN_STATUS: dict[CoupleStatus, str] = {
    CoupleStatus.ACTIVE: "active",
    CoupleStatus.PAUSED: "on-hold",  # resumable: the counselor paused the homework
    CoupleStatus.CLOSED: "completed",  # the counselling ended (an erased couple is closed)
}
TASK_STATUS: dict[AssignmentStatus, str] = {
    AssignmentStatus.ACTIVE: "in-progress",
    AssignmentStatus.COMPLETED: "completed",
    AssignmentStatus.CANCELLED: "cancelled",
}
DONE_BY: dict[Assignee, str] = {
    Assignee.EACH: "each partner",
    Assignee.TOGETHER: "both partners together",
    Assignee.PARTNER: "one partner",
}


def doers(assignment: Assignment, partners: list[Partner]) -> list[Partner]:
    """The partners who do the step, in their order (``week_rules.does_step``)."""
    return [p for p in partners if week_rules.does_step(assignment, p.id)]


def task(
    assignment: Assignment,
    partner: Partner,
    checkins: Iterable[CheckIn],
    *,
    clinical_text: bool,
) -> Resource:
    """The partner's part of the step; ``checkins`` are theirs on it. Its words as a host
    may read them (``step_origin.host_step_words``): words written for the couple, only
    with ``clinical_text``."""
    words = step_origin.host_step_words(assignment, clinical_text=clinical_text)
    resource: Resource = {
        "resourceType": "Task",
        "id": task_id(assignment.id, partner.id),
        **meta(assignment.updated_at),
        "basedOn": [reference("CarePlan", care_plan_id(assignment.couple_id))],
        "status": TASK_STATUS[assignment.status],
        "intent": "plan",
        "description": words.title,
        "for": reference("Patient", patient_id(partner.id)),
        "executionPeriod": _period(assignment),
        "authoredOn": instant(assignment.created_at),
        # R4's inv-1: never before authoredOn.
        "lastModified": instant(latest(assignment.created_at, assignment.updated_at)),
        "owner": reference("Patient", patient_id(partner.id)),
    }
    if words.instructions:
        resource["note"] = [{"text": words.instructions}]
    resource["input"] = [
        {"type": {"text": "times per week"}, "valueInteger": assignment.times_per_week},
        {"type": {"text": "done by"}, "valueString": DONE_BY[assignment.assignee]},
        {"type": {"text": "ladder rung"}, "valueString": assignment.rung.title},
    ]
    outputs = [
        {
            "type": {"text": "check-in"},
            "valueReference": reference("Observation", observation_id(c.id)),
        }
        for c in checkins
    ]
    if outputs:
        resource["output"] = outputs
    return resource


def _period(assignment: Assignment) -> Resource:
    """From its first day to its last: the due date, or the day it was ended when earlier
    (``week_rules.active_until``, the rule the weekly targets count by). A step ended before
    its first day (cancelled before it started) never ran: it has no end, since FHIR's
    per-1 forbids an end before the start and any end we chose would be invented; its
    status says it was cancelled."""
    period = {"start": assignment.starts_on.isoformat()}
    end = week_rules.active_until(assignment)
    if end is not None and end >= assignment.starts_on:
        period["end"] = end.isoformat()
    return period


def care_plan(couple: Couple, tasks: list[Resource], assignments: list[Assignment]) -> Resource:
    """The couple's homework plan: one activity per Task, in the Tasks' order. It changes
    when the couple does and when a step is added (each Task keeps its own time)."""
    resource: Resource = {
        "resourceType": "CarePlan",
        "id": care_plan_id(couple.id),
        **meta(latest(couple.updated_at, *(a.created_at for a in assignments))),
        "status": CARE_PLAN_STATUS[couple.status],
        "intent": "plan",
        "category": [{"text": CATEGORY_TEXT}],
        "title": "Couples homework",
        "subject": reference("Group", group_id(couple.id)),
    }
    period = {"start": instant(couple.created_at)}
    if couple.closed_at is not None:
        period["end"] = instant(couple.closed_at)
    resource["period"] = period
    resource["created"] = instant(couple.created_at)
    if tasks:
        resource["activity"] = [{"reference": reference("Task", t["id"])} for t in tasks]
    return resource
