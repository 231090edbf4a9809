"""Do reminders help this couple? Each partner's figures from the nightly snapshot, by the
function the couple page and Settings › Reminders use (``progress.reminder_figures``)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from counselor.api import bp
from counselor.api.resources import errors
from counselor.api.schemas.reminder_effect import ReminderEffectSchema
from counselor.models import Couple
from counselor.services.delivery import reminders
from counselor.services.progress import reminder_figures
from counselor.tenancy import get_in_practice


@bp.route("/couples/<id:couple_id>/reminder-effect")
class CoupleReminderEffect(MethodView):
    @bp.response(200, ReminderEffectSchema)
    @errors(404)
    def get(self, couple_id: int) -> dict[str, Any]:
        """Whether reminders are followed by each partner's check-ins

        Last night's figures over the last eight weeks: reminders and how many were
        followed by a check-in within 48 hours, beside comparable days without one, with
        the counts, a verdict and a plain caveat (`measured` false: no figures yet). A
        comparison, not proof of cause."""
        couple = get_in_practice(Couple, couple_id)
        figures = reminder_figures.couple_effects(couple)
        return {
            "couple_id": couple.id,
            "partners": [
                {
                    "partner_id": partner.id,
                    "measured": f.measured,
                    "reminders": f.reminders,
                    "reminders_followed": f.reminders_followed,
                    "quiet_days": f.quiet_days,
                    "quiet_days_followed": f.quiet_days_followed,
                    "rate_with_reminder": f.rate_with,
                    "rate_without_reminder": f.rate_without,
                    "difference": f.difference,
                    "enough_to_judge": f.enough,
                    "verdict": f.verdict,
                    "caveat": f.caveat,
                    "cadence": reminders.effective_cadence(partner).value,
                    "cadence_lowered_at": partner.cadence_lowered_at,
                }
                for partner in couple.partners
                for f in (figures[partner.id],)
            ],
        }
