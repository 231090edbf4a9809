"""A couple's data on request: the export document (docs/data-export.md) and the answer
to an erasure."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from counselor.api.schemas.common import ClinicalText, ReflectionText, UtcDateTime
from counselor.api.schemas.step_words import INSTRUCTIONS_DESCRIPTION, TITLE_DESCRIPTION


def instant(null: bool = False, description: str | None = None) -> UtcDateTime:
    metadata = {"description": description} if description else {}
    return UtcDateTime(dump_only=True, required=True, allow_none=null, metadata=metadata)


# The compile rewrites only the couples changed since its previous run: a row's time is
# when it was last recompiled, not when its figures were last checked.
LAST_RECOMPILED = (
    "When the progress compile last rewrote this row. The nightly compile recompiles only "
    "the couples whose data changed since its previous run (every couple as the week "
    "turns), so an unchanged couple's rows keep an earlier time and are still current."
)


def day(null: bool = False) -> fields.Date:
    return fields.Date(dump_only=True, required=True, allow_none=null)


def number(null: bool = False, **kwargs: Any) -> fields.Integer:
    return fields.Integer(dump_only=True, required=True, allow_none=null, **kwargs)


def string(null: bool = False, **kwargs: Any) -> fields.String:
    return fields.String(dump_only=True, required=True, allow_none=null, **kwargs)


def clinical_text(null: bool = False, **kwargs: Any) -> ClinicalText:
    """What a partner or counselor wrote: only for a key with the clinical_text scope."""
    return ClinicalText(dump_only=True, allow_none=null, **kwargs)


class ExportPracticeSchema(ma.Schema):
    id = number()
    name = string()
    timezone = string()


class ExportCounselorSchema(ma.Schema):
    id = number()
    name = string()


class ExportCoupleSchema(ma.Schema):
    id = number()
    label = string()
    status = string(metadata={"description": "active, paused or closed."})
    external_id = string(null=True)
    counselor = fields.Nested(ExportCounselorSchema, dump_only=True, required=True)
    created_at = instant()
    updated_at = instant()
    closed_at = instant(null=True)
    erased_at = instant(null=True)
    reveal_together = fields.Boolean(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": "null: the practice's choice."},
    )
    weekly_checkin = fields.Boolean(dump_only=True, required=True)


class ExportPartnerSchema(ma.Schema):
    id = number()
    position = number()
    first_name = string()
    email = string()
    timezone = string()
    reminder_hour = number()
    quiet_start_hour = number()
    quiet_end_hour = number()
    snoozed_until = instant(null=True)
    unsubscribed_at = instant(null=True)
    reminder_cadence = string(
        null=True, metadata={"description": "off, gentle or standard; null: the practice's."}
    )
    cadence_lowered_at = instant(null=True)
    created_at = instant()


class ExportRungSchema(ma.Schema):
    id = number()
    key = string()
    position = number()
    title = string()


class ExportAssignmentSchema(ma.Schema):
    id = number()
    title = string(metadata={"description": TITLE_DESCRIPTION})
    instructions = fields.String(dump_only=True, metadata={"description": INSTRUCTIONS_DESCRIPTION})
    rung = fields.Nested(ExportRungSchema, dump_only=True, required=True)
    template_key = string(
        null=True,
        metadata={"description": "The key of the ladder step it came from; null if custom."},
    )
    template_source = string(
        null=True,
        metadata={
            "description": "base (the shipped ladder's words), practice (the practice's own "
            "text or step) or null (custom)."
        },
    )
    template_version = number(null=True)
    words_from_ladder = fields.Boolean(dump_only=True, required=True)
    assignee = string(metadata={"description": "each, together or partner."})
    assignee_partner_id = number(null=True)
    times_per_week = number()
    leans_on_partner = fields.Boolean(dump_only=True, required=True)
    starts_on = day()
    due_on = day(null=True)
    status = string(metadata={"description": "active, completed or cancelled."})
    created_at = instant()
    updated_at = instant()
    ended_at = instant(null=True)
    ended_on = day(null=True)


class ExportCheckInSchema(ma.Schema):
    id = number()
    assignment_id = number()
    partner_id = number()
    occurred_on = day()
    comfort = number(null=True)
    reflection = ReflectionText(dump_only=True, allow_none=True)
    visibility = string(metadata={"description": "counselor or shared."})
    source = string(metadata={"description": "link, dashboard or api."})
    created_at = instant()
    edited_at = instant(null=True)
    reflection_withdrawn_at = instant(null=True)


class ExportAcknowledgementSchema(ma.Schema):
    id = number()
    checkin_id = number()
    partner_id = number(metadata={"description": "The partner who was leaned on."})
    noticed = string(metadata={"description": "yes, not_sure or no."})
    felt_valued = number(null=True)
    note = clinical_text(null=True, metadata={"description": "Client text; null once erased."})
    visibility = string(metadata={"description": "counselor or shared."})
    created_at = instant()


class ExportReplySchema(ma.Schema):
    id = number()
    checkin_id = number()
    kind = string(metadata={"description": "partner or counselor."})
    partner_id = number(null=True)
    counselor_id = number(null=True)
    body = clinical_text(metadata={"description": 'Client text; "" once erased.'})
    created_at = instant()
    removed_at = instant(null=True)


class ExportWeeklyAnswerSchema(ma.Schema):
    partner_id = number()
    week_start = day()
    item_key = string()
    item_version = number()
    score = number()
    created_at = instant()
    updated_at = instant()


class ExportSessionSchema(ma.Schema):
    id = number()
    starts_at = instant()
    external_id = string(null=True)
    agenda = clinical_text(null=True, metadata={"description": "What to cover; client text."})
    notes = clinical_text(
        null=True, metadata={"description": "The counselor's notes; client text."}
    )
    created_at = instant()
    removed_at = instant(null=True)


class ExportReportSchema(ma.Schema):
    id = number()
    session_id = number(null=True)
    status = string()
    period_start = day(null=True)
    period_end = day(null=True)
    file_name = string(null=True)
    sha256 = string(null=True)
    size_bytes = number(null=True)
    requested_by = string()
    created_at = instant()
    generated_at = instant(null=True)
    file_purged_at = instant(null=True)


class ExportEmailSchema(ma.Schema):
    id = number()
    to = string(metadata={"description": "partner or counselor."})
    partner_id = number(null=True)
    kind = string()
    report_id = number(null=True)
    status = string()
    attempts = number()
    created_at = instant()
    sent_at = instant(null=True)


class ExportLinkSchema(ma.Schema):
    id = number()
    partner_id = number()
    purpose = string()
    created_at = instant()
    expires_at = instant()
    revoked_at = instant(null=True)
    last_used_at = instant(null=True)


class ExportDeliverySchema(ma.Schema):
    id = number()
    endpoint_id = number()
    event = string()
    status = string()
    attempts = number()
    created_at = instant()
    delivered_at = instant(null=True)


class ExportPartnerWeekSchema(ma.Schema):
    partner_id = number()
    week_start = day()
    target = number()
    done = number()
    mean_comfort = fields.Float(dump_only=True, required=True, allow_none=True)
    streak_weeks = number()
    signal = string(null=True)
    computed_at = instant(description=LAST_RECOMPILED)


class ExportStepWeekSchema(ma.Schema):
    assignment_id = number()
    partner_id = number()
    week_start = day()
    target = number()
    done = number()
    comfort_sum = number()
    comfort_count = number()
    computed_at = instant(description=LAST_RECOMPILED)


class ExportReminderEffectSchema(ma.Schema):
    partner_id = number()
    weekday = number(metadata={"description": "0 Monday to 6 Sunday."})
    window_start = day()
    window_end = day()
    reminders = number()
    reminders_followed = number()
    quiet_days = number()
    quiet_days_followed = number()
    computed_at = instant()


class ExportProgressSchema(ma.Schema):
    partner_weeks = fields.List(fields.Nested(ExportPartnerWeekSchema), required=True)
    step_weeks = fields.List(fields.Nested(ExportStepWeekSchema), required=True)
    reminder_effects = fields.List(fields.Nested(ExportReminderEffectSchema), required=True)


def _many(schema: type[ma.Schema]) -> fields.List:
    return fields.List(fields.Nested(schema), dump_only=True, required=True)


class CoupleExportSchema(ma.Schema):
    """Everything stored about one couple (docs/data-export.md, field by field)."""

    format_version = number(metadata={"description": "1; a change that breaks readers raises it."})
    exported_at = instant()
    practice = fields.Nested(ExportPracticeSchema, dump_only=True, required=True)
    couple = fields.Nested(ExportCoupleSchema, dump_only=True, required=True)
    partners = _many(ExportPartnerSchema)
    assignments = _many(ExportAssignmentSchema)
    checkins = _many(ExportCheckInSchema)
    acknowledgements = _many(ExportAcknowledgementSchema)
    reflection_replies = _many(ExportReplySchema)
    weekly_answers = _many(ExportWeeklyAnswerSchema)
    sessions = _many(ExportSessionSchema)
    reports = _many(ExportReportSchema)
    emails = _many(ExportEmailSchema)
    links = _many(ExportLinkSchema)
    webhook_deliveries = _many(ExportDeliverySchema)
    progress = fields.Nested(ExportProgressSchema, dump_only=True, required=True)


class ErasureSchema(ma.Schema):
    couple_id = number()
    erased_at = instant()
