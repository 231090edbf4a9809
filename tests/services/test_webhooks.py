"""Webhooks: subscriptions and the events written with each change
(services/delivery/webhooks.py), and signed delivery to a real receiver on 127.0.0.1
(webhook_delivery.py). Claims, leases and backoff: tests/services/test_outbox.py.

The tests act for the counselor's practice (the ``actor`` fixture's scope); a service call
for another practice enters that practice's scope."""

from __future__ import annotations

import base64
import logging
import socket
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor import task_names, tenancy
from counselor.extensions import db
from counselor.models import (
    AssignmentStatus,
    CheckIn,
    CheckInSource,
    CounselorRole,
    OutboxStatus,
    Practice,
    WebhookDelivery,
    WebhookEndpoint,
)
from counselor.services.audit import Actor
from counselor.services.couples import links
from counselor.services.couples.preferences import stop_emails
from counselor.services.delivery import outbox, webhooks
from counselor.services.delivery.webhook_delivery import WEBHOOKS
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework.acknowledgements import AcknowledgementInput, acknowledge
from counselor.services.homework.checkins import CheckInInput, record_checkin
from counselor.services.homework.lifecycle import end_assignment
from counselor.services.reports import pre_session
from counselor.unit_of_work import unit_of_work
from tests.support import factories
from tests.support.guide import guide_snippet
from tests.support.helpers import count_statements
from tests.support.webhook_receiver import WebhookReceiver, running_receiver

ID_FIELDS = {
    "acknowledgement_id",
    "checkin_id",
    "assignment_id",
    "couple_id",
    "partner_id",
    "report_id",
    "session_id",
}
EVENT_COUNT = len(webhooks.EVENTS)  # fire_every_event causes each once

pytestmark = pytest.mark.usefixtures("actor")  # the counselor's practice is in scope


@pytest.fixture
def clock_start() -> datetime:
    """Now: the integration guide's snippet checks signatures against the real clock."""
    return datetime.now(UTC)


@pytest.fixture(autouse=True)
def one_minute_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every retry waits exactly a minute: the tests move the clock by that much."""
    monkeypatch.setattr(outbox.Backoff, "delay", lambda _backoff, _attempts: 60.0)


def subscribe(actor: Actor, receiver: WebhookReceiver, events=webhooks.EVENTS) -> WebhookEndpoint:
    endpoint, secret = webhooks.create_endpoint(actor, receiver.url, list(events))
    db.session.commit()
    receiver.secret = secret
    return endpoint


def fire_every_event(counselor) -> dict[str, int]:
    """Each event (``EVENT_COUNT``) through the service that causes it; returns a few ids."""
    actor = Actor.for_counselor(counselor)
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple, leans_on_partner=True)
    check_in, _ = record_checkin(
        actor,
        assignment.id,
        CheckInInput(
            partner_id=couple.partners[0].id,
            source=CheckInSource.DASHBOARD,
            reflection="We argued about the dishes again",
        ),
    )
    leaned_on = couple.partners[1]
    acknowledge(
        links.partner_actor(leaned_on),
        leaned_on,
        check_in.id,
        AcknowledgementInput(noticed="yes", note="It felt good to be asked"),
    )
    end_assignment(actor, assignment.id, AssignmentStatus.COMPLETED)
    report = pre_session.generate_report(pre_session.request_report(actor, couple.id).id)
    partner = couple.partners[1]
    stop_emails(links.partner_actor(partner), partner)
    db.session.commit()
    return {"couple": couple.id, "checkin": check_in.id, "report": report.id}


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def deliver(ids: list[int] | None = None) -> outbox.DeliveryReport:
    ids = ids if ids is not None else [d.id for d in deliveries()]
    return outbox.deliver(WEBHOOKS, ids)


def deliver_until_settled(clock, rounds: int = 20) -> int:
    """What workers and the beat's sweep do over time: deliver what is due, move the clock
    to the next attempt, again, until nothing waits. Returns the rounds it took."""
    for round_number in range(1, rounds + 1):
        deliver()
        waiting = [
            d.next_attempt_at or clock.now for d in deliveries() if d.status == OutboxStatus.PENDING
        ]
        if not waiting:
            return round_number
        clock.advance(max(min(waiting) - clock.now, timedelta(0)) + timedelta(seconds=1))
    raise AssertionError(f"deliveries still waiting after {rounds} rounds")


# Delivery: the "done when".


def test_every_event_arrives_signed_after_two_failures_with_the_same_id(
    counselor, actor, receiver, clock
):
    subscribe(actor, receiver)
    receiver.fail_first = 2
    fired = fire_every_event(counselor)
    ids = [d.id for d in deliveries()]
    assert len(ids) == EVENT_COUNT

    first = deliver(ids)
    # The first failure holds the endpoint's other deliveries back with it: one probe.
    assert first.retry == [(ids[0], 60.0)]
    assert {d.next_attempt_at for d in deliveries()} == {clock.now + timedelta(seconds=60)}
    assert deliver(ids).retry == []  # not due yet: nothing is sent early
    deliver_until_settled(clock)

    assert {d.status for d in deliveries()} == {OutboxStatus.DELIVERED}
    assert len(receiver.requests) == 3 * EVENT_COUNT
    assert all(r.valid_signature for r in receiver.requests)
    assert set(receiver.attempts.values()) == {3}  # three attempts per webhook-id
    assert {r.message_id for r in receiver.requests} == {d.message_id for d in deliveries()}
    for message_id in receiver.attempts:
        attempts = [r for r in receiver.requests if r.message_id == message_id]
        assert len({r.body for r in attempts}) == 1  # the same payload every time
        assert len({r.timestamp for r in attempts}) == 3  # signed afresh on every attempt
    events = {r.event["type"]: r.event for r in receiver.accepted}
    assert set(events) == set(webhooks.EVENTS)
    assert events["checkin.created"]["data"]["checkin_id"] == fired["checkin"]
    assert events["report.ready"]["data"]["report_id"] == fired["report"]
    assert {e["data"]["couple_id"] for e in events.values()} == {fired["couple"]}
    assert all(
        d.status == OutboxStatus.DELIVERED and d.attempts == 3 and d.last_status_code == 204
        for d in deliveries()
    )
    assert deliver(ids).done == []  # delivered rows are never sent again
    assert len(receiver.requests) == 3 * EVENT_COUNT


def test_the_guides_verification_snippet_accepts_ours_and_rejects_forgeries(
    counselor, actor, receiver, clock
):
    verify_webhook = guide_snippet("verify_webhook")["verify_webhook"]
    subscribe(actor, receiver)
    fire_every_event(counselor)
    deliver()
    secret = receiver.secret

    for request in receiver.requests:
        headers, body = request.headers, request.body
        assert verify_webhook(secret, headers, body)
        assert not verify_webhook(secret, headers, body.replace(b'"data"', b'"date"'))
        assert not verify_webhook(webhooks.webhook_http.new_secret(), headers, body)
        assert not verify_webhook(secret, {**headers, "webhook-id": "msg_other"}, body)
        old = str(int(headers["webhook-timestamp"]) - 3600)
        assert not verify_webhook(secret, {**headers, "webhook-timestamp": old}, body)
    assert len(receiver.requests) == EVENT_COUNT


def test_payloads_are_thin_ids_only(counselor, actor, receiver, clock):
    subscribe(actor, receiver)
    fire_every_event(counselor)
    deliver()
    assert len(receiver.accepted) == EVENT_COUNT
    for request in receiver.accepted:
        event = request.event
        assert set(event) == {"type", "timestamp", "data"}
        assert set(event["data"]) <= ID_FIELDS
        assert all(v is None or isinstance(v, int) for v in event["data"].values())
        assert b"dishes" not in request.body
        assert b"felt good" not in request.body
        assert datetime.fromisoformat(event["timestamp"]).tzinfo is not None


def test_a_410_disables_the_endpoint_and_stops_its_other_deliveries(
    counselor, actor, receiver, clock
):
    endpoint = subscribe(actor, receiver)
    receiver.status = 410
    fire_every_event(counselor)
    [first, *others] = [d.id for d in deliveries()]

    deliver([first])

    db.session.refresh(endpoint)
    assert endpoint.active is False
    assert "410" in endpoint.disabled_reason
    assert {d.status for d in deliveries()} == {OutboxStatus.FAILED}
    deliver(others)
    assert len(receiver.requests) == 1
    fire_every_event(counselor)  # nothing more is written for a disabled endpoint
    assert len(deliveries()) == EVENT_COUNT


def test_a_timeout_is_retried(app, counselor, actor, receiver, clock):
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.3
    subscribe(actor, receiver, ["assignment.completed"])
    receiver.delay = 1.0
    assignment = factories.AssignmentFactory(couple=factories.CoupleFactory(counselor=counselor))
    end_assignment(actor, assignment.id, AssignmentStatus.COMPLETED)

    report = deliver()

    [delivery] = deliveries()
    assert [i for i, _ in report.retry] == [delivery.id]
    assert delivery.status == OutboxStatus.PENDING
    assert delivery.last_error == "timed out"
    assert delivery.next_attempt_at == clock.now + timedelta(seconds=60)


def test_a_connection_refused_is_retried(app, counselor, actor, clock):
    with running_receiver() as gone:
        url = gone.url
    endpoint, _ = webhooks.create_endpoint(actor, url, ["assignment.completed"])
    assignment = factories.AssignmentFactory(couple=factories.CoupleFactory(counselor=counselor))
    end_assignment(actor, assignment.id, AssignmentStatus.COMPLETED)

    report = deliver()

    assert len(report.retry) == 1
    assert deliveries()[0].last_error == "could not connect"
    assert endpoint.active


def test_https_speaks_tls_and_a_failed_handshake_is_retried(counselor, actor, receiver, clock):
    endpoint = subscribe(actor, receiver, ["assignment.completed"])
    endpoint.url = receiver.url.replace("http://", "https://")  # the receiver speaks plain HTTP
    db.session.commit()
    assignment = factories.AssignmentFactory(couple=factories.CoupleFactory(counselor=counselor))
    end_assignment(actor, assignment.id, AssignmentStatus.COMPLETED)

    report = deliver()

    assert len(report.retry) == 1
    assert deliveries()[0].last_error == "could not connect"
    assert receiver.accepted == []


def test_redirects_are_not_followed(counselor, actor, receiver, clock):
    subscribe(actor, receiver, ["assignment.completed"])
    receiver.status = 307
    receiver.extra_headers = {"Location": "http://127.0.0.2/elsewhere"}
    assignment = factories.AssignmentFactory(couple=factories.CoupleFactory(counselor=counselor))
    end_assignment(actor, assignment.id, AssignmentStatus.COMPLETED)

    report = deliver()

    assert len(report.retry) == 1
    assert [r.path for r in receiver.requests] == ["/hooks/homework"]
    assert deliveries()[0].last_status_code == 307


def test_the_address_is_checked_again_at_delivery(app, counselor, actor, receiver, clock, caplog):
    subscribe(actor, receiver, ["assignment.completed"])
    assignment = factories.AssignmentFactory(couple=factories.CoupleFactory(counselor=counselor))
    end_assignment(actor, assignment.id, AssignmentStatus.COMPLETED)
    # As if the host name now resolved to this machine while private targets are refused.
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False

    with caplog.at_level(logging.WARNING, logger="counselor.services.delivery"):
        report = deliver()

    [delivery] = deliveries()
    assert report.failed == [delivery.id]
    assert delivery.status == OutboxStatus.FAILED
    assert delivery.last_error == "not an allowed target"  # the practice sees the class
    assert "loopback" in caplog.text  # the operator, why
    assert receiver.requests == []


def test_a_delivery_left_sending_by_a_dead_worker_is_sent_again_with_its_id(
    counselor, actor, receiver, clock, caplog
):
    subscribe(actor, receiver, ["assignment.completed"])
    assignment = factories.AssignmentFactory(couple=factories.CoupleFactory(counselor=counselor))
    end_assignment(actor, assignment.id, AssignmentStatus.COMPLETED)
    [delivery] = deliveries()
    assert [c.id for c in outbox.claim(WEBHOOKS, [delivery.id])] == [delivery.id]
    assert outbox.claim(WEBHOOKS, [delivery.id]) == []  # held: no second worker gets it
    # The worker dies here. Before the lease runs out nobody touches the row.
    assert deliver().done == []
    clock.advance(WEBHOOKS.lease() + timedelta(seconds=1))

    with caplog.at_level(logging.WARNING, logger="counselor.services.delivery.outbox"):
        report = deliver()

    assert report.done == [delivery.id]
    assert [r.message_id for r in receiver.requests] == [delivery.message_id]
    assert deliveries()[0].attempts == 2
    assert "reclaimed" in caplog.text


def test_nothing_is_logged_that_could_sign_or_reveal(counselor, actor, receiver, clock, caplog):
    with caplog.at_level(logging.DEBUG):
        endpoint = subscribe(actor, receiver)
        receiver.fail_first = 1
        fire_every_event(counselor)
        deliver()
        clock.advance(seconds=61)
        deliver()
    assert receiver.secret not in caplog.text
    assert base64.b64decode(receiver.secret.removeprefix("whsec_")).hex() not in caplog.text
    assert "dishes" not in caplog.text
    assert endpoint.url not in caplog.text


# Emitting: in the same transaction as the change.


def test_emit_writes_one_delivery_per_subscribed_active_endpoint(app, counselor, actor):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    both, _ = webhooks.create_endpoint(actor, "http://127.0.0.1:9/a", list(webhooks.EVENTS))
    reports_only, _ = webhooks.create_endpoint(actor, "http://127.0.0.1:9/b", ["report.ready"])
    removed, _ = webhooks.create_endpoint(actor, "http://127.0.0.1:9/c", ["checkin.created"])
    webhooks.delete_endpoint(actor, removed.id)
    other_practice = Actor.for_counselor(factories.CounselorFactory())
    with tenancy.practice_scope(other_practice.practice_id):
        webhooks.create_endpoint(other_practice, "http://127.0.0.1:9/d", ["checkin.created"])

    db.session.flush()  # the changes' own writes (audit events) are not emit's
    with count_statements() as counter:
        ids = webhooks.emit(counselor.practice_id, "checkin.created", {"checkin_id": 1})
    db.session.commit()

    assert [d.endpoint_id for d in deliveries()] == [both.id]
    assert len(ids) == 1
    # One SELECT finds the endpoints (this session changed them: none kept), one INSERT
    # writes the delivery, its hold read inside it.
    selects = [s for s in counter.statements if s.lstrip().startswith("SELECT")]
    endpoint_queries = [s for s in selects if "webhook_endpoints" in s]
    assert len(endpoint_queries) == 1, counter.statements
    assert counter.count == 2, counter.statements
    assert reports_only.id not in {d.endpoint_id for d in deliveries()}
    with pytest.raises(ValueError):
        webhooks.emit(counselor.practice_id, "couple.created", {})


def test_message_ids_are_unique_and_prefixed(app, counselor, actor):
    for path in ("a", "b", "c"):
        webhooks.create_endpoint(actor, f"http://127.0.0.1:9/{path}", ["checkin.created"])
    webhooks.emit(counselor.practice_id, "checkin.created", {"checkin_id": 1})
    db.session.commit()
    ids = [d.message_id for d in deliveries()]
    assert len(set(ids)) == 3
    assert all(i.startswith("msg_") and len(i) > 20 for i in ids)


def test_a_rolled_back_checkin_emits_nothing(app, counselor, actor, monkeypatch):
    webhooks.create_endpoint(actor, "http://127.0.0.1:9/hook", ["checkin.created"])
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)
    db.session.commit()
    sent: list[str] = []
    monkeypatch.setattr(
        app.extensions["celery"], "send_task", lambda name, **kwargs: sent.append(name)
    )

    with pytest.raises(RuntimeError), unit_of_work():  # the request fails after the write
        record_checkin(
            actor,
            assignment.id,
            CheckInInput(partner_id=couple.partners[0].id, source=CheckInSource.DASHBOARD),
        )
        raise RuntimeError("the request failed")
    db.session.commit()  # a later, unrelated commit hands nothing over either

    assert deliveries() == []
    assert sent == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


# Looks from another connection, as a worker would: the rows must really be committed.
@pytest.mark.committed_db
def test_deliveries_are_handed_to_workers_only_once_committed(app, counselor, actor, monkeypatch):
    webhooks.create_endpoint(actor, "http://127.0.0.1:9/hook", ["checkin.created"])
    seen: list[tuple[str, list]] = []

    def send_task(name, args=None, **options):
        table = WebhookDelivery.__table__
        with db.engine.connect() as connection:  # what a worker would see right now
            rows = connection.execute(
                sa.select(table.c.id, table.c.status).where(table.c.id.in_(args[0]))
            ).all()
        seen.append((name, sorted(rows)))

    monkeypatch.setattr(app.extensions["celery"], "send_task", send_task)
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)

    with unit_of_work():  # the request's commit
        record_checkin(
            actor,
            assignment.id,
            CheckInInput(partner_id=couple.partners[0].id, source=CheckInSource.DASHBOARD),
        )
        assert seen == []

    [delivery] = deliveries()
    assert seen == [(task_names.DELIVER_WEBHOOKS, [(delivery.id, "pending")])]


def test_a_repeated_checkin_or_a_cancelled_step_emits_nothing_more(app, counselor, actor):
    webhooks.create_endpoint(actor, "http://127.0.0.1:9/hook", list(webhooks.EVENTS))
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)
    data = CheckInInput(
        partner_id=couple.partners[0].id, source=CheckInSource.LINK, idempotency_key="same-key"
    )
    record_checkin(actor, assignment.id, data)
    record_checkin(actor, assignment.id, data)  # a double click: the same check-in
    other = factories.AssignmentFactory(couple=couple)
    end_assignment(actor, other.id, AssignmentStatus.CANCELLED)
    partner = couple.partners[1]
    stop_emails(links.partner_actor(partner), partner)
    stop_emails(links.partner_actor(partner), partner)

    assert sorted(d.event for d in deliveries()) == ["checkin.created", "partner.unsubscribed"]


# Subscriptions.


def test_create_endpoint_returns_a_standard_webhooks_secret_once(app, actor):
    endpoint, secret = webhooks.create_endpoint(
        actor, "  http://127.0.0.1:8080/hook?tenant=4  ", ["report.ready", "checkin.created"]
    )
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    assert endpoint.url == "http://127.0.0.1:8080/hook?tenant=4"
    assert webhooks.event_names(endpoint) == ["checkin.created", "report.ready"]
    second, another = webhooks.create_endpoint(actor, "http://127.0.0.1:8080/2", ["report.ready"])
    assert another != secret
    assert [e.id for e in webhooks.list_endpoints(actor)] == [endpoint.id, second.id]


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([], "Choose at least one event."),
        (["checkin.created", "couple.deleted"], "Unknown event 'couple.deleted'"),
    ],
)
def test_events_must_be_a_non_empty_subset_of_the_four(app, actor, events, message):
    with pytest.raises(InvalidInput) as error:
        webhooks.create_endpoint(actor, "http://127.0.0.1/hook", events)
    assert message in " ".join(error.value.errors["events"])
    assert webhooks.list_endpoints(actor) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL"),
        ("ftp://127.0.0.1/hook", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("http:///no-host", "needs a host name"),
        ("http://user:pass@127.0.0.1/hook", "user names and passwords"),
        ("http://127.0.0.1:99999/hook", "a number from 1 to 65535"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[fe80::1]/hook", "link-local"),
        ("http://224.0.0.1/hook", "multicast"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://240.0.0.1/hook", "reserved"),
    ],
)
def test_urls_that_are_never_accepted(app, actor, url, message):
    with pytest.raises(InvalidInput) as error:
        webhooks.create_endpoint(actor, url, ["report.ready"])
    assert message in " ".join(error.value.errors["url"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.9/hook",
        "http://192.168.1.10/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_private_and_loopback_targets_only_when_allowed(app, actor, url):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    with pytest.raises(InvalidInput) as error:
        webhooks.create_endpoint(actor, url, ["report.ready"])
    assert "points at" in error.value.errors["url"][0]

    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    endpoint, _ = webhooks.create_endpoint(actor, url, ["report.ready"])
    assert endpoint.url == url


def test_https_is_required_when_the_setting_says_so(app, actor):
    app.config["WEBHOOK_REQUIRE_HTTPS"] = True
    with pytest.raises(InvalidInput) as error:
        webhooks.create_endpoint(actor, "http://127.0.0.1/hook", ["report.ready"])
    assert "https://" in error.value.errors["url"][0]
    endpoint, _ = webhooks.create_endpoint(actor, "https://127.0.0.1/hook", ["report.ready"])
    assert endpoint.url.startswith("https://")


def test_a_host_that_does_not_resolve_is_refused(app, actor, monkeypatch):
    def no_such_host(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr("counselor.services.delivery.webhook_http.socket.getaddrinfo", no_such_host)
    with pytest.raises(InvalidInput) as error:
        webhooks.create_endpoint(actor, "https://pm.example.org/hook", ["report.ready"])
    assert "could not be found" in error.value.errors["url"][0]


def test_a_public_address_is_accepted_with_private_targets_refused(app, actor, monkeypatch):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    public = [(2, 1, 6, "", ("93.184.215.14", 443))]
    monkeypatch.setattr(
        "counselor.services.delivery.webhook_http.socket.getaddrinfo", lambda *a, **k: public
    )
    endpoint, _ = webhooks.create_endpoint(actor, "https://pm.example.org/hook", ["report.ready"])
    assert endpoint.url == "https://pm.example.org/hook"


def test_one_private_answer_among_public_ones_refuses_the_host(app, actor, monkeypatch):
    app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = False
    answers = [(2, 1, 6, "", ("93.184.215.14", 443)), (2, 1, 6, "", ("10.0.0.5", 443))]
    monkeypatch.setattr(
        "counselor.services.delivery.webhook_http.socket.getaddrinfo", lambda *a, **k: answers
    )
    with pytest.raises(InvalidInput):
        webhooks.create_endpoint(actor, "https://pm.example.org/hook", ["report.ready"])


def test_only_owners_among_counselors_manage_webhooks(app, counselor):
    colleague = factories.CounselorFactory(
        practice=counselor.practice, role=CounselorRole.COUNSELOR
    )
    owner_endpoint, _ = webhooks.create_endpoint(
        Actor.for_counselor(counselor), "http://127.0.0.1/hook", ["report.ready"]
    )
    as_colleague = Actor.for_counselor(colleague)

    with pytest.raises(InvalidInput) as error:
        webhooks.create_endpoint(as_colleague, "http://127.0.0.1/other", ["report.ready"])
    assert "Only an owner" in error.value.errors["practice"][0]
    with pytest.raises(InvalidInput):
        webhooks.delete_endpoint(as_colleague, owner_endpoint.id)
    assert [e.id for e in webhooks.list_endpoints(as_colleague)] == [owner_endpoint.id]

    api_key = Actor("api_key", 1, counselor.practice_id)
    webhooks.delete_endpoint(api_key, owner_endpoint.id)
    assert webhooks.list_endpoints(api_key) == []


def test_another_practices_endpoint_is_not_found(app, actor):
    other = Actor.for_counselor(factories.CounselorFactory())
    with tenancy.practice_scope(other.practice_id):
        theirs, _ = webhooks.create_endpoint(other, "http://127.0.0.1/hook", ["report.ready"])
    with pytest.raises(NotFound):
        webhooks.get_endpoint(actor, theirs.id)
    with pytest.raises(NotFound):
        webhooks.delete_endpoint(actor, theirs.id)
    assert webhooks.list_endpoints(actor) == []
    with tenancy.practice_scope(other.practice_id):
        assert [e.id for e in webhooks.list_endpoints(other)] == [theirs.id]


def test_a_removed_endpoint_is_gone_and_its_waiting_deliveries_are_not_sent(
    counselor, actor, receiver, clock
):
    endpoint = subscribe(actor, receiver)
    fire_every_event(counselor)

    webhooks.delete_endpoint(actor, endpoint.id)
    deliver()

    assert receiver.requests == []
    assert {d.status for d in deliveries()} == {OutboxStatus.FAILED}
    with pytest.raises(NotFound):
        webhooks.delete_endpoint(actor, endpoint.id)
    assert len(webhooks.recent_deliveries(actor)) == EVENT_COUNT  # the history stays


def test_recent_deliveries_are_the_practices_own_newest_first(app, counselor, actor):
    webhooks.create_endpoint(actor, "http://127.0.0.1:9/hook", ["checkin.created"])
    other = factories.CounselorFactory()
    for number in range(25):
        webhooks.emit(counselor.practice_id, "checkin.created", {"checkin_id": number})
    with tenancy.practice_scope(other.practice_id):
        webhooks.create_endpoint(
            Actor.for_counselor(other), "http://127.0.0.1:9/x", ["report.ready"]
        )
        webhooks.emit(other.practice_id, "report.ready", {"report_id": 1})
    db.session.commit()

    recent = webhooks.recent_deliveries(actor)

    assert len(recent) == webhooks.RECENT_DELIVERIES
    assert {d.practice_id for d in recent} == {counselor.practice_id}
    assert [d.id for d in recent] == sorted((d.id for d in recent), reverse=True)


def test_a_loaded_practice_version_is_trusted_only_within_a_request(app, counselor):
    """A request (short) may use the endpoints kept at the version of the practice row it
    loaded; a task or bulk job, whose one transaction may outlast an endpoint change, reads
    the version fresh for every event."""
    practice = db.session.get(Practice, counselor.practice_id)
    assert practice is not None and practice.webhook_endpoints_version is not None
    webhooks._subscriptions(practice.id)  # kept
    with count_statements() as outside:
        webhooks._subscriptions(practice.id)
        webhooks._subscriptions(practice.id)
    assert outside.count == 2
    with app.test_request_context(), count_statements() as inside:
        webhooks._subscriptions(practice.id)
    assert inside.count == 0
