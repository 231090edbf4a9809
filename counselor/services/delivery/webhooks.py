"""Webhooks: a practice's subscriptions, and the events written to the outbox in the same
transaction as the change that causes them (workers deliver them: ``webhook_delivery.py``).

Payloads are thin — the event type and ids — so nothing a client wrote ever leaves
through a webhook; the host reads the details through the authenticated API. Every query
here runs in the acting practice's scope (``counselor/tenancy.py``), set by the edge.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.util import identity_key

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Counselor,
    CounselorRole,
    Practice,
    WebhookDelivery,
    WebhookEndpoint,
)
from counselor.services.audit import Actor, record_event
from counselor.services.delivery import outbox, webhook_health, webhook_http
from counselor.services.delivery.webhook_delivery import WEBHOOKS, check_target
from counselor.services.delivery.webhook_http import ForbiddenTarget
from counselor.services.errors import FieldErrors, InvalidInput, NotFound

log = logging.getLogger(__name__)

EVENTS = (
    "checkin.created",
    "acknowledgement.created",
    "assignment.completed",
    "report.ready",
    "partner.unsubscribed",
)
MAX_ENDPOINTS = 20  # per practice: every event is written once per endpoint
RECENT_DELIVERIES = 20


# Subscriptions: what the API and the dashboard's settings page call.


def create_endpoint(actor: Actor, url: str, events: Iterable[str]) -> tuple[WebhookEndpoint, str]:
    """Subscribe a URL to events. Returns the endpoint and its signing secret — the only
    time the secret is handed out."""
    _check_may_manage(actor)
    problems = FieldErrors()
    try:
        url = check_target(url).url
    except ForbiddenTarget as error:
        problems.add("url", str(error))
    chosen = _check_events(problems, events)
    if len(list_endpoints(actor)) >= MAX_ENDPOINTS:
        problems.add("url", f"A practice can have at most {MAX_ENDPOINTS} webhook endpoints.")
    problems.raise_if_any()
    secret = webhook_http.new_secret()
    endpoint = WebhookEndpoint(
        practice_id=actor.practice_id, url=url, secret=secret, events=" ".join(chosen)
    )
    db.session.add(endpoint)
    db.session.flush()
    webhook_health.endpoints_changed(actor.practice_id)
    record_event(actor, "webhook.create", "webhook_endpoint", endpoint.id)
    log.info("webhook endpoint %s created for practice %s", endpoint.id, actor.practice_id)
    return endpoint, secret


def list_endpoints(actor: Actor) -> list[WebhookEndpoint]:
    """The practice's subscriptions (removed ones excluded), oldest first."""
    return list(
        db.session.scalars(
            sa.select(WebhookEndpoint)
            .where(WebhookEndpoint.deleted_at.is_(None))
            .order_by(WebhookEndpoint.id)
        )
    )


def get_endpoint(actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.scalar(
        sa.select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.deleted_at.is_(None)
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
    webhook_health.endpoints_changed(endpoint.practice_id)
    webhook_health.fail_waiting_deliveries(endpoint.id, "not sent: the endpoint was removed")
    record_event(actor, "webhook.delete", "webhook_endpoint", endpoint.id)


def enable_endpoint(actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    """Send to a disabled endpoint again (an owner's decision, audited), once its URL
    passes this deployment's rules as they are now. Its failures in a row start from 0;
    deliveries that failed while it was disabled stay failed."""
    endpoint = get_endpoint(actor, endpoint_id)
    _check_may_manage(actor)
    if endpoint.active:
        return endpoint
    try:
        check_target(endpoint.url)
    except ForbiddenTarget as error:
        raise InvalidInput.single("url", f"{error} Remove this webhook and add another.") from error
    webhook_health.enable(endpoint)
    record_event(actor, "webhook.enable", "webhook_endpoint", endpoint.id)
    log.info("webhook endpoint %s enabled again for practice %s", endpoint.id, actor.practice_id)
    return endpoint


def recent_deliveries(actor: Actor, limit: int = RECENT_DELIVERIES) -> list[WebhookDelivery]:
    """The practice's latest deliveries, newest first, endpoints loaded."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
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
        role = db.session.scalar(sa.select(Counselor.role).where(Counselor.id == actor.id))
    if role != CounselorRole.OWNER:
        raise InvalidInput.single(
            "practice", "Only an owner of the practice can add, remove or enable webhooks."
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
    nothing). ``data`` holds ids only. Returns the new delivery ids.

    Finding the endpoints costs no query when the request has the practice's row loaded
    already and this process read its endpoints under the same
    ``webhook_endpoints_version`` (``_subscriptions``); a practice with none subscribed
    then costs nothing at all."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    subscribed = [
        endpoint_id for endpoint_id, events in _subscriptions(practice_id) if event in events
    ]
    if not subscribed:
        return []
    body = json.dumps(
        {"type": event, "timestamp": timeutil.utcnow().isoformat(), "data": data},
        separators=(",", ":"),
    )
    # One INSERT for all of them; a failing endpoint's new one waits with its held ones.
    deliveries = db.session.execute(
        sa.insert(WebhookDelivery)
        .values(
            [
                {
                    "practice_id": practice_id,
                    "endpoint_id": endpoint_id,
                    "event": event,
                    "message_id": new_message_id(),
                    "payload": body,
                    "next_attempt_at": webhook_health.held_until(endpoint_id),
                }
                for endpoint_id in subscribed
            ]
        )
        .returning(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
    ).all()
    # Held ones are handed over by the beat's sweep once due (or when a probe succeeds).
    outbox.hand_over(WEBHOOKS, sorted(d.id for d in deliveries if d.next_attempt_at is None))
    return sorted(delivery.id for delivery in deliveries)


# The active endpoints of each practice this process has read, with their events, under
# the practice's ``webhook_endpoints_version`` then: {practice_id: (stamp, endpoints)}.
# Every change to an endpoint's existence or activity bumps the version in its own
# transaction (``webhook_health.endpoints_changed``), so an entry is used only while the
# practice row the request read still carries its stamp: the version, and the row's
# creation time (a practice that reuses a removed one's id starts over at version 0).
Subscriptions = tuple[tuple[int, frozenset[str]], ...]
Stamp = tuple[int, datetime]
_kept: dict[int, tuple[Stamp, Subscriptions]] = {}


def _subscriptions(practice_id: int) -> Subscriptions:
    """The practice's active endpoints and their events: kept ones if this request has the
    practice's row loaded at the version they were read under, else read (one SELECT)."""
    changed_here = webhook_health.changed_in_transaction(practice_id)
    stamp = None if changed_here else _loaded_stamp(practice_id)
    kept = _kept.get(practice_id)
    if stamp is not None and kept is not None and kept[0] == stamp:
        return kept[1]
    rows = db.session.execute(
        sa.select(
            Practice.webhook_endpoints_version,
            Practice.created_at,
            WebhookEndpoint.id,
            WebhookEndpoint.events,
        )
        .select_from(Practice)
        .outerjoin(
            WebhookEndpoint,
            sa.and_(
                # The practice the event happened in, named by the caller: the deliveries
                # are written for it, so its endpoints are chosen by it too.
                WebhookEndpoint.practice_id == Practice.id,
                WebhookEndpoint.active.is_(True),
                WebhookEndpoint.deleted_at.is_(None),
            ),
        )
        .where(Practice.id == practice_id)
        .order_by(WebhookEndpoint.id)
    ).all()
    subscriptions = tuple(
        (endpoint_id, frozenset(events.split()))
        for _version, _created_at, endpoint_id, events in rows
        if endpoint_id is not None
    )
    if rows and not changed_here:
        # Read with the version in one statement: the pair is consistent, whatever
        # commits meanwhile. Not kept while this session's own change is uncommitted.
        _kept[practice_id] = ((rows[0][0], rows[0][1]), subscriptions)
    return subscriptions


def _loaded_stamp(practice_id: int) -> Stamp | None:
    """The practice row's ``webhook_endpoints_version`` and creation time if this session has
    it loaded (the partner's link loads it with the couple), without asking the database.

    Trusted only within a request, which is short: a task or bulk job may hold one
    transaction while it emits many events, and the version it loaded first would hide an
    endpoint changed meanwhile; outside a request the version is read fresh."""
    if not has_request_context():
        return None
    practice = db.session.identity_map.get(identity_key(Practice, practice_id))
    if practice is None:
        return None
    unloaded = sa.inspect(practice).unloaded
    if "webhook_endpoints_version" in unloaded or "created_at" in unloaded:
        return None
    return practice.webhook_endpoints_version, practice.created_at


def forget_kept_endpoints() -> None:
    """Drop what this process keeps (tests that start a practice's ids over)."""
    _kept.clear()


def new_message_id() -> str:
    """The ``webhook-id``: the same on every attempt of one delivery."""
    return "msg_" + secrets.token_hex(16)
