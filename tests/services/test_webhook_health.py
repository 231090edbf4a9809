"""One practice's webhooks cannot hold the workers every practice shares (issue 12,
finding 1): at most WEBHOOK_MAX_IN_FLIGHT_PER_PRACTICE of its deliveries are in flight
across all workers; an endpoint that keeps failing is probed by one delivery at a time,
the rest held back with it; and after WEBHOOK_DISABLE_AFTER_FAILURES failures in a row it
is disabled and the practice's owners get an email.

Endpoint health: services/delivery/webhook_health.py; the cap: the outbox engine's
``in_flight_setting`` (services/delivery/outbox.py)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import (
    AuditEvent,
    CounselorRole,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from counselor.services.audit import Actor
from counselor.services.delivery import email_content, mail, outbox, webhooks
from counselor.services.delivery.webhook_delivery import WEBHOOKS
from counselor.services.errors import InvalidInput
from tests.support import factories
from tests.support.webhook_receiver import running_receiver

pytestmark = pytest.mark.usefixtures("actor")  # the counselor's practice is in scope


@pytest.fixture
def clock_start() -> datetime:
    """Now: the receiver checks signatures' timestamps against its clock."""
    return datetime.now(UTC)


@pytest.fixture(autouse=True)
def one_minute_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """A delivery's own retry waits a minute; the endpoint's hold is the backoff's ceiling."""
    monkeypatch.setattr(outbox.Backoff, "delay", lambda _backoff, _attempts: 60.0)


def events(practice_id: int, number: int) -> list[int]:
    ids = [
        delivery_id
        for n in range(number)
        for delivery_id in webhooks.emit(practice_id, "checkin.created", {"checkin_id": n})
    ]
    db.session.commit()
    return ids


def deliveries() -> dict[int, WebhookDelivery]:
    db.session.expire_all()
    return {
        d.id: d for d in db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id))
    }


def deliver(ids: list[int] | None = None) -> outbox.DeliveryReport:
    return outbox.deliver(WEBHOOKS, ids if ids is not None else list(deliveries()))


def streak(endpoint: WebhookEndpoint) -> int:
    db.session.refresh(endpoint)
    return endpoint.consecutive_failures


# A failing endpoint is backed off as a whole.


def test_a_failing_endpoint_is_probed_alone_and_a_success_releases_the_rest(
    counselor, actor, receiver, clock
):
    endpoint, receiver.secret = webhooks.create_endpoint(actor, receiver.url, ["checkin.created"])
    receiver.status = 503
    ids = events(counselor.practice_id, 4)

    assert deliver(ids).retry == [(ids[0], 60.0)]
    held = clock.now + timedelta(seconds=60)
    assert len(receiver.requests) == 1  # the other three were held back, not attempted
    assert {d.next_attempt_at for d in deliveries().values()} == {held}
    assert {d.attempts for d in deliveries().values()} == {1, 0}
    assert streak(endpoint) == 1
    [new] = events(counselor.practice_id, 1)
    assert deliveries()[new].next_attempt_at == held  # a new event waits with them

    clock.advance(seconds=61)
    deliver()
    assert len(receiver.requests) == 2  # again one probe; the hold grows (3 minutes)
    assert streak(endpoint) == 2
    assert {d.next_attempt_at for d in deliveries().values()} == {
        clock.now + timedelta(seconds=180)
    }

    receiver.status = 204
    clock.advance(seconds=181)
    deliver([ids[0]])
    assert streak(endpoint) == 0
    waiting = [d for d in deliveries().values() if d.status == OutboxStatus.PENDING]
    assert len(waiting) == 4 and {d.next_attempt_at for d in waiting} == {None}  # released
    deliver()
    assert {d.status for d in deliveries().values()} == {OutboxStatus.DELIVERED}
    assert len(receiver.requests) == 7


def test_after_the_threshold_the_endpoint_is_disabled_and_its_owners_told(
    app, counselor, actor, clock
):
    app.config["WEBHOOK_DISABLE_AFTER_FAILURES"] = 3
    second_owner = factories.CounselorFactory(practice=counselor.practice)
    factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)
    factories.CounselorFactory(practice=counselor.practice, active=False)  # an owner who left
    with running_receiver() as gone:  # nothing listens there any more: refused
        url = gone.url
    endpoint, secret = webhooks.create_endpoint(actor, url, ["checkin.created"])
    ids = events(counselor.practice_id, 3)

    for _failure in range(3):
        deliver()
        clock.advance(timedelta(hours=1))

    db.session.refresh(endpoint)
    assert endpoint.active is False
    assert endpoint.disabled_reason.endswith(
        "after 3 failed attempts in a row (the last: could not connect)."
    )
    rows = deliveries()
    assert {rows[i].status for i in ids} == {OutboxStatus.FAILED}
    assert sorted(rows[i].last_error for i in ids) == [
        "could not connect; the endpoint is now disabled",  # the third failure's
        "not sent: the endpoint is disabled",
        "not sent: the endpoint is disabled",
    ]
    notices = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.kind == EmailKind.WEBHOOK_DISABLED)
    ).all()
    assert sorted((n.counselor_id, n.webhook_endpoint_id) for n in notices) == [
        (counselor.id, endpoint.id),
        (second_owner.id, endpoint.id),
    ]
    assert events(counselor.practice_id, 1) == []  # nothing more is written for it

    message = mail.build_message(notices[0])
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert message["To"] == counselor.email
    assert message["Subject"] == "A webhook was disabled"
    for body in (text, html):
        assert "127.0.0.1" in body  # which receiver: its host
        assert "3 failed attempts in a row" in body  # why
        assert "/settings/webhooks" in body  # where to enable it again
        assert secret not in body
        assert "/hooks/homework" not in body  # not the URL's path, which may hold a token
        assert "checkin" not in body  # nothing of any event


def test_the_notice_is_dropped_once_the_endpoint_is_enabled_again(app, counselor, actor, clock):
    app.config["WEBHOOK_DISABLE_AFTER_FAILURES"] = 1
    with running_receiver() as gone:
        url = gone.url
    endpoint, _ = webhooks.create_endpoint(actor, url, ["checkin.created"])
    events(counselor.practice_id, 1)
    deliver()
    [notice] = db.session.scalars(sa.select(OutboxEmail)).all()
    assert email_content.reason_not_to_send(notice) is None

    webhooks.enable_endpoint(actor, endpoint.id)

    assert email_content.reason_not_to_send(notice) == "the webhook was enabled again or removed"


def test_an_owner_enables_a_disabled_endpoint_again_audited(app, counselor, actor, clock):
    app.config["WEBHOOK_DISABLE_AFTER_FAILURES"] = 1
    with running_receiver() as gone:
        url = gone.url
    endpoint, _ = webhooks.create_endpoint(actor, url, ["checkin.created"])
    events(counselor.practice_id, 1)
    deliver()
    assert streak(endpoint) == 1 and not endpoint.active
    colleague = factories.CounselorFactory(
        practice=counselor.practice, role=CounselorRole.COUNSELOR
    )
    with pytest.raises(InvalidInput):
        webhooks.enable_endpoint(Actor.for_counselor(colleague), endpoint.id)
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    with pytest.raises(InvalidInput) as refused:  # the rules as they are now
        webhooks.enable_endpoint(actor, endpoint.id)
    assert "loopback" in refused.value.errors["url"][0]
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True

    webhooks.enable_endpoint(actor, endpoint.id)
    db.session.commit()

    assert (endpoint.active, endpoint.disabled_reason, streak(endpoint)) == (True, None, 0)
    audit = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "webhook_endpoint")
    ).all()
    assert audit == ["webhook.create", "webhook.enable"]
    assert len(events(counselor.practice_id, 1)) == 1  # events are written for it again


# At most WEBHOOK_MAX_IN_FLIGHT_PER_PRACTICE deliveries of one practice in flight.


def test_a_practice_at_its_cap_is_skipped_and_its_rows_left_waiting(app, counselor, actor, clock):
    app.config["WEBHOOK_MAX_IN_FLIGHT_PER_PRACTICE"] = 2
    webhooks.create_endpoint(actor, "http://127.0.0.1:9/hook", ["checkin.created"])
    ours = events(counselor.practice_id, 3)
    other = factories.CounselorFactory()
    with tenancy.practice_scope(other.practice_id):
        webhooks.create_endpoint(
            Actor.for_counselor(other), "http://127.0.0.1:9/x", ["checkin.created"]
        )
        [theirs] = events(other.practice_id, 1)

    assert [row.id for row in outbox.claim(WEBHOOKS, [ours[0]])] == [ours[0]]
    assert [row.id for row in outbox.claim(WEBHOOKS, [ours[1]])] == [ours[1]]
    assert outbox.claim(WEBHOOKS, [ours[2]]) == []  # at the cap: left for later
    assert outbox.due_ids(WEBHOOKS, limit=10) == [theirs]  # the sweep passes it by too
    assert [row.id for row in outbox.claim(WEBHOOKS, [theirs])] == [theirs]
    left = deliveries()[ours[2]]
    assert (left.status, left.attempts, left.last_error) == (OutboxStatus.PENDING, 0, None)

    clock.advance(WEBHOOKS.lease() + timedelta(seconds=1))  # their worker died: places free
    assert [row.id for row in outbox.claim(WEBHOOKS, [ours[2]])] == [ours[2]]


def test_a_claim_of_several_rows_takes_only_what_fits_under_the_cap(app, counselor, actor):
    app.config["WEBHOOK_MAX_IN_FLIGHT_PER_PRACTICE"] = 2
    webhooks.create_endpoint(actor, "http://127.0.0.1:9/hook", ["checkin.created"])
    ids = events(counselor.practice_id, 5)
    in_batches = dataclasses.replace(WEBHOOKS, claim_size=None)

    assert [row.id for row in outbox.claim(in_batches, ids)] == ids[:2]
    assert outbox.claim(in_batches, ids) == []


@pytest.mark.committed_db  # workers on connections of their own
def test_racing_workers_never_take_more_than_the_cap(app, counselor, actor):
    app.config["WEBHOOK_MAX_IN_FLIGHT_PER_PRACTICE"] = 2
    webhooks.create_endpoint(actor, "http://127.0.0.1:9/hook", ["checkin.created"])
    ids = events(counselor.practice_id, 6)
    start = threading.Barrier(len(ids))
    claimed: list[int] = []
    errors: list[BaseException] = []

    def worker(delivery_id: int) -> None:
        with app.app_context():
            try:
                start.wait(timeout=10)
                claimed.extend(row.id for row in outbox.claim(WEBHOOKS, [delivery_id]))
            except BaseException as error:  # shown by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(claimed) == 2
    sending = [d for d in deliveries().values() if d.status == OutboxStatus.SENDING]
    assert sorted(d.id for d in sending) == sorted(claimed)
