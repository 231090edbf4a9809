"""The practical-steps ladder: rungs in order, each with its task templates."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from counselor.models import TemplateWho
from counselor.services.homework.ladder import active_templates


class TemplateSchema(ma.Schema):
    key = fields.String(dump_only=True, required=True)
    title = fields.String(dump_only=True, required=True)
    instructions = fields.String(dump_only=True, required=True)
    times_per_week = fields.Integer(dump_only=True, required=True)
    who = fields.Enum(TemplateWho, by_value=True, dump_only=True, required=True)
    version = fields.Integer(dump_only=True, required=True)


class RungSchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    key = fields.String(dump_only=True, required=True)
    position = fields.Integer(dump_only=True, required=True)
    title = fields.String(dump_only=True, required=True)
    purpose = fields.String(dump_only=True, required=True)
    counselor_note = fields.String(dump_only=True, required=True)
    templates = fields.List(fields.Nested(TemplateSchema), dump_only=True, required=True)

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        if attr == "templates":  # retired templates are history, not offers
            return active_templates(obj)
        return super().get_attribute(obj, attr, default)


class LadderSchema(ma.Schema):
    rungs = fields.List(fields.Nested(RungSchema), dump_only=True, required=True)
