"""Acknowledgements: the leaned-on partner's answer to a check-in that leaned on them."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from counselor.api.schemas.common import ClinicalText, PageSchema, UtcDateTime
from counselor.models import Acknowledgement, Noticed, Visibility


def _shared(acknowledgement: Acknowledgement) -> bool:
    return acknowledgement.visibility == Visibility.SHARED


class AcknowledgementSchema(ma.Schema):
    """Written by a partner from their page, never through the API: the API only reads."""

    id = fields.Integer(dump_only=True, required=True)
    checkin_id = fields.Integer(
        dump_only=True,
        required=True,
        metadata={"description": "The leaning act: the other partner's check-in it answers."},
    )
    partner_id = fields.Integer(
        dump_only=True,
        required=True,
        metadata={"description": "The partner who was leaned on and answered."},
    )
    noticed = fields.Enum(
        Noticed,
        by_value=True,
        dump_only=True,
        required=True,
        metadata={"description": 'Did they notice: "yes", "not_sure" or "no".'},
    )
    felt_valued = fields.Integer(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": "How valued they felt, 1–5; null if they left it out."},
    )
    note = ClinicalText(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "What they wrote, up to 2000 characters; null if nothing. Client "
            "text, like a reflection: never in an email or a webhook."
        },
    )
    share_with_partner = fields.Function(
        _shared,
        dump_only=True,
        required=True,
        metadata={
            "type": "boolean",
            "description": "Whether the partner who leaned can read the answer now (the "
            "counselor always can).",
        },
    )
    created_at = UtcDateTime(dump_only=True, required=True)


class AcknowledgementPageSchema(PageSchema):
    items = fields.List(fields.Nested(AcknowledgementSchema), required=True)
