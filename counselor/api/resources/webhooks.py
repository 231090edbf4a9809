"""Webhook subscriptions: subscribe a URL to events, list them, unsubscribe."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from counselor.api import bp
from counselor.api.guard import current_actor, set_audited_object
from counselor.api.resources import errors, idempotent
from counselor.api.schemas.common import PageArgs
from counselor.api.schemas.webhooks import (
    WebhookArgs,
    WebhookCreatedSchema,
    WebhookPageSchema,
)
from counselor.models import WebhookEndpoint
from counselor.services.delivery import webhooks
from counselor.services.pages.api_lists import Page


@bp.route("/webhooks")
class Webhooks(MethodView):
    @bp.arguments(PageArgs, location="query")
    @bp.response(200, WebhookPageSchema)
    @errors()
    def get(self, args: dict[str, Any]) -> Page[Any]:
        """List webhook subscriptions"""
        endpoints = webhooks.list_endpoints(current_actor())
        start = (args["page"] - 1) * args["page_size"]
        return Page(
            endpoints[start : start + args["page_size"]],
            args["page"],
            args["page_size"],
            len(endpoints),
        )

    @bp.arguments(WebhookArgs)
    @bp.response(201, WebhookCreatedSchema)
    @errors(400, 409, 422)
    @idempotent
    def post(self, data: dict[str, Any]) -> tuple[WebhookEndpoint, int]:
        """Subscribe a URL to events

        Returns the signing secret once: deliveries carry webhook-id, webhook-timestamp
        and webhook-signature (Standard Webhooks). A retry with the same Idempotency-Key
        replays the subscription with ``secret`` null and a ``secret_note``."""
        endpoint, _secret = webhooks.create_endpoint(current_actor(), data["url"], data["events"])
        set_audited_object("webhook_endpoint", endpoint.id)
        return endpoint, 201  # the only answer that includes the secret


@bp.route("/webhooks/<id:webhook_id>")
class WebhookById(MethodView):
    @bp.response(204)
    @errors(404, 422)
    def delete(self, webhook_id: int) -> tuple[str, int]:
        """Unsubscribe"""
        webhooks.delete_endpoint(current_actor(), webhook_id)
        set_audited_object("webhook_endpoint", webhook_id)
        return "", 204
