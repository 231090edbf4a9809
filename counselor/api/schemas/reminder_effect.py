"""Do reminders help? A couple's partners' figures, as the couple page shows them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from counselor.services.progress.reminder_effect import FOLLOW_HOURS, WINDOW_WEEKS
from counselor.services.progress.reminder_figures import MIN_QUIET_DAYS, MIN_REMINDERS, NOT_MEASURED

RATE = "0–1; null when there is nothing to divide by."


class PartnerReminderEffectSchema(ma.Schema):
    partner_id = fields.Integer(dump_only=True, required=True)
    measured = fields.Boolean(
        dump_only=True,
        required=True,
        metadata={
            "description": "False until the nightly job has measured the partner: then there "
            "are no figures yet (counts 0, rates null, `caveat` empty, `enough_to_judge` "
            f'false) and `verdict` is "{NOT_MEASURED}".'
        },
    )
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
        metadata={
            "description": "Comparable days without a reminder (days on which one could have gone)."
        },
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
        metadata={
            "description": "The comparable days' follow rate, weighted stratum by stratum (a "
            "stratum is the partner's weekday) by the reminders in each, so it compares like "
            "with like; not `quiet_days_followed / quiet_days`, which the verdict gives beside "
            f"it. {RATE}"
        },
    )
    difference = fields.Float(dump_only=True, required=True, allow_none=True)
    enough_to_judge = fields.Boolean(
        dump_only=True,
        required=True,
        metadata={
            "description": f"At least {MIN_REMINDERS} reminders and {MIN_QUIET_DAYS} "
            "comparable days in the strata compared (the partner's weekdays that had "
            "reminders; days on other weekdays do not count)."
        },
    )
    verdict = fields.String(
        dump_only=True,
        required=True,
        metadata={
            "description": 'e.g. "n = 14 reminders; too few to judge", or the two rates '
            "with the unweighted count beside the weighted one."
        },
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
