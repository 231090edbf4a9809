"""The practical-steps ladder as the practice offers it: rungs in order, each with its steps
— the shipped ladder with the practice's own text, steps and notes
(services/homework/practice_ladder.py)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from counselor.models import TemplateWho

SOURCES = ("base", "practice")


class TemplateSchema(ma.Schema):
    key = fields.String(
        dump_only=True,
        required=True,
        metadata={"description": "Give it as ``template_key`` to assign this step."},
    )
    title = fields.String(dump_only=True, required=True)
    instructions = fields.String(dump_only=True, required=True)
    times_per_week = fields.Integer(dump_only=True, required=True)
    who = fields.Enum(TemplateWho, by_value=True, dump_only=True, required=True)
    version = fields.Function(
        lambda t: t.base.version if t.base is not None else None,
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={
            "type": "integer",
            "description": "The shipped step's version: it grows when the shipped ladder "
            "changes the step's words. Null for a step of the practice's own.",
        },
    )
    practice_version = fields.Function(
        lambda t: t.practice.version if t.source == "practice" and t.practice else None,
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={
            "type": "integer",
            "description": "When ``source`` is ``practice``: the version of the practice's "
            "text, a counter of its own that grows with each change the practice makes to "
            "this step. Null when the step reads as shipped.",
        },
    )
    source = fields.String(
        dump_only=True,
        required=True,
        validate=ma.validate.OneOf(SOURCES),
        metadata={
            "description": "``base``: the step as the shipped ladder words it. ``practice``: "
            "the practice's own text for a shipped step, or a step of the practice's own.",
            "enum": list(SOURCES),
        },
    )


class RungSchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    key = fields.String(dump_only=True, required=True)
    position = fields.Integer(dump_only=True, required=True)
    title = fields.String(dump_only=True, required=True)
    purpose = fields.String(dump_only=True, required=True)
    counselor_note = fields.String(
        dump_only=True,
        required=True,
        metadata={"description": "What to watch for: the practice's own note, if it wrote one."},
    )
    templates = fields.List(
        fields.Nested(TemplateSchema),
        dump_only=True,
        required=True,
        metadata={"description": "The steps offered, in order; retired ones are left out."},
    )

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "templates":  # retired steps are history, not offers
            return obj.active
        return super().get_attribute(obj, attr, default)


class LadderSchema(ma.Schema):
    rungs = fields.List(fields.Nested(RungSchema), dump_only=True, required=True)
