"""Webhook subscriptions: a URL, the events it wants, and (once) its signing secret."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from counselor.api.schemas.common import Args, PageSchema, UtcDateTime, text
from counselor.services.delivery.webhooks import EVENTS, event_names


class WebhookSchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    url = fields.String(dump_only=True, required=True)
    events = fields.Function(
        event_names,
        dump_only=True,
        required=True,
        metadata={"type": "array", "items": {"type": "string", "enum": list(EVENTS)}},
    )
    active = fields.Boolean(
        dump_only=True,
        required=True,
        metadata={"description": "False once the receiver answered 410 Gone."},
    )
    disabled_reason = fields.String(dump_only=True, required=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True, required=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(
        dump_only=True,
        required=True,
        metadata={"description": "The Standard Webhooks signing secret (whsec_…). Shown only now."},
    )


class WebhookArgs(Args):
    url = text(2000, required=True, metadata={"description": "Where deliveries are POSTed."})
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENTS)),
        required=True,
        validate=validate.Length(min=1, max=len(EVENTS)),
    )


class WebhookPageSchema(PageSchema):
    items = fields.List(fields.Nested(WebhookSchema), required=True)
