"""The weekly check-in: its current items, and a couple's series (the one the couple page
and the pre-session report show, from ``weekly_checkin.couple_series``)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from counselor.api import bp
from counselor.api.resources import errors
from counselor.api.schemas.weekly_checkin import WeeklyItemsSchema, WeeklySeriesSchema
from counselor.models import Couple
from counselor.services.homework import weekly_checkin
from counselor.tenancy import get_in_practice
from reports.data import PRACTICE_TOOL_NOTE, WeeklyCheckinData


@bp.route("/weekly-checkin/items")
class WeeklyItems(MethodView):
    @bp.response(200, WeeklyItemsSchema)
    @errors()
    def get(self) -> dict[str, Any]:
        """The weekly check-in's current items, in the order partners see them"""
        return {"items": weekly_checkin.current_items(), "note": PRACTICE_TOOL_NOTE}


@bp.route("/couples/<id:couple_id>/weekly-checkins")
class CoupleWeeklyCheckins(MethodView):
    @bp.response(200, WeeklySeriesSchema)
    @errors(404)
    def get(self, couple_id: int) -> dict[str, Any]:
        """A couple's weekly check-in, per partner and week, with where they diverge

        The last eight weeks. Turn the check-in on or off with `weekly_checkin` on the
        couple (PATCH /couples/{couple_id})."""
        couple = get_in_practice(Couple, couple_id)
        return series_body(weekly_checkin.couple_series(couple))


def series_body(data: WeeklyCheckinData) -> dict[str, Any]:
    keys = [item.key for item in data.items]
    ids = [p.partner_id for p in data.partners]
    return {
        "enabled": data.enabled,
        "note": PRACTICE_TOOL_NOTE,
        "weeks": data.weeks,
        "latest_week": data.latest_week,
        "items": data.items,
        "partners": [
            {
                "partner_id": p.partner_id,
                "first_name": p.name,
                "weeks": [
                    {
                        "week_start": week,
                        "scores": {key: p.scores[row][column] for row, key in enumerate(keys)},
                        "mean": p.means[column],
                    }
                    for column, week in enumerate(data.weeks)
                ],
                "change": p.change,
                "item_changes": dict(zip(keys, p.item_changes, strict=True)),
                "item_wording_changed": dict(zip(keys, p.item_reworded, strict=True)),
            }
            for p in data.partners
        ],
        "divergence_points": data.divergence_points,
        "divergences": [
            {
                "week_start": d.week_start,
                "item_key": d.item_key,
                "scores": [
                    {"partner_id": pid, "score": s} for pid, s in zip(ids, d.scores, strict=True)
                ],
            }
            for d in data.divergences
        ],
        "mixed_wording": [{"week_start": w, "item_key": key} for w, key in data.mixed_wording],
    }
