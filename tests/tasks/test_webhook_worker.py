"""The whole webhook path with a real worker on a real broker (the embedded one always,
Redis when configured): a check-in is recorded, the worker delivers its event to a
receiver that refuses twice, and the retries the task schedules bring it home."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import CheckInSource, OutboxStatus, WebhookDelivery
from counselor.services.delivery import outbox, webhooks
from counselor.services.homework.checkins import CheckInInput, record_checkin
from tests.support import factories
from tests.support.webhook_receiver import running_receiver

pytestmark = pytest.mark.committed_db


@pytest.fixture
def app_overrides(broker_settings: dict) -> dict:
    """An app of the test's own, on the broker its worker consumes."""
    return broker_settings


def test_a_check_in_reaches_a_receiver_that_fails_twice(
    app, counselor, actor, worker, waiter, monkeypatch
):
    # Minutes would make the test wait; the policy itself is tested on its own. The delay
    # is a delivery's own wait, the ceiling its endpoint's hold after a failure.
    monkeypatch.setattr(outbox.Backoff, "delay", lambda _backoff, _attempts: 0.2)
    monkeypatch.setattr(outbox.Backoff, "ceiling", lambda _backoff, _attempts: 0.2)
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)
    with running_receiver() as receiver:
        _endpoint, receiver.secret = webhooks.create_endpoint(
            actor, receiver.url, ["checkin.created"]
        )
        receiver.fail_first = 2

        check_in, _ = record_checkin(
            actor,
            assignment.id,
            CheckInInput(partner_id=couple.partners[0].id, source=CheckInSource.DASHBOARD),
        )
        db.session.commit()  # as the request does: the delivery leaves for the worker

        waiter(lambda: len(receiver.accepted) == 1)
        waiter(lambda: _statuses() == [OutboxStatus.DELIVERED])
    assert len(receiver.requests) == 3
    assert all(request.valid_signature for request in receiver.requests)
    assert len({request.message_id for request in receiver.requests}) == 1
    assert receiver.accepted[0].event["data"]["checkin_id"] == check_in.id


def _statuses() -> list[OutboxStatus]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery.status)))
