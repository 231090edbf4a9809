"""services/delivery/outbox.py: the engine every outbox runs on — claims, leases, reclaims,
due rows, backoff, retry or fail — tested once for each kind (emails and webhooks).

What a kind sends is scripted here (``scripted``), so these tests are about the engine;
tests/services/test_mail.py and test_webhooks.py send for real.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import EmailKind, OutboxStatus
from counselor.models.mixins import OutboxMixin
from counselor.services.audit import Actor
from counselor.services.delivery import mail, outbox, webhooks
from counselor.services.delivery.outbox import DeliveryReport, OutboxKind, Outcome
from counselor.services.delivery.webhook_delivery import WEBHOOKS
from tests.support import factories

pytestmark = pytest.mark.usefixtures("clock")


@dataclass
class Outbox:
    """One kind of outbox and a way to write pending rows of it for one practice."""

    kind: OutboxKind
    practice_id: int
    write: Callable[[], int]

    def new_rows(self, number: int) -> list[int]:
        with tenancy.practice_scope(self.practice_id):  # as the request that causes them
            ids = [self.write() for _ in range(number)]
        db.session.commit()
        return ids


def email_outbox(counselor) -> Outbox:
    partner = factories.CoupleFactory(counselor=counselor).partners[0]
    return Outbox(
        mail.EMAILS,
        counselor.practice_id,
        lambda: mail.queue_email(partner, EmailKind.LINK).id,
    )


def webhook_outbox(counselor) -> Outbox:
    with tenancy.practice_scope(counselor.practice_id):
        webhooks.create_endpoint(
            Actor.for_counselor(counselor), "http://127.0.0.1:9/hook", ["checkin.created"]
        )
    return Outbox(
        WEBHOOKS,
        counselor.practice_id,
        lambda: webhooks.emit(counselor.practice_id, "checkin.created", {"checkin_id": 1})[0],
    )


@pytest.fixture(params=[email_outbox, webhook_outbox], ids=["email", "webhook"])
def box(request: pytest.FixtureRequest, counselor) -> Outbox:
    return request.param(counselor)


def scripted(kind: OutboxKind, outcomes: Iterable[Outcome | Exception]) -> OutboxKind:
    """The kind with its composing and sending replaced: each attempt takes the next
    outcome, or raises it."""
    script = iter(outcomes)

    def send(_row: OutboxMixin, _message: str) -> Outcome:
        outcome = next(script)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return composing(kind, lambda _row: "message", send)


def composing(
    kind: OutboxKind, prepare: Callable[[OutboxMixin], str], send: Callable
) -> OutboxKind:
    """The kind with ``prepare`` composing each row and ``send`` sending it; a kind that
    composes per chunk (emails) composes the claim's rows with ``prepare`` in one go."""
    chunk = (lambda claimed: [prepare(row) for row in claimed]) if kind.prepare_chunk else None
    return dataclasses.replace(
        kind, prepare=prepare, prepare_chunk=chunk, open_sender=lambda: nullcontext(send)
    )


def rows(kind: OutboxKind, ids: list[int]) -> list[OutboxMixin]:
    """The rows as stored now, whichever practice they belong to."""
    db.session.expire_all()
    statement = sa.select(kind.model).where(kind.model.id.in_(ids)).order_by(kind.model.id)
    return list(db.session.scalars(tenancy.across_practices(statement)))


def make_due_later(kind: OutboxKind, row_id: int, delay: timedelta, now) -> None:
    db.session.execute(
        tenancy.across_practices(
            sa.update(kind.model).where(kind.model.id == row_id).values(next_attempt_at=now + delay)
        )
    )
    db.session.commit()


# Claims, leases and due rows.


def test_only_the_first_claim_gets_the_rows(box):
    ids = box.new_rows(2)

    first = outbox.claim(box.kind, ids)
    second = outbox.claim(box.kind, ids)

    assert [row.id for row in first] == ids
    assert second == []
    assert [(r.status, r.attempts) for r in rows(box.kind, ids)] == [(OutboxStatus.SENDING, 1)] * 2


def test_a_row_held_past_its_lease_is_claimed_again_and_logged(box, clock, caplog):
    [row_id] = box.new_rows(1)
    assert outbox.claim(box.kind, [row_id])  # and the worker dies

    clock.advance(box.kind.lease() - timedelta(seconds=1))
    assert outbox.claim(box.kind, [row_id]) == []
    clock.advance(seconds=2)
    with caplog.at_level(logging.WARNING, logger="counselor.services.delivery.outbox"):
        [reclaimed] = outbox.claim(box.kind, [row_id])

    assert (reclaimed.id, reclaimed.attempts) == (row_id, 2)
    described = box.kind.describe(reclaimed)
    assert f"{described} reclaimed after its worker stopped; it may arrive twice" in caplog.text


def test_due_ids_are_pending_rows_whose_time_has_come_and_expired_claims(box, clock):
    now_id, later_id, done_id, held_id = box.new_rows(4)
    make_due_later(box.kind, later_id, timedelta(minutes=5), clock.now)
    outbox.deliver(scripted(box.kind, [Outcome.done()]), [done_id])
    outbox.claim(box.kind, [held_id])

    assert outbox.due_ids(box.kind, limit=10) == [now_id]
    clock.advance(max(box.kind.lease(), timedelta(minutes=5)) + timedelta(seconds=1))
    assert outbox.due_ids(box.kind, limit=10) == [now_id, later_id, held_id]
    assert outbox.due_ids(box.kind, limit=1) == [now_id]


def test_claims_span_practices_and_each_row_is_sent_in_its_own_practices_scope(app, box, counselor):
    other = (email_outbox if box.kind is mail.EMAILS else webhook_outbox)(
        factories.CounselorFactory()
    )
    ids = box.new_rows(1) + other.new_rows(1)
    app.config["TENANCY_REQUIRE_SCOPE"] = True  # a worker has no practice of its own
    scopes: list[int | None] = []

    def send(_row: OutboxMixin, _message: str) -> Outcome:
        scopes.append(tenancy.current_practice_id())
        return Outcome.done()

    kind = composing(box.kind, lambda _row: "message", send)
    assert sorted(outbox.due_ids(kind, limit=10)) == ids
    report = outbox.deliver(kind, ids)

    assert report.done == ids
    assert scopes == [counselor.practice_id, other.practice_id]
    assert tenancy.current_practice_id() is None


# Recording what an attempt came to.


def test_each_outcome_is_recorded_and_a_broken_row_does_not_stop_the_batch(box, caplog):
    ids = box.new_rows(4)
    script = [
        Outcome.done(),
        RuntimeError("a bug with this row"),
        Outcome.fail("refused for good"),
        Outcome.cancel("no longer wanted"),
    ]

    report = outbox.deliver(scripted(box.kind, script), ids)

    assert (report.done, [i for i, _ in report.retry], report.failed, report.cancelled) == (
        [ids[0]],
        [ids[1]],
        [ids[2]],
        [ids[3]],
    )
    assert [(r.status, r.last_error, r.claim_token) for r in rows(box.kind, ids)] == [
        (box.kind.done_status, None, None),
        (OutboxStatus.PENDING, "internal error", None),
        (OutboxStatus.FAILED, "refused for good", None),
        (OutboxStatus.CANCELLED, "not sent: no longer wanted", None),
    ]
    assert "a bug with this row" in caplog.text  # the traceback is logged


def test_a_temporary_failure_waits_out_its_backoff_then_wakes_a_worker(
    box, clock, send_task, monkeypatch
):
    monkeypatch.setattr(outbox.random, "uniform", lambda low, high: high)
    [row_id] = box.new_rows(1)
    send_task.forget()  # the hand-off that writing the row made
    wait = box.kind.backoff.ceiling(1)

    report = outbox.deliver(scripted(box.kind, [Outcome.retry("try later")]), [row_id])

    assert report.retry == [(row_id, wait)]
    [row] = rows(box.kind, [row_id])
    assert (row.status, row.last_error) == (OutboxStatus.PENDING, "try later")
    assert row.next_attempt_at == clock.now + timedelta(seconds=wait)
    assert send_task.calls == [(box.kind.deliver_task, [[row_id]])]
    assert send_task.options == [{"countdown": wait}]
    assert outbox.deliver(scripted(box.kind, []), [row_id]) == DeliveryReport()  # not yet due
    clock.advance(seconds=wait)
    assert outbox.deliver(scripted(box.kind, [Outcome.done()]), [row_id]).done == [row_id]


def test_after_the_last_attempt_a_row_fails_for_good(app, box, clock, caplog):
    app.config[box.kind.max_attempts_setting] = 2
    [row_id] = box.new_rows(1)
    always_busy = scripted(box.kind, itertools.repeat(Outcome.retry("busy")))

    reports = []
    for _ in range(3):
        reports.append(outbox.deliver(always_busy, [row_id]))
        clock.advance(seconds=box.kind.backoff.ceiling(10))

    assert [len(r.retry) for r in reports] == [1, 0, 0]
    assert reports[1].failed == [row_id]
    [row] = rows(box.kind, [row_id])
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.FAILED, 2, "busy")
    assert outbox.due_ids(box.kind, limit=10) == []
    assert "failed after 2 attempts" in caplog.text


@pytest.mark.committed_db
def test_what_composing_wrote_is_committed_before_the_message_leaves(box):
    [row_id] = box.new_rows(1)
    seen_by_others: list[str | None] = []

    def compose(row: OutboxMixin) -> str:
        row.last_error = "composed"  # stands for what composing writes (an email's links)
        return "message"

    def send(row: OutboxMixin, _message: str) -> Outcome:
        table = box.kind.model.__table__
        with db.engine.connect() as connection:  # another connection, as a reader would be
            seen_by_others.append(
                connection.scalar(sa.select(table.c.last_error).where(table.c.id == row.id))
            )
        return Outcome.done()

    outbox.deliver(composing(box.kind, compose, send), [row_id])

    assert seen_by_others == ["composed"]


# Handing rows to workers.


def test_the_sweep_hands_due_rows_to_the_kinds_task_in_chunks(box, clock, send_task):
    in_twos = dataclasses.replace(box.kind, chunk_size=lambda: 2)
    *due, later = box.new_rows(4)
    make_due_later(box.kind, later, timedelta(hours=1), clock.now)
    send_task.forget()  # as if the broker had lost the hand-offs: only the sweep finds them

    assert outbox.hand_over_due(in_twos) == 3
    db.session.commit()  # the task's unit of work ends: the hand-offs leave

    task = box.kind.deliver_task
    assert send_task.calls == [(task, [due[:2]]), (task, [due[2:]])]


def test_the_sweep_with_nothing_due_hands_over_nothing(box, send_task):
    assert outbox.hand_over_due(box.kind) == 0
    db.session.commit()
    assert send_task.calls == []


# Backoff.


@pytest.mark.parametrize(
    ("kind", "first_ceilings", "cap"),
    [(mail.EMAILS, [30, 60, 120, 240], 3600), (WEBHOOKS, [60, 180, 540, 1620], 6 * 3600)],
    ids=["email", "webhook"],
)
def test_backoff_grows_exponentially_to_each_kinds_cap(kind, first_ceilings, cap):
    ceilings = [kind.backoff.ceiling(attempts) for attempts in range(1, 15)]

    assert ceilings[:4] == first_ceilings
    assert ceilings == sorted(ceilings)
    assert ceilings[-1] == kind.backoff.ceiling(1000) == cap


@pytest.mark.parametrize("kind", [mail.EMAILS, WEBHOOKS], ids=["email", "webhook"])
def test_backoff_has_full_jitter(kind):
    for attempts in (1, 3, 40):
        ceiling = kind.backoff.ceiling(attempts)
        samples = [kind.backoff.delay(attempts) for _ in range(400)]
        assert all(0 <= delay <= ceiling for delay in samples)
        assert min(samples) < ceiling / 4 and max(samples) > ceiling * 3 / 4
