"""Homework: assignments (ladder steps given to a couple), check-ins, and progress."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import g
from flask_smorest.error_handler import ErrorSchema
from marshmallow import fields, validate

from counselor.api.schemas.common import (
    MAX_ID,
    Args,
    ClinicalText,
    PageSchema,
    QueryArgs,
    ReflectionText,
    RungRefSchema,
    UtcDateTime,
    day,
    object_id,
    text,
    whole,
)
from counselor.api.schemas.couples import RemindersField
from counselor.api.schemas.step_words import StepInstructions, StepTitle
from counselor.ladder import TIMES_PER_WEEK_MAX, TIMES_PER_WEEK_MIN
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    CheckInSource,
    ReadinessSignal,
    ReplyKind,
)
from counselor.services import validation as bounds
from counselor.services.homework import reflections, replies, step_origin
from counselor.services.progress.live import WEEKS_DEFAULT, WEEKS_MAX, WEEKS_MIN

ASSIGNEE_DOC = {
    "description": '"each" (both partners, each with the target), "together" (one joint '
    "target) or the id of the one partner who does it.",
    "oneOf": [
        {"type": "string", "enum": [Assignee.EACH.value, Assignee.TOGETHER.value]},
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    ],
}


class AssigneeField(fields.Field):
    """``"each"``, ``"together"`` or a partner id."""

    default_error_messages = {"invalid": 'Use "each", "together" or the id of a partner.'}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata=ASSIGNEE_DOC, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str | int:
        if value in (Assignee.EACH.value, Assignee.TOGETHER.value):
            return str(value)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
            return value
        raise self.make_error("invalid")


def assignee_of(assignment: Assignment) -> str | int:
    # A partner is named exactly when the assignee is "partner" (a check constraint).
    if assignment.assignee_partner_id is not None:
        return assignment.assignee_partner_id
    return assignment.assignee.value


class AssignmentSchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    couple_id = fields.Integer(dump_only=True, required=True)
    rung = fields.Nested(RungRefSchema, dump_only=True, required=True)
    template_key = fields.Function(
        step_origin.ladder_key,
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={
            "type": "string",
            "description": "The key of the ladder step it was given from (as GET /ladder "
            "lists it: a step of the practice's own has its own key); null if custom.",
        },
    )
    template_source = fields.Function(
        step_origin.template_source,
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={
            "type": "string",
            "enum": ["base", "practice", None],
            "description": '"base": given in the shipped ladder\'s words; "practice": in '
            "the practice's own text for a shipped step, or a step of the practice's own; "
            "null if custom.",
        },
    )
    template_version = fields.Integer(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": "The shipped step's version it was given at; null if none."},
    )
    words_from_ladder = fields.Boolean(
        dump_only=True,
        required=True,
        metadata={
            "description": "Whether the title and instructions are the ladder's as given; "
            "false for a custom step or one reworded for the couple (clinical text)."
        },
    )
    title = StepTitle()
    instructions = StepInstructions()
    assignee = fields.Function(assignee_of, required=True, metadata=ASSIGNEE_DOC)
    times_per_week = fields.Integer(required=True)
    starts_on = fields.Date(required=True)
    due_on = fields.Date(required=True, allow_none=True)
    status = fields.Enum(AssignmentStatus, by_value=True, dump_only=True, required=True)
    ended_on = fields.Date(dump_only=True, required=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True, required=True)
    updated_at = UtcDateTime(dump_only=True, required=True)


class AssignmentPageSchema(PageSchema):
    items = fields.List(fields.Nested(AssignmentSchema), required=True)


class AssignmentArgs(Args):
    """A step from the ladder (``template_key``) or a custom one (``title``, ``instructions``
    and ``rung_key``); a template's title, text and weekly target can be overridden."""

    template_key = text(
        bounds.TEMPLATE_KEY_MAX, metadata={"description": "A template key from GET /ladder."}
    )
    rung_key = text(
        bounds.TEMPLATE_KEY_MAX,
        metadata={"description": "A custom step's rung (key from /ladder)."},
    )
    title = text(bounds.TITLE_MAX)
    instructions = text(bounds.INSTRUCTIONS_MAX)
    assignee = AssigneeField(required=True)
    times_per_week = whole(TIMES_PER_WEEK_MIN, TIMES_PER_WEEK_MAX)
    starts_on = day(metadata={"description": "Default: today in the practice's time zone."})
    due_on = day(allow_none=True)
    notify = fields.Boolean(
        load_default=True, metadata={"description": "Email the partners about it."}
    )
    send_now = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Send that email now, even inside a partner's quiet hours; "
            "otherwise it waits for the partner's next allowed hour."
        },
    )
    allow_duplicate = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Assign it even though the couple already has this step active "
            "(the same template, or a custom step with the same title on the same rung); "
            "without it such a request answers 409."
        },
    )


class DuplicateStepSchema(ma.Schema):
    existing_assignment_id = fields.Integer(required=True)
    existing_starts_on = fields.Date(required=True)


class DuplicateStepErrorSchema(ErrorSchema):
    """The error envelope; a 409 for a step already active also names that step."""

    details = fields.Nested(
        DuplicateStepSchema,
        metadata={"description": "Only when the step is already active: the active one."},
    )


class AssignmentChangesArgs(Args):
    """Fields left out keep their value; ``status`` ends the step or reopens it."""

    title = text(bounds.TITLE_MAX)
    instructions = text(bounds.INSTRUCTIONS_MAX)
    assignee = AssigneeField()
    times_per_week = whole(TIMES_PER_WEEK_MIN, TIMES_PER_WEEK_MAX)
    starts_on = day()
    due_on = day(allow_none=True)
    status = fields.String(
        validate=validate.OneOf([s.value for s in AssignmentStatus]),
        metadata={
            "description": '"completed" or "cancelled" ends the step; "active" reopens an '
            "ended one, its check-ins intact. Either is harmless when already so."
        },
    )


class ReplySchema(ma.Schema):
    kind = fields.Enum(
        ReplyKind,
        by_value=True,
        required=True,
        metadata={
            "description": '"partner": the other partner\'s one reply to a shared '
            'reflection; "counselor": the counselor\'s note, which the partner who wrote '
            "the reflection reads on their page."
        },
    )
    body = ClinicalText(
        metadata={
            "description": "Client text, like the reflection: never in an email, a log or a "
            "webhook. Empty once the couple is erased."
        },
    )
    created_at = UtcDateTime(required=True)
    removed = fields.Function(
        lambda reply: reply.removed_at is not None,
        required=True,
        metadata={
            "type": "boolean",
            "description": "Taken back by its author: the partner no longer reads it.",
        },
    )


class RepliesField(fields.List):
    """A check-in's replies, read once for a whole page (``CheckInPageSchema``) or, for one
    check-in, on their own."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.Nested(ReplySchema), dump_only=True, required=True, **kwargs)

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = None) -> Any:
        loaded = g.get("checkin_replies")
        if loaded is None or obj.id not in loaded:
            loaded = replies.replies_on([obj.id])
        return loaded[obj.id]


class CheckInSchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    assignment_id = fields.Integer(dump_only=True, required=True)
    partner_id = fields.Integer(required=True)
    occurred_on = fields.Date(required=True)
    comfort = fields.Integer(required=True, allow_none=True)
    reflection = ReflectionText(
        allow_none=True,
        metadata={
            "description": "What the partner wrote; null if nothing. A reflection taken "
            "back from the other partner is here too (see `reflection_withdrawn_at`): the "
            "counselor still reads it."
        },
    )
    share_with_partner = fields.Function(
        reflections.is_shared,
        required=True,
        metadata={
            "type": "boolean",
            "description": "Whether the partner shared the reflection and has not taken it "
            "back. With reveal together, the other partner reads it once they have written "
            "theirs for that week, or once the week has ended.",
        },
    )
    source = fields.Enum(CheckInSource, by_value=True, dump_only=True, required=True)
    created_at = UtcDateTime(dump_only=True, required=True)
    edited_at = UtcDateTime(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": "When the partner last changed it (they may, for 7 days)."},
    )
    reflection_withdrawn_at = UtcDateTime(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={
            "description": "When the partner took back a reflection they had shared: the other "
            "partner no longer sees it (`share_with_partner` is false); null if they did not."
        },
    )
    replies = RepliesField(
        metadata={
            "description": "At most one reply of each kind, read-only: the other partner's "
            "and the counselor's note (written on the couple's page). Not a thread."
        }
    )


class CheckInPageSchema(PageSchema):
    items = fields.List(fields.Nested(CheckInSchema), required=True)

    @ma.pre_dump
    def load_replies(self, page: Any, **_kwargs: Any) -> Any:
        """The page's replies in one query, for ``RepliesField``."""
        g.checkin_replies = replies.replies_on(c.id for c in page.items)
        return page


class CheckInArgs(Args):
    partner_id = object_id(required=True)
    occurred_on = day(metadata={"description": "Default: the partner's today."})
    comfort = whole(1, 5, allow_none=True)
    reflection = text(bounds.REFLECTION_MAX, allow_none=True)
    share_with_partner = fields.Boolean(load_default=False)


class ProgressArgs(QueryArgs):
    weeks = whole(
        WEEKS_MIN,
        WEEKS_MAX,
        strict=False,
        load_default=WEEKS_DEFAULT,
        metadata={"description": "How many weeks back, this week included."},
    )


class WeekSchema(ma.Schema):
    week_start = fields.Date(required=True, metadata={"description": "Monday, partner's time."})
    target = fields.Integer(required=True)
    done = fields.Integer(required=True)
    completion = fields.Float(
        required=True, allow_none=True, metadata={"description": "0–1; null if nothing due."}
    )
    mean_comfort = fields.Float(required=True, allow_none=True)


class StepProgressSchema(ma.Schema):
    assignment_id = fields.Integer(attribute="assignment.id", required=True)
    title = StepTitle(of="assignment")
    status = fields.Enum(
        AssignmentStatus, by_value=True, attribute="assignment.status", required=True
    )
    rung = fields.Nested(RungRefSchema, attribute="assignment.rung", required=True)
    weeks = fields.List(fields.Nested(WeekSchema), required=True)


class PartnerProgressSchema(ma.Schema):
    partner_id = fields.Integer(attribute="partner.id", required=True)
    first_name = fields.String(attribute="partner.first_name", required=True)
    streak_weeks = fields.Integer(
        required=True, metadata={"description": "Consecutive weeks with every step on target."}
    )
    mean_comfort = fields.Float(required=True, allow_none=True)
    readiness = fields.Enum(
        ReadinessSignal,
        by_value=True,
        required=True,
        allow_none=True,
        metadata={
            "description": "The current suggestion, judged on the partner's last two finished "
            "weeks (the same the dashboard and the pre-session report show): "
            '"ready_to_move_up" when every step of the current rung was at 80% or more in '
            'both (never on the top rung), "discuss_barriers" when steps were due and none '
            "was done in both, else null. The counselor decides."
        },
    )
    reminders = RemindersField(partner="partner")
    weeks = fields.List(fields.Nested(WeekSchema), required=True)
    assignments = fields.List(fields.Nested(StepProgressSchema), attribute="steps", required=True)


class ProgressSchema(ma.Schema):
    couple_id = fields.Integer(attribute="couple.id", required=True)
    weeks = fields.Integer(required=True)
    current_rung = fields.Nested(RungRefSchema, required=True, allow_none=True)
    readiness = fields.Enum(
        ReadinessSignal,
        by_value=True,
        attribute="readiness.signal",
        required=True,
        allow_none=True,
        metadata={
            "description": "The couple's suggestion, from its partners': "
            '"discuss_barriers" when either partner\'s is; "ready_to_move_up" when every '
            "partner with a step on the current rung is ready; else null. The same the "
            "couple page and the pre-session report show."
        },
    )
    partners = fields.List(fields.Nested(PartnerProgressSchema), required=True)
