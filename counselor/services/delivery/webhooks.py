"""Webhooks: a practice's subscriptions, and the outbox that events are written to in the
same transaction as the change that causes them, delivered by workers.

At least once, with a stable ``webhook-id``: a row is claimed (status ``sending``, a claim
token) before its POST and marked right after the answer. A worker killed between the two
leaves the row ``sending``; after its lease it is sent again with the same id, which is
what the id is for: the host drops the duplicate. Payloads are thin — the event type and
ids — so nothing a client wrote ever leaves through a webhook; the host reads the details
through the authenticated API.
"""

from __future__ import annotations

import http.client
import json
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from counselor import task_names, timeutil
from counselor.extensions import db
from counselor.models import (
    Counselor,
    CounselorRole,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from counselor.services.audit import Actor, record_event
from counselor.services.delivery import after_commit, webhook_http
from counselor.services.delivery.webhook_http import ForbiddenTarget, HostNotFound
from counselor.services.errors import FieldErrors, InvalidInput, NotFound

log = logging.getLogger(__name__)

EVENTS = ("checkin.created", "assignment.completed", "report.ready", "partner.unsubscribed")
DELIVERY_CHUNK = 10  # deliveries per task: each may wait up to WEBHOOK_TIMEOUT_SECONDS
MAX_ENDPOINTS = 20  # per practice: every event is written once per endpoint
RECENT_DELIVERIES = 20


# Subscriptions: what the API and the dashboard's settings page call.


def create_endpoint(actor: Actor, url: str, events: Iterable[str]) -> tuple[WebhookEndpoint, str]:
    """Subscribe a URL to events. Returns the endpoint and its signing secret — the only
    time the secret is handed out."""
    _check_may_manage(actor)
    problems = FieldErrors()
    try:
        _check_target(url)
    except ForbiddenTarget as error:
        problems.add("url", str(error))
    chosen = _check_events(problems, events)
    if len(list_endpoints(actor)) >= MAX_ENDPOINTS:
        problems.add("url", f"A practice can have at most {MAX_ENDPOINTS} webhook endpoints.")
    problems.raise_if_any()
    secret = webhook_http.new_secret()
    endpoint = WebhookEndpoint(
        practice_id=actor.practice_id, url=url.strip(), secret=secret, events=" ".join(chosen)
    )
    db.session.add(endpoint)
    db.session.flush()
    record_event(actor, "webhook.create", "webhook_endpoint", endpoint.id)
    db.session.commit()
    log.info("webhook endpoint %s created for practice %s", endpoint.id, actor.practice_id)
    return endpoint, secret


def list_endpoints(actor: Actor) -> list[WebhookEndpoint]:
    """The practice's subscriptions (removed ones excluded), oldest first."""
    return list(
        db.session.scalars(
            sa.select(WebhookEndpoint)
            .where(
                WebhookEndpoint.practice_id == actor.practice_id,
                WebhookEndpoint.deleted_at.is_(None),
            )
            .order_by(WebhookEndpoint.id)
        )
    )


def get_endpoint(actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.scalar(
        sa.select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.practice_id == actor.practice_id,
            WebhookEndpoint.deleted_at.is_(None),
        )
    )
    if endpoint is None:
        raise NotFound(f"webhook endpoint {endpoint_id}")
    return endpoint


def delete_endpoint(actor: Actor, endpoint_id: int) -> None:
    """Unsubscribe: nothing more is sent there, including deliveries still waiting.
    The row stays (marked removed) so the delivery history keeps its endpoint."""
    endpoint = get_endpoint(actor, endpoint_id)
    _check_may_manage(actor)
    endpoint.deleted_at = timeutil.utcnow()
    endpoint.active = False
    _fail_waiting_deliveries(endpoint.id, "not sent: the endpoint was removed")
    record_event(actor, "webhook.delete", "webhook_endpoint", endpoint.id)
    db.session.commit()


def recent_deliveries(actor: Actor, limit: int = RECENT_DELIVERIES) -> list[WebhookDelivery]:
    """The practice's latest deliveries, newest first, endpoints loaded."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.practice_id == actor.practice_id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
            .limit(limit)
            .options(selectinload(WebhookDelivery.endpoint))
        )
    )


def event_names(endpoint: WebhookEndpoint) -> list[str]:
    return endpoint.events.split()


def _check_may_manage(actor: Actor) -> None:
    """API keys act for the whole practice; among counselors only owners, as for the
    practice's other settings: a webhook sends the practice's activity to another system."""
    if actor.kind in ("api_key", "system"):
        return
    role = None
    if actor.kind == "counselor":
        role = db.session.scalar(
            sa.select(Counselor.role).where(
                Counselor.id == actor.id, Counselor.practice_id == actor.practice_id
            )
        )
    if role != CounselorRole.OWNER:
        raise InvalidInput.single(
            "practice", "Only an owner of the practice can add or remove webhooks."
        )


def _check_target(url: str) -> webhook_http.Target:
    config = current_app.config
    return webhook_http.check_url(
        url, config["WEBHOOK_REQUIRE_HTTPS"], config["WEBHOOK_ALLOW_PRIVATE_TARGETS"]
    )


def _check_events(problems: FieldErrors, events: Iterable[str] | None) -> list[str]:
    names = events.split() if isinstance(events, str) else list(events or [])
    unknown = [name for name in names if name not in EVENTS]
    for name in unknown:
        problems.add("events", f"Unknown event {str(name)!r}: choose from {', '.join(EVENTS)}.")
    chosen = [name for name in EVENTS if name in names]
    if not chosen and not unknown:
        problems.add("events", "Choose at least one event.")
    return chosen


# Emitting: called by the services whose change is the event, before their commit.


def emit(practice_id: int, event: str, data: dict[str, int | str | None]) -> list[int]:
    """Write one delivery per active endpoint of the practice subscribed to ``event``, in
    the caller's transaction; workers get them only once it commits (a rollback sends
    nothing). ``data`` holds ids only. Returns the new delivery ids."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    endpoints = db.session.scalars(
        sa.select(WebhookEndpoint).where(
            WebhookEndpoint.practice_id == practice_id,
            WebhookEndpoint.active.is_(True),
            WebhookEndpoint.deleted_at.is_(None),
        )
    ).all()
    subscribed = [endpoint for endpoint in endpoints if event in event_names(endpoint)]
    if not subscribed:
        return []
    body = json.dumps(
        {"type": event, "timestamp": timeutil.utcnow().isoformat(), "data": data},
        separators=(",", ":"),
    )
    deliveries = [
        WebhookDelivery(
            practice_id=practice_id,
            endpoint_id=endpoint.id,
            event=event,
            message_id=new_message_id(),
            payload=body,
            status=DeliveryStatus.PENDING,
            attempts=0,
        )
        for endpoint in subscribed
    ]
    db.session.add_all(deliveries)
    db.session.flush()
    ids = [delivery.id for delivery in deliveries]
    after_commit.batch_after_commit(task_names.DELIVER_WEBHOOKS, ids, DELIVERY_CHUNK)
    return ids


def new_message_id() -> str:
    """The ``webhook-id``: the same on every attempt of one delivery."""
    return "msg_" + secrets.token_hex(16)


# Delivering: what the Celery tasks call.


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)
    retry: list[tuple[int, float]] = field(default_factory=list)  # (id, seconds to wait)
    failed: list[int] = field(default_factory=list)
    disabled_endpoints: list[int] = field(default_factory=list)


def claim_lease() -> timedelta:
    """How long a worker may hold a row before another takes it (it died, we assume):
    comfortably longer than one attempt's lookup, connect and answer."""
    return timedelta(seconds=60 + 3 * current_app.config["WEBHOOK_TIMEOUT_SECONDS"])


def due_delivery_ids(limit: int) -> list[int]:
    """Pending rows whose time has come, and rows a dead worker left behind."""
    return list(db.session.scalars(_claimable().with_only_columns(WebhookDelivery.id).limit(limit)))


def _claimable_condition() -> sa.ColumnElement[bool]:
    now = timeutil.utcnow()
    return sa.or_(
        sa.and_(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            sa.or_(
                WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at <= now
            ),
        ),
        sa.and_(
            WebhookDelivery.status == DeliveryStatus.SENDING,
            WebhookDelivery.claimed_at < now - claim_lease(),
        ),
    )


def _claimable() -> sa.Select:
    return sa.select(WebhookDelivery).where(_claimable_condition()).order_by(WebhookDelivery.id)


def claim_deliveries(ids: list[int]) -> list[WebhookDelivery]:
    """Take these rows for this worker; rows another worker holds, or that are not due,
    are left alone. The UPDATE re-checks the condition as it writes, so two workers never
    both get a row (on SQLite too); PostgreSQL skips rows another transaction locked."""
    candidates = (
        _claimable()
        .with_only_columns(WebhookDelivery.id, WebhookDelivery.status)
        .where(WebhookDelivery.id.in_(ids))
    )
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    found = db.session.execute(candidates).all()
    if not found:
        db.session.commit()
        return []
    token = secrets.token_hex(16)
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id.in_([row.id for row in found]), _claimable_condition())
        .values(
            status=DeliveryStatus.SENDING,
            claimed_at=timeutil.utcnow(),
            claim_token=token,
            attempts=WebhookDelivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    claimed = list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.claim_token == token)
            .order_by(WebhookDelivery.id)
            .options(selectinload(WebhookDelivery.endpoint))
            .execution_options(populate_existing=True)
        )
    )
    stale = {row.id for row in found if row.status == DeliveryStatus.SENDING}
    for delivery in claimed:
        if delivery.id in stale:
            log.warning(
                "webhook %s reclaimed after its worker stopped; it may arrive twice",
                delivery.message_id,
            )
    return claimed


def deliver_webhooks(ids: list[int], retry_delay: Callable[[int], float]) -> DeliveryReport:
    """Attempt these deliveries, one POST each. ``retry_delay(attempts)`` gives the seconds
    to wait after a failed attempt (the task owns that policy)."""
    report = DeliveryReport()
    for delivery_id in dict.fromkeys(ids):
        # One row at a time: a slow receiver never holds the rest of the chunk past its lease.
        for delivery in claim_deliveries([delivery_id]):
            try:
                _attempt(delivery, retry_delay, report)
            except Exception:  # a bug with one delivery must not stop the others
                log.exception("webhook %s could not be attempted", delivery.message_id)
                db.session.rollback()
                _retry_or_fail(delivery, "internal error", retry_delay, report)
            db.session.commit()
    return report


def _attempt(
    delivery: WebhookDelivery, retry_delay: Callable[[int], float], report: DeliveryReport
) -> None:
    endpoint = delivery.endpoint
    if endpoint.deleted_at is not None or not endpoint.active:
        reason = "the endpoint was removed" if endpoint.deleted_at else "the endpoint is disabled"
        _fail(delivery, f"not sent: {reason}", report)
        return
    try:
        target = _check_target(endpoint.url)  # again: the name may point elsewhere by now
    except HostNotFound as error:
        _retry_or_fail(delivery, str(error), retry_delay, report)
        return
    except ForbiddenTarget as error:
        log.warning(
            "webhook %s to endpoint %s refused: %s", delivery.message_id, endpoint.id, error
        )
        _fail(delivery, f"not sent: {error}", report)
        return
    timestamp = int(timeutil.utcnow().timestamp())
    headers = webhook_http.signed_headers(
        endpoint.secret, delivery.message_id, timestamp, delivery.payload
    )
    try:
        status = webhook_http.post(
            target, delivery.payload, headers, current_app.config["WEBHOOK_TIMEOUT_SECONDS"]
        )
    except (OSError, http.client.HTTPException) as error:  # timeouts are OSErrors too
        delivery.last_status_code = None
        _retry_or_fail(delivery, f"no answer: {type(error).__name__}", retry_delay, report)
        return
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
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, timeutil.utcnow()
        delivery.last_error, delivery.claim_token = None, None
        report.delivered.append(delivery.id)
    elif status == 410:
        _disable_endpoint(endpoint, report)
        _fail(delivery, "the receiver answered 410 Gone: endpoint disabled", report)
    else:
        _retry_or_fail(delivery, f"the receiver answered {status}", retry_delay, report)


def _retry_or_fail(
    delivery: WebhookDelivery,
    error: str,
    retry_delay: Callable[[int], float],
    report: DeliveryReport,
) -> None:
    if delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
        log.warning(
            "webhook %s failed after %d attempts: %s", delivery.message_id, delivery.attempts, error
        )
        _fail(delivery, error, report)
        return
    delay = retry_delay(delivery.attempts)
    delivery.status, delivery.last_error, delivery.claim_token = DeliveryStatus.PENDING, error, None
    delivery.next_attempt_at = timeutil.utcnow() + timedelta(seconds=delay)
    report.retry.append((delivery.id, delay))


def _fail(delivery: WebhookDelivery, error: str, report: DeliveryReport) -> None:
    delivery.status, delivery.last_error = DeliveryStatus.FAILED, error[:300]
    delivery.claim_token = None
    report.failed.append(delivery.id)


def _disable_endpoint(endpoint: WebhookEndpoint, report: DeliveryReport) -> None:
    """410 Gone: the host says this URL is no more. Stop sending there until it subscribes
    again (a new endpoint with a new secret)."""
    endpoint.active = False
    endpoint.disabled_reason = (
        f"The receiver answered 410 Gone on {timeutil.utcnow():%Y-%m-%d %H:%M} UTC."
    )
    _fail_waiting_deliveries(endpoint.id, "not sent: the endpoint is disabled")
    report.disabled_endpoints.append(endpoint.id)
    log.warning("webhook endpoint %s disabled: its receiver answered 410", endpoint.id)


def _fail_waiting_deliveries(endpoint_id: int, error: str) -> None:
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.FAILED, last_error=error)
        .execution_options(synchronize_session=False)
    )
