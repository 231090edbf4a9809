"""One practice cannot stall another's email (issue 12, finding 1): practice A subscribes a
receiver that answers one byte every few seconds and never finishes, and its deliveries
hold every webhook worker; practice B's "send link" email still leaves within 10 s.

The workers are the Procfile's — the queues, worker lines and concurrency `make run`
starts — on a Redis of the module's own, with a real SMTP server. The webhook deadline is
set to its maximum and the time limits stay as shipped, so what keeps B's email moving is
the queues alone: mail and webhooks are taken by different workers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from counselor import tenancy
from counselor.config import Defaults
from counselor.extensions import db
from counselor.services.audit import Actor
from counselor.services.delivery import notifications, webhooks
from tests.support import factories
from tests.support.drip_receiver import DripReceiver, running_drip_receiver
from tests.support.mailserver import RecordingHandler
from tests.support.processes import ROOT, CeleryWorker, RedisServer, procfile_workers, worker_env

# Workers in other processes read and write the rows; a fault run: `make test-long`.
pytestmark = [pytest.mark.committed_db, pytest.mark.long]

EMAIL_WITHIN_SECONDS = 10
STUCK_DELIVERIES = 4  # more than the webhook workers can hold at once
WEBHOOK_SETTINGS = {
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": True,  # the test's receiver is on 127.0.0.1, over http
    "WEBHOOK_REQUIRE_HTTPS": False,
    "WEBHOOK_TIMEOUT_SECONDS": 60,  # the longest allowed: the deadline plays no part here
    "WEBHOOK_CLAIM_LEASE_SECONDS": 600,
}


@pytest.fixture(autouse=True)
def _postgresql_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("worker processes share the database: PostgreSQL")


@pytest.fixture
def app_overrides(redis_server: RedisServer) -> dict:
    return {"CELERY": {**Defaults.CELERY, "broker_url": redis_server.url}, **WEBHOOK_SETTINGS}


@pytest.fixture
def procfile_workers_running(app, smtp: RecordingHandler, redis_server, tmp_path) -> Iterator:
    """Every Celery worker of the Procfile (beat aside: the test does what it would)."""
    env = worker_env(app, redis_server.url)
    env.update({f"COUNSELOR_{name}": json.dumps(v) for name, v in WEBHOOK_SETTINGS.items()})
    workers = [
        CeleryWorker(
            env,
            tmp_path / f"{line.name}.log",
            concurrency=line.concurrency,
            name=line.name,
            queues=",".join(line.queues),
        )
        for line in procfile_workers(ROOT / "Procfile")
    ]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            worker.wait_until_ready()
        yield workers
    finally:
        for worker in workers:
            worker.kill()  # the test is over: no warm shutdown to wait for


def hold_every_webhook_worker(practice_id: int, receiver: DripReceiver, workers) -> None:
    """Practice A's deliveries, one task each, until the receiver holds every process of
    the workers that take webhooks."""
    with tenancy.practice_scope(practice_id):
        webhooks.create_endpoint(Actor.system(practice_id), receiver.url, ["partner.unsubscribed"])
        db.session.commit()
        for number in range(STUCK_DELIVERIES):
            webhooks.emit(practice_id, "partner.unsubscribed", {"partner_id": number})
            db.session.commit()  # each commit hands one delivery to the webhooks queue
    slots = sum(w.concurrency for w in workers if "webhooks" in (w.queues or "webhooks"))
    deadline = time.monotonic() + 30
    while receiver.held() < slots:
        assert time.monotonic() < deadline, f"the receiver holds {receiver.held()} of {slots}"
        time.sleep(0.1)


def test_another_practices_email_leaves_while_one_practices_receiver_drips(
    app, smtp: RecordingHandler, procfile_workers_running
):
    practice_a = factories.PracticeFactory()
    couple_b = factories.CoupleFactory()
    partner_b = couple_b.partners[0]
    db.session.commit()

    with running_drip_receiver(interval=3.0) as receiver:
        hold_every_webhook_worker(practice_a.id, receiver, procfile_workers_running)
        with tenancy.practice_scope(couple_b.practice_id):
            counselor_b = Actor.for_counselor(couple_b.counselor)
            notifications.send_link(counselor_b, partner_b.id, send_now=True)
            db.session.commit()  # the email goes to the mail queue
        asked = time.monotonic()
        while not any(partner_b.email in mail.recipients for mail in smtp.messages):
            assert time.monotonic() - asked < EMAIL_WITHIN_SECONDS, "B's email did not leave"
            time.sleep(0.05)
        waited = time.monotonic() - asked
        still_held = receiver.held()

    print(f"\nB's link email left {waited:.2f} s after it was asked for; A held {still_held}")
    assert still_held > 0  # A's deliveries were stuck the whole time
