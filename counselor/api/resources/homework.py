"""Assignments, check-ins and progress."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import request
from flask.views import MethodView

from counselor.api import bp
from counselor.api.guard import IDEMPOTENCY_HEADER, current_actor, set_audited_object
from counselor.api.resources import errors, idempotent
from counselor.api.schemas.common import PageArgs
from counselor.api.schemas.homework import (
    AssignmentArgs,
    AssignmentChangesArgs,
    AssignmentPageSchema,
    AssignmentSchema,
    CheckInArgs,
    CheckInPageSchema,
    CheckInSchema,
    DuplicateStepErrorSchema,
    ProgressArgs,
    ProgressSchema,
    assignee_of,
)
from counselor.models import Assignment, AssignmentStatus, CheckIn, CheckInSource
from counselor.services.errors import InvalidInput
from counselor.services.homework import assignments, checkins, ladder, lifecycle
from counselor.services.homework.assignments import AssignmentChanges, AssignmentInput
from counselor.services.homework.checkins import CheckInInput
from counselor.services.pages import api_lists
from counselor.services.progress import live
from counselor.tenancy import get_in_practice

DUPLICATE_409 = (
    "The couple already has this step active (`details` names it; send "
    "`allow_duplicate: true` to assign it again), or the Idempotency-Key was used for "
    "another request or is still in flight."
)


@bp.route("/couples/<id:couple_id>/assignments")
class CoupleAssignments(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, AssignmentPageSchema)
    @errors(404)
    def get(self, args: dict[str, Any], couple_id: int) -> api_lists.Page[Assignment]:
        """List a couple's assignments, oldest first"""
        return api_lists.assignments_page(couple_id, args["page"], args["page_size"])

    @bp.arguments(AssignmentArgs)
    @bp.response(201, AssignmentSchema)
    @errors(400, 404, 422)
    @bp.alt_response(409, schema=DuplicateStepErrorSchema, description=DUPLICATE_409)
    @idempotent
    def post(self, data: dict[str, Any], couple_id: int) -> tuple[Assignment, int]:
        """Assign homework: a step from the ladder, or a custom one

        With ``notify`` (the default) the partners who do the step are emailed, at their
        next allowed hour unless ``send_now``. A step the couple already has active
        answers 409 unless ``allow_duplicate``."""
        rung_id = None
        if data.get("rung_key"):
            rung = ladder.rung_by_key(data["rung_key"])
            if rung is None:
                raise InvalidInput.single("rung_key", "No rung with this key on the ladder.")
            rung_id = rung.id
        assignment = assignments.assign_homework(
            current_actor(),
            couple_id,
            AssignmentInput(
                assignee=data["assignee"],
                template_key=data.get("template_key"),
                rung_id=rung_id,
                title=data.get("title"),
                instructions=data.get("instructions"),
                times_per_week=data.get("times_per_week"),
                starts_on=data.get("starts_on"),
                due_on=data.get("due_on"),
                notify=data["notify"],
                send_now=data["send_now"],
                allow_duplicate=data["allow_duplicate"],
            ),
        )
        set_audited_object("assignment", assignment.id)
        return assignment, 201


@bp.route("/assignments/<id:assignment_id>")
class AssignmentById(MethodView):
    @bp.arguments(AssignmentChangesArgs)
    @bp.response(200, AssignmentSchema)
    @errors(400, 404, 422)
    def patch(self, changes: dict[str, Any], assignment_id: int) -> Assignment:
        """Change an assignment's target, dates or text, or end it

        ``status`` ``completed`` or ``cancelled`` ends the step, ``active`` reopens it with its
        check-ins; either is harmless when the step already has that status.
        """
        actor = current_actor()
        assignment = get_in_practice(Assignment, assignment_id)
        status = changes.pop("status", None)
        if changes:
            assignment = assignments.update_assignment(
                actor,
                assignment.id,
                AssignmentChanges(
                    title=changes.get("title", assignment.title),
                    instructions=changes.get("instructions", assignment.instructions),
                    assignee=changes.get("assignee", assignee_of(assignment)),
                    times_per_week=changes.get("times_per_week", assignment.times_per_week),
                    starts_on=changes.get("starts_on", assignment.starts_on),
                    due_on=changes.get("due_on", assignment.due_on),
                ),
            )
        if status is not None:
            assignment = lifecycle.set_status(actor, assignment.id, AssignmentStatus(status))
        return assignment


@bp.route("/assignments/<id:assignment_id>/checkins")
class AssignmentCheckIns(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, CheckInPageSchema)
    @errors(404)
    def get(self, args: dict[str, Any], assignment_id: int) -> api_lists.Page[CheckIn]:
        """List an assignment's check-ins, the latest day first"""
        return api_lists.checkins_page(assignment_id, args["page"], args["page_size"])

    @bp.arguments(CheckInArgs)
    @bp.response(201, CheckInSchema)
    @errors(400, 404, 409, 422)
    @idempotent
    def post(self, data: dict[str, Any], assignment_id: int) -> tuple[CheckIn, int]:
        """Record a check-in on a partner's behalf

        With an Idempotency-Key, retrying the call records one check-in."""
        check_in, _created = checkins.record_checkin(
            current_actor(),
            assignment_id,
            CheckInInput(source=CheckInSource.API, idempotency_key=_checkin_key(), **data),
        )
        set_audited_object("checkin", check_in.id)
        return check_in, 201


def _checkin_key() -> str | None:
    """The check-in's own deduplication key, from the request's Idempotency-Key (which may
    be longer than the column): a retried call is one check-in even after the replay
    record has expired."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    return "api:" + hashlib.sha256(key.encode()).hexdigest()[:56] if key else None


@bp.route("/couples/<id:couple_id>/progress")
class CoupleProgress(MethodView):
    @bp.arguments(ProgressArgs, location="query")
    @bp.response(200, ProgressSchema)
    @errors(404)
    def get(self, args: dict[str, Any], couple_id: int) -> live.CoupleProgress:
        """A couple's progress over the last weeks, computed now

        Per partner (in total and per assignment) and per local week (Monday start):
        target, done and completion (0–1, null when nothing was due), mean comfort;
        with each partner's streak of weeks on target and readiness suggestion, and the
        couple's current rung."""
        return live.couple_progress(couple_id, args["weeks"])
