"""Delivering webhooks: what is particular to posting one delivery row to its endpoint.

Claiming, leases, retries and giving up are the outbox engine's (``outbox.py``). Here: the
endpoint must still be wanted, its address is checked again before every attempt (a name
can be pointed at an internal address later), the body is signed afresh, and the answer
decides — 2xx delivered, 410 Gone disables the endpoint, anything else is tried again.

At least once, with a stable ``webhook-id``: a delivery reclaimed after its worker died is
posted again with the same id, which is what the id is for — the host drops the duplicate.
"""

from __future__ import annotations

import http.client
import logging
from contextlib import nullcontext
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from counselor import task_names, timeutil
from counselor.extensions import db
from counselor.models import OutboxStatus, WebhookDelivery, WebhookEndpoint
from counselor.services.delivery import webhook_http
from counselor.services.delivery.outbox import Backoff, OutboxKind, Outcome
from counselor.services.delivery.webhook_http import ForbiddenTarget, HostNotFound

log = logging.getLogger(__name__)

DELIVERY_CHUNK = 10  # deliveries per task: each may wait up to WEBHOOK_TIMEOUT_SECONDS


def check_target(url: str) -> webhook_http.Target:
    """The URL checked against this deployment's rules, its host resolved."""
    config = current_app.config
    return webhook_http.check_url(
        url, config["WEBHOOK_REQUIRE_HTTPS"], config["WEBHOOK_ALLOW_PRIVATE_TARGETS"]
    )


def fail_waiting_deliveries(endpoint_id: int, error: str) -> None:
    """Deliveries still waiting for an endpoint that is gone are never sent."""
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.FAILED, last_error=error)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class SignedRequest:
    target: webhook_http.Target
    headers: dict[str, str]


def _prepare(delivery: WebhookDelivery) -> SignedRequest | Outcome:
    """The request for an endpoint still wanted, at an address checked just now, signed
    afresh (the timestamp is part of the signature)."""
    endpoint = delivery.endpoint
    if endpoint.deleted_at is not None or not endpoint.active:
        reason = "the endpoint was removed" if endpoint.deleted_at else "the endpoint is disabled"
        return Outcome.fail(f"not sent: {reason}")
    try:
        target = check_target(endpoint.url)
    except HostNotFound as error:
        return Outcome.retry(str(error))
    except ForbiddenTarget as error:
        return Outcome.fail(f"not sent: {error}")
    timestamp = int(timeutil.utcnow().timestamp())
    headers = webhook_http.signed_headers(
        endpoint.secret, delivery.message_id, timestamp, delivery.payload
    )
    return SignedRequest(target, headers)


def _send(delivery: WebhookDelivery, request: SignedRequest) -> Outcome:
    """One POST of the delivery's exact body; the answer decides."""
    endpoint = delivery.endpoint
    try:
        status = webhook_http.post(
            request.target,
            delivery.payload,
            request.headers,
            current_app.config["WEBHOOK_TIMEOUT_SECONDS"],
        )
    except (OSError, http.client.HTTPException) as error:  # timeouts are OSErrors too
        delivery.last_status_code = None
        return Outcome.retry(f"no answer: {type(error).__name__}")
    delivery.last_status_code = status
    log.info(
        "webhook %s (%s) to endpoint %s: attempt %d answered %d",
        delivery.message_id,
        delivery.event,
        endpoint.id,
        delivery.attempts,
        status,
    )
    if 200 <= status < 300:
        delivery.delivered_at = timeutil.utcnow()
        return Outcome.done()
    if status == 410:
        _disable_endpoint(endpoint)
        return Outcome.fail("the receiver answered 410 Gone: endpoint disabled")
    return Outcome.retry(f"the receiver answered {status}")


def _disable_endpoint(endpoint: WebhookEndpoint) -> None:
    """410 Gone: the host says this URL is no more. Stop sending there until it subscribes
    again (a new endpoint with a new secret)."""
    endpoint.active = False
    endpoint.disabled_reason = (
        f"The receiver answered 410 Gone on {timeutil.utcnow():%Y-%m-%d %H:%M} UTC."
    )
    fail_waiting_deliveries(endpoint.id, "not sent: the endpoint is disabled")
    log.warning("webhook endpoint %s disabled: its receiver answered 410", endpoint.id)


WEBHOOKS = OutboxKind(
    model=WebhookDelivery,
    done_status=OutboxStatus.DELIVERED,
    deliver_task=task_names.DELIVER_WEBHOOKS,
    # Up to 1, 3, 9, 27 … minutes, at most six hours: with WEBHOOK_MAX_ATTEMPTS = 8 the
    # attempts spread over several hours, so a receiver down for a while still gets it.
    backoff=Backoff(base_seconds=60, factor=3, cap_seconds=6 * 3600),
    max_attempts_setting="WEBHOOK_MAX_ATTEMPTS",
    lease_setting="WEBHOOK_CLAIM_LEASE_SECONDS",
    chunk_size=lambda: DELIVERY_CHUNK,
    prepare=_prepare,
    open_sender=lambda: nullcontext(_send),
    describe=lambda delivery: f"webhook {delivery.message_id}",
    # One row per claim: a slow receiver never holds the rest of the chunk past its lease.
    claim_size=1,
    load_options=(selectinload(WebhookDelivery.endpoint),),
)
