"""tasks/webhooks.py: the delivery tasks called directly, their retry policy, the beat
sweep, and the hand-off from the web process."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import tasks.webhooks
from counselor import task_names, timeutil
from counselor.config import Defaults
from counselor.extensions import db
from counselor.models import AssignmentStatus, CheckInSource, DeliveryStatus, WebhookDelivery
from counselor.services.audit import Actor
from counselor.services.delivery import webhooks
from counselor.services.homework.assignments import end_assignment
from counselor.services.homework.checkins import CheckInInput, record_checkin
from tests.support import factories


def statuses() -> dict[int, DeliveryStatus]:
    db.session.rollback()
    return dict(db.session.execute(sa.select(WebhookDelivery.id, WebhookDelivery.status)).all())


def complete_steps(counselor, number: int) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.for_counselor(counselor)
    couple = factories.CoupleFactory(counselor=counselor)
    for _ in range(number):
        end_assignment(
            actor, factories.AssignmentFactory(couple=couple).id, AssignmentStatus.COMPLETED
        )


# Level 1: the task functions, called directly.


def test_the_task_retries_until_the_receiver_accepts_with_the_same_webhook_id(
    counselor, actor, receiver, clock, send_task
):
    _endpoint, receiver.secret = webhooks.create_endpoint(actor, receiver.url, webhooks.EVENTS)
    receiver.fail_first = 2
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)
    record_checkin(
        actor,
        assignment.id,
        CheckInInput(partner_id=couple.partners[0].id, source=CheckInSource.DASHBOARD),
    )
    end_assignment(actor, assignment.id, AssignmentStatus.COMPLETED)
    handed = [args[0] for name, args in send_task.calls if name == task_names.DELIVER_WEBHOOKS]
    assert len(handed) == 2  # one hand-off per committed change
    send_task.forget()

    for ids in handed:
        tasks.webhooks.deliver_webhooks(ids)
    for _round in range(2):  # the worker runs each retry the task scheduled, once it is due
        scheduled = list(zip(send_task.calls, send_task.options, strict=True))
        send_task.forget()
        assert len(scheduled) == 2
        for (name, _args), options in scheduled:
            assert name == "tasks.webhooks.deliver_webhooks"
            assert 0 <= options["countdown"] <= tasks.webhooks.BACKOFF_BASE_SECONDS * 3**_round
        clock.advance(seconds=max(options["countdown"] for _call, options in scheduled) + 1)
        for (_name, args), _options in scheduled:
            tasks.webhooks.deliver_webhooks(*args)

    assert send_task.calls == []  # delivered: nothing more scheduled
    assert set(statuses().values()) == {DeliveryStatus.DELIVERED}
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

    tasks.webhooks.deliver_webhooks(ids)
    tasks.webhooks.deliver_webhooks(ids)

    assert len(receiver.requests) == 1


def test_deliver_due_webhooks_hands_due_rows_over_in_chunks(
    app, counselor, actor, clock, send_task, monkeypatch
):
    monkeypatch.setattr(webhooks, "DELIVERY_CHUNK", 2)
    webhooks.create_endpoint(actor, "http://127.0.0.1:9/hook", ["assignment.completed"])
    complete_steps(counselor, 4)
    later = max(statuses())
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == later)
        .values(next_attempt_at=clock.now.replace(year=clock.now.year + 1))
    )
    db.session.commit()
    send_task.forget()  # as if the broker had lost the hand-offs: only the sweep finds them

    assert tasks.webhooks.deliver_due_webhooks() == 3

    due = sorted(i for i in statuses() if i != later)
    assert [args for _name, args in send_task.calls] == [[due[:2]], [due[2:]]]


def test_deliver_due_webhooks_with_nothing_due_returns_zero(app, send_task):
    assert tasks.webhooks.deliver_due_webhooks() == 0
    assert send_task.calls == []


def test_retry_delay_grows_exponentially_up_to_the_cap(monkeypatch):
    monkeypatch.setattr(tasks.webhooks.random, "uniform", lambda low, high: high)

    ceilings = [tasks.webhooks.retry_delay(attempts) for attempts in range(1, 12)]

    assert ceilings[:4] == [60, 180, 540, 1620]
    assert ceilings == sorted(ceilings)
    assert max(ceilings) == tasks.webhooks.BACKOFF_MAX_SECONDS
    assert tasks.webhooks.retry_delay(1000) == tasks.webhooks.BACKOFF_MAX_SECONDS


def test_retry_delay_has_full_jitter():
    for attempts, ceiling in [(1, 60), (3, 540), (40, tasks.webhooks.BACKOFF_MAX_SECONDS)]:
        samples = [tasks.webhooks.retry_delay(attempts) for _ in range(200)]
        assert all(0 <= delay <= ceiling for delay in samples)
        assert min(samples) < ceiling / 4 and max(samples) > ceiling * 3 / 4


def test_the_worker_loads_the_tasks_and_beat_sweeps_every_minute():
    assert "tasks.webhooks" in Defaults.CELERY["include"]
    sweep = Defaults.CELERY["beat_schedule"]["deliver-due-webhooks"]
    assert sweep == {"task": "tasks.webhooks.deliver_due_webhooks", "schedule": 60.0}


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
