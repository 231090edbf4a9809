"""Do reminders help? A couple's partners' figures, as the couple page shows them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from counselor.services.progress.reminder_effect import FOLLOW_HOURS, WINDOW_WEEKS
from counselor.services.progress.reminder_figures import MIN_QUIET_DAYS, MIN_REMINDERS

RATE = "0–1; null when there is nothing to divide by."


class PartnerReminderEffectSchema(ma.Schema):
    partner_id = fields.Integer(dump_only=True, required=True)
    reminders = fields.Integer(
        dump_only=True,
        required=True,
        metadata={"description": f"Reminders sent in the last {WINDOW_WEEKS} weeks."},
    )
    reminders_followed = fields.Integer(
        dump_only=True,
        required=True,
        metadata={
            "description": f"Of those, followed by the partner's check-in within "
            f"{FOLLOW_HOURS} hours."
        },
    )
    quiet_days = fields.Integer(
        dump_only=True,
        required=True,
        metadata={"description": "Comparable days without a reminder."},
    )
    quiet_days_followed = fields.Integer(
        dump_only=True,
        required=True,
        metadata={
            "description": f"Of those, followed by a check-in within {FOLLOW_HOURS} hours of "
            "the partner's reminder hour."
        },
    )
    rate_with_reminder = fields.Float(
        dump_only=True, required=True, allow_none=True, metadata={"description": RATE}
    )
    rate_without_reminder = fields.Float(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": f"Re-weighted to the reminders' weekdays. {RATE}"},
    )
    difference = fields.Float(dump_only=True, required=True, allow_none=True)
    enough_to_judge = fields.Boolean(
        dump_only=True,
        required=True,
        metadata={
            "description": f"At least {MIN_REMINDERS} reminders and {MIN_QUIET_DAYS} "
            "comparable days."
        },
    )
    verdict = fields.String(
        dump_only=True,
        required=True,
        metadata={"description": 'e.g. "n = 14 reminders; too few to judge".'},
    )
    caveat = fields.String(dump_only=True, required=True)
    cadence = fields.String(
        dump_only=True,
        required=True,
        metadata={"description": "The cadence the partner's reminders follow now."},
    )
    cadence_lowered_at = fields.DateTime(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": "When the adaptive cadence eased them to gentle, if it did."},
    )


class ReminderEffectSchema(ma.Schema):
    couple_id = fields.Integer(dump_only=True, required=True)
    partners = fields.List(
        fields.Nested(PartnerReminderEffectSchema), dump_only=True, required=True
    )
