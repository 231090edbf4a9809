"""tasks/outbox.py: the webhook tasks called directly, and the hand-off from the web
process. The engine behind them (claims, backoff, the sweep): tests/services/test_outbox.py."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import tasks.outbox
from counselor import task_names, timeutil
from counselor.extensions import db
from counselor.models import AssignmentStatus, CheckInSource, OutboxStatus, WebhookDelivery
from counselor.services.audit import Actor
from counselor.services.delivery import webhooks
from counselor.services.delivery.webhook_delivery import WEBHOOKS
from counselor.services.homework.checkins import CheckInInput, record_checkin
from counselor.services.homework.lifecycle import end_assignment
from tests.support import factories


def statuses() -> dict[int, OutboxStatus]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(WebhookDelivery.id, WebhookDelivery.status)).all())


def complete_steps(counselor, number: int) -> None:
    actor = Actor.for_counselor(counselor)
    couple = factories.CoupleFactory(counselor=counselor)
    for _ in range(number):
        end_assignment(
            actor, factories.AssignmentFactory(couple=couple).id, AssignmentStatus.COMPLETED
        )
    db.session.commit()


# Level 1: the task functions, called directly.


def test_the_task_retries_until_the_receiver_accepts_with_the_same_webhook_id(
    counselor, actor, receiver, clock, send_task
):
    _endpoint, receiver.secret = webhooks.create_endpoint(actor, receiver.url, webhooks.EVENTS)
    receiver.fail_first = 2
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)
    db.session.commit()
    record_checkin(
        actor,
        assignment.id,
        CheckInInput(partner_id=couple.partners[0].id, source=CheckInSource.DASHBOARD),
    )
    db.session.commit()  # as the request that recorded it does
    end_assignment(actor, assignment.id, AssignmentStatus.COMPLETED)
    db.session.commit()
    handed = [args[0] for name, args in send_task.calls if name == task_names.DELIVER_WEBHOOKS]
    assert len(handed) == 2  # one hand-off per committed change
    send_task.forget()

    for ids in handed:
        tasks.outbox.deliver_webhooks(ids)
    countdowns = []
    while send_task.calls:  # the worker runs each task it was sent, once its countdown is up
        scheduled = list(zip(send_task.calls, send_task.options, strict=True))
        send_task.forget()
        assert {name for (name, _args), _options in scheduled} == {task_names.DELIVER_WEBHOOKS}
        countdowns += [options.get("countdown", 0) for _call, options in scheduled]
        clock.advance(seconds=max(options.get("countdown", 0) for _c, options in scheduled) + 1)
        for (_name, args), _options in scheduled:
            tasks.outbox.deliver_webhooks(*args)
        assert len(countdowns) < 10

    # The first delivery probes the failing endpoint alone, the other held back with it
    # (1, then 3 minutes); its success hands the other over at once (0), which then
    # fails twice on its own (the streak starting again from 1).
    one, two = WEBHOOKS.backoff.ceiling(1), WEBHOOKS.backoff.ceiling(2)
    assert countdowns == [one, two, 0, one, two] == [60, 180, 0, 60, 180]
    assert send_task.calls == []  # delivered: nothing more scheduled
    assert set(statuses().values()) == {OutboxStatus.DELIVERED}
    assert len(receiver.requests) == 6
    assert all(request.valid_signature for request in receiver.requests)
    assert sorted(receiver.attempts.values()) == [3, 3]
    assert sorted(r.event["type"] for r in receiver.accepted) == [
        "assignment.completed",
        "checkin.created",
    ]


def test_the_task_run_twice_delivers_once(counselor, actor, receiver, clock):
    _endpoint, receiver.secret = webhooks.create_endpoint(actor, receiver.url, webhooks.EVENTS)
    complete_steps(counselor, 1)
    ids = list(statuses())

    tasks.outbox.deliver_webhooks(ids)
    tasks.outbox.deliver_webhooks(ids)

    assert len(receiver.requests) == 1


# Level 2: a view hands deliveries over only once they are committed.


# Looks from another connection, as a worker would: the rows must really be committed.
@pytest.mark.committed_db
def test_a_dashboard_check_in_hands_its_webhook_to_a_worker_after_commit(
    logged_in, counselor, actor, send_task
):
    webhooks.create_endpoint(actor, "http://127.0.0.1:9/hook", ["checkin.created"])
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)
    table = WebhookDelivery.__table__
    seen: list[list] = []

    def committed(name: str, args: list) -> None:
        if name == task_names.DELIVER_WEBHOOKS:
            with db.engine.connect() as connection:
                seen.append(
                    list(connection.execute(sa.select(table.c.id).where(table.c.id.in_(args[0]))))
                )

    send_task.check = committed

    response = logged_in.post(
        f"/assignments/{assignment.id}/checkins/new",
        data={
            "idempotency_key": "k-1",
            "partner_id": str(couple.partners[0].id),
            "occurred_on": timeutil.local_today("America/Chicago").isoformat(),
            "comfort": "4",
        },
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    [delivery_id] = statuses()
    assert [[row.id for row in rows] for rows in seen] == [[delivery_id]]
