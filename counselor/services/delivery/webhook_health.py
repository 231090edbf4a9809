"""An endpoint's health: its failures in a row, holding back a failing endpoint's
deliveries, and disabling one that keeps failing, with a notice to the practice's owners.

The outbox engine already waits longer after each failed attempt of one delivery. That
alone would still let a receiver that is down, or answers a byte every few seconds, take a
worker for every delivery waiting for it, each for the whole deadline. So the endpoint is
backed off as a whole (the callers in ``webhook_delivery.py`` and ``webhooks.emit``):

- every failed attempt counts one more failure in a row on the endpoint (a timeout, no
  connection, a non-2xx answer); a 2xx sets the count back to 0;
- after a failure, every delivery waiting for the endpoint is held until the endpoint's
  backoff has passed, and so are new ones written meanwhile: what comes next is one
  attempt that probes the receiver, not the whole queue at once;
- a success releases the held deliveries at once;
- after WEBHOOK_DISABLE_AFTER_FAILURES failures in a row the endpoint is disabled, its
  waiting deliveries are failed, and the practice's owners get an email: which host, why,
  and where to enable it again.

Every change to the counters is one conditional UPDATE, so two workers failing at once
both count, and only one of them disables the endpoint and sends the notice.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Counselor,
    CounselorRole,
    EmailKind,
    OutboxStatus,
    Practice,
    WebhookDelivery,
    WebhookEndpoint,
)
from counselor.services.delivery import mail

log = logging.getLogger(__name__)

CHANGED_IN_SESSION = "webhook_endpoints_changed"  # a key of the session's ``info``


def count_failure(endpoint_id: int) -> int:
    """One more failure in a row; returns how many there now are."""
    return db.session.execute(
        sa.update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(consecutive_failures=WebhookEndpoint.consecutive_failures + 1)
        .returning(WebhookEndpoint.consecutive_failures)
    ).scalar_one()


def count_success(endpoint_id: int) -> list[int]:
    """The receiver accepted: failures in a row back to 0. Returns the deliveries released
    if the endpoint was being held back (the caller hands them to workers)."""
    was_failing = db.session.execute(
        sa.update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.consecutive_failures > 0)
        .values(consecutive_failures=0)
        .returning(WebhookEndpoint.id)
    ).first()
    if was_failing is None:
        return []
    # Held, or due meanwhile with no wake-up of their own (only the probe has one).
    return list(
        db.session.scalars(
            sa.update(WebhookDelivery)
            .where(*_waiting_for(endpoint_id))
            .values(next_attempt_at=None)
            .returning(WebhookDelivery.id)
            .execution_options(synchronize_session=False)
        )
    )


def hold_waiting(endpoint_id: int, until: datetime) -> None:
    """No delivery waiting for this endpoint is attempted before ``until``."""
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            *_waiting_for(endpoint_id),
            sa.or_(
                WebhookDelivery.next_attempt_at.is_(None), WebhookDelivery.next_attempt_at < until
            ),
        )
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )


def held_until(endpoint_id: int) -> sa.ScalarSelect[datetime | None]:
    """For an endpoint that is failing, when its next attempt is due (the earliest held
    delivery): a new delivery for it waits until then. NULL for an endpoint with nothing
    held, or not failing: its next delivery goes at once, and is the probe. As SQL, for
    the INSERT of the new delivery (``webhooks.emit``): the failures are read as they are
    at that moment (they change with every attempt, so no process keeps them), and no
    statement of its own is spent on them."""
    return (
        sa.select(sa.func.min(WebhookDelivery.next_attempt_at))
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookEndpoint.consecutive_failures > 0,
            WebhookDelivery.status == OutboxStatus.PENDING,
            WebhookDelivery.next_attempt_at > timeutil.utcnow(),
        )
        .scalar_subquery()
    )


def endpoints_changed(practice_id: int) -> None:
    """One of the practice's endpoints was created, deleted, enabled or disabled: a new
    ``webhook_endpoints_version``, so every process reads the endpoints again for the next
    event (``webhooks.emit``), in this transaction. Every such change calls this."""
    db.session.execute(
        sa.update(Practice)
        .where(Practice.id == practice_id)
        .values(webhook_endpoints_version=Practice.webhook_endpoints_version + 1)
    )
    db.session.info.setdefault(CHANGED_IN_SESSION, {})[practice_id] = db.session().get_transaction()


def changed_in_transaction(practice_id: int) -> bool:
    """Whether the session's transaction changed the practice's endpoints: until it commits,
    their new version is not everyone's (a rollback would give the number back for another
    change to take), so no process may keep what it reads under it."""
    changed = db.session.info.get(CHANGED_IN_SESSION, {})
    transaction = changed.get(practice_id)
    return transaction is not None and transaction is db.session().get_transaction()


def disable(endpoint: WebhookEndpoint, reason: str, *, tell_owners: bool) -> bool:
    """Stop sending to the endpoint: its waiting deliveries fail, and the owners are told
    if asked. False if it was disabled already (by another worker, just now)."""
    disabled = db.session.execute(
        sa.update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint.id, WebhookEndpoint.active.is_(True))
        .values(active=False, disabled_reason=reason[:200])
        .returning(WebhookEndpoint.id)
    ).first()
    if disabled is None:
        return False
    endpoints_changed(endpoint.practice_id)
    fail_waiting_deliveries(endpoint.id, "not sent: the endpoint is disabled")
    log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)
    if tell_owners:
        _tell_owners(endpoint)
    return True


def enable(endpoint: WebhookEndpoint) -> None:
    """Sending starts again, with a clean record; deliveries failed meanwhile stay failed."""
    endpoint.active, endpoint.disabled_reason, endpoint.consecutive_failures = True, None, 0
    endpoints_changed(endpoint.practice_id)


def fail_waiting_deliveries(endpoint_id: int, error: str) -> None:
    """Deliveries still waiting for an endpoint that is gone are never sent."""
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(*_waiting_for(endpoint_id))
        .values(status=OutboxStatus.FAILED, last_error=error)
        .execution_options(synchronize_session=False)
    )


def _waiting_for(endpoint_id: int) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        WebhookDelivery.endpoint_id == endpoint_id,
        WebhookDelivery.status == OutboxStatus.PENDING,
    )


def _tell_owners(endpoint: WebhookEndpoint) -> None:
    """An email to each active owner of the practice (``email_content`` says what)."""
    owners = db.session.scalars(
        sa.select(Counselor.id).where(
            Counselor.practice_id == endpoint.practice_id,
            Counselor.role == CounselorRole.OWNER,
            Counselor.active.is_(True),
        )
    ).all()
    moment = timeutil.utcnow().strftime("%Y%m%d%H%M%S")
    mail.insert_planned_emails(
        [
            {
                "practice_id": endpoint.practice_id,
                "counselor_id": owner_id,
                "kind": EmailKind.WEBHOOK_DISABLED,
                "webhook_endpoint_id": endpoint.id,
                # One notice per owner for each time the endpoint is disabled.
                "dedupe_key": f"webhook-disabled:{endpoint.id}:{owner_id}:{moment}",
            }
            for owner_id in owners
        ]
    )
