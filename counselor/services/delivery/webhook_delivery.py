"""Delivering webhooks: what is particular to posting one delivery row to its endpoint.

Claiming, leases, retries, giving up and the per-practice cap on deliveries in flight are
the outbox engine's (``outbox.py``); the endpoint's health — failures in a row, holding a
failing endpoint back, disabling it — is ``webhook_health.py``'s. Here: the endpoint must
still be wanted, its address is checked again before every attempt (a name can be pointed
at an internal address later), the body is signed afresh, and the answer decides — 2xx
delivered, 410 Gone disables the endpoint, anything else is tried again.

What the practice sees of a failure (the delivery's ``last_error``, on the dashboard) is
its class only — timed out, could not connect, refused by the receiver with its HTTP
status, not an allowed target — never the error itself: "connection refused" against
"bad status line" would make the delivery log a scanner of whatever the URL can reach.
The details go to the server log, without the URL, the payload or the secret.

At least once, with a stable ``webhook-id``: a delivery reclaimed after its worker died is
posted again with the same id, which is what the id is for — the host drops the duplicate.
"""

from __future__ import annotations

import http.client
import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import selectinload

from counselor import task_names, timeutil
from counselor.models import OutboxStatus, WebhookDelivery
from counselor.services.delivery import outbox, webhook_health, webhook_http
from counselor.services.delivery.outbox import Backoff, OutboxKind, Outcome
from counselor.services.delivery.webhook_http import ForbiddenTarget, HostNotFound

log = logging.getLogger(__name__)

DELIVERY_CHUNK = 10  # deliveries per task: each may take up to WEBHOOK_TIMEOUT_SECONDS
DETAIL_LENGTH = 120  # of an error's own text, in the server log

# What a failed attempt shows the practice: a class, never the error itself.
TIMED_OUT = "timed out"  # no complete answer within WEBHOOK_TIMEOUT_SECONDS
NO_CONNECTION = "could not connect"  # nor any valid HTTP answer: refused, reset, TLS, garbage
NOT_ALLOWED = "not an allowed target"  # the host now points somewhere we never send


def refused(status: int) -> str:
    return f"refused by the receiver (HTTP {status})"


def check_target(url: str) -> webhook_http.Target:
    """The URL checked against this deployment's rules, its host resolved."""
    config = current_app.config
    return webhook_http.check_url(
        url, config["WEBHOOK_REQUIRE_HTTPS"], config["WEBHOOK_ALLOW_PRIVATE_TARGETS"]
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
        _log_failure(delivery, "its host did not resolve", error)
        return _failed(delivery, NO_CONNECTION)
    except ForbiddenTarget as error:
        _log_failure(delivery, "its URL is not an allowed target", error)
        # Counted against the endpoint (which ends disabled, its owners told); this
        # delivery fails at once, as sending there will never do.
        return Outcome.fail(_failed(delivery, NOT_ALLOWED).error or NOT_ALLOWED)
    timestamp = int(timeutil.utcnow().timestamp())
    headers = webhook_http.signed_headers(
        endpoint.secret, delivery.message_id, timestamp, delivery.payload
    )
    return SignedRequest(target, headers)


def _send(delivery: WebhookDelivery, request: SignedRequest) -> Outcome:
    """One POST of the delivery's exact body, within the deadline; the answer decides."""
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
        _log_failure(delivery, "no answer", error)
        return _failed(delivery, TIMED_OUT if isinstance(error, TimeoutError) else NO_CONNECTION)
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
        outbox.hand_over(WEBHOOKS, webhook_health.count_success(endpoint.id))
        return Outcome.done()
    if status == 410:
        # The host says this URL is no more: stop sending there until an owner enables
        # it again (or the host subscribes anew, with a new secret).
        reason = f"The receiver answered 410 Gone on {timeutil.utcnow():%Y-%m-%d %H:%M} UTC."
        webhook_health.disable(endpoint, reason, tell_owners=False)
        return Outcome.fail(f"{refused(status)}: endpoint disabled")
    return _failed(delivery, refused(status))


def _failed(delivery: WebhookDelivery, failure: str) -> Outcome:
    """A failed attempt, counted against its endpoint: the endpoint's waiting deliveries
    are held for its backoff, this one with them; or, at WEBHOOK_DISABLE_AFTER_FAILURES
    in a row, the endpoint is disabled and its owners told."""
    endpoint = delivery.endpoint
    failures = webhook_health.count_failure(endpoint.id)
    if failures >= current_app.config["WEBHOOK_DISABLE_AFTER_FAILURES"]:
        reason = (
            f"Disabled on {timeutil.utcnow():%Y-%m-%d %H:%M} UTC after {failures} failed "
            f"attempts in a row (the last: {failure})."
        )
        webhook_health.disable(endpoint, reason, tell_owners=True)
        return Outcome.fail(f"{failure}; the endpoint is now disabled")
    until = timeutil.utcnow() + timedelta(seconds=WEBHOOKS.backoff.ceiling(failures))
    webhook_health.hold_waiting(endpoint.id, until)
    return Outcome.retry(failure, not_before=until)


def _log_failure(delivery: WebhookDelivery, what: str, error: Exception) -> None:
    """The details of a failure, for the operator only: the error's kind and its own text
    (an address, a status line), never the URL, the payload or the secret."""
    log.warning(
        "webhook %s (%s) to endpoint %s: attempt %d failed, %s: %s: %s",
        delivery.message_id,
        delivery.event,
        delivery.endpoint_id,
        delivery.attempts,
        what,
        type(error).__name__,
        str(error)[:DETAIL_LENGTH],
    )


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
    # One practice's receivers never hold every worker.
    in_flight_setting="WEBHOOK_MAX_IN_FLIGHT_PER_PRACTICE",
)
