"""The weekly healthy-dependence check-in: its current items, and a couple's series."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from counselor.services.homework.weekly_checkin import DIVERGENCE_POINTS, HIGHEST, LOWEST
from reports.data import PRACTICE_TOOL_NOTE

NOTE: dict[str, Any] = {
    "metadata": {"description": f'Always "{PRACTICE_TOOL_NOTE}" Show it with the figures.'}
}
SCORE: dict[str, Any] = {
    "metadata": {
        "description": f"{LOWEST}–{HIGHEST}; {HIGHEST} is always the more shared, trusted, "
        "valued or included end. Null: not answered that week."
    }
}


class WeeklyItemSchema(ma.Schema):
    key = fields.String(dump_only=True, required=True, metadata={"description": "Stable forever."})
    position = fields.Integer(dump_only=True, required=True)
    text = fields.String(dump_only=True, required=True)
    low_label = fields.String(
        dump_only=True, required=True, metadata={"description": f"The words at {LOWEST}."}
    )
    high_label = fields.String(
        dump_only=True, required=True, metadata={"description": f"The words at {HIGHEST}."}
    )
    version = fields.Integer(
        dump_only=True,
        required=True,
        metadata={"description": "Grows whenever the words change; answers keep theirs."},
    )


class WeeklyItemsSchema(ma.Schema):
    items = fields.List(fields.Nested(WeeklyItemSchema), dump_only=True, required=True)
    note = fields.String(dump_only=True, required=True, **NOTE)


class SeriesItemSchema(ma.Schema):
    key = fields.String(dump_only=True, required=True)
    text = fields.String(dump_only=True, required=True)
    low_label = fields.String(dump_only=True, required=True)
    high_label = fields.String(dump_only=True, required=True)


class PartnerWeekSchema(ma.Schema):
    week_start = fields.Date(dump_only=True, required=True)
    scores = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(allow_none=True),
        dump_only=True,
        required=True,
        **SCORE,
    )
    mean = fields.Float(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={
            "description": "The mean of the week's scores to one decimal, as the couple "
            "page and the report show it; null: not answered."
        },
    )


class PartnerSeriesSchema(ma.Schema):
    partner_id = fields.Integer(dump_only=True, required=True)
    first_name = fields.String(dump_only=True, required=True)
    weeks = fields.List(fields.Nested(PartnerWeekSchema), dump_only=True, required=True)
    change = fields.Float(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={
            "description": "The mean of `latest_week` minus the week before's (the one-decimal "
            "means, so it always matches them); null when the partner left either unanswered, "
            "or when a statement's words changed between them."
        },
    )
    item_changes = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(allow_none=True),
        dump_only=True,
        required=True,
        metadata={
            "description": "Per item key, the same change for each item; null when its words "
            "changed between the two weeks (see `item_wording_changed`)."
        },
    )
    item_wording_changed = fields.Dict(
        keys=fields.String(),
        values=fields.Boolean(),
        dump_only=True,
        required=True,
        metadata={
            "description": "Per item key: the partner rated it in both weeks, in different "
            "words, so its change (and the mean's) is not given."
        },
    )


class DivergenceScoreSchema(ma.Schema):
    partner_id = fields.Integer(dump_only=True, required=True)
    score = fields.Integer(dump_only=True, required=True)


class DivergenceSchema(ma.Schema):
    week_start = fields.Date(dump_only=True, required=True)
    item_key = fields.String(dump_only=True, required=True)
    scores = fields.List(fields.Nested(DivergenceScoreSchema), dump_only=True, required=True)


class WordingSchema(ma.Schema):
    week_start = fields.Date(dump_only=True, required=True)
    item_key = fields.String(dump_only=True, required=True)


class WeeklySeriesSchema(ma.Schema):
    enabled = fields.Boolean(
        dump_only=True,
        required=True,
        metadata={"description": "Whether the counselor has the check-in on for the couple."},
    )
    note = fields.String(dump_only=True, required=True, **NOTE)
    weeks = fields.List(
        fields.Date(),
        dump_only=True,
        required=True,
        metadata={"description": "The Mondays covered, oldest first; the last is this week."},
    )
    latest_week = fields.Date(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={
            "description": "The latest week anyone answered that has begun for both partners "
            "(in their own time zones); null: nobody yet."
        },
    )
    items = fields.List(
        fields.Nested(SeriesItemSchema),
        dump_only=True,
        required=True,
        metadata={"description": "The items answered in these weeks, in order."},
    )
    partners = fields.List(fields.Nested(PartnerSeriesSchema), dump_only=True, required=True)
    divergence_points = fields.Integer(
        dump_only=True,
        required=True,
        metadata={"description": f"Currently {DIVERGENCE_POINTS}."},
    )
    divergences = fields.List(
        fields.Nested(DivergenceSchema),
        dump_only=True,
        required=True,
        metadata={
            "description": "Items both partners scored `divergence_points` or more apart in the "
            "same week and the same words, newest week first."
        },
    )
    mixed_wording = fields.List(
        fields.Nested(WordingSchema),
        dump_only=True,
        required=True,
        metadata={
            "description": "Items the partners rated in different words in the same week (the "
            "words changed between their answers): never compared as a divergence."
        },
    )
