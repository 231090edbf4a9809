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
        metadata={
            "description": "False once the endpoint is disabled: its receiver answered 410 "
            "Gone, or failed WEBHOOK_DISABLE_AFTER_FAILURES times in a row (`disabled_reason` "
            "says which). An owner enables it again in Settings › Webhooks."
        },
    )
    disabled_reason = fields.String(dump_only=True, required=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True, required=True)


# A replay's secret is null: the secret is never stored outside the endpoint's row.
NOT_SHOWN_AGAIN = (
    "The secret is shown only in the first response; if it was lost, delete this "
    "subscription and create a new one."
)


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={
            "description": "The Standard Webhooks signing secret (whsec_…), shown only in "
            "this first response: null when a retry with the same Idempotency-Key replays "
            "it (then `secret_note` says so)."
        },
    )
    secret_note = fields.String(
        dump_only=True,
        metadata={"description": f"Only in a replay, whose secret is null: “{NOT_SHOWN_AGAIN}”"},
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
