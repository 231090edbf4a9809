"""Every task has a time limit, and a task stopped by its soft limit fails only that attempt:
a webhook delivery held by a receiver that never finishes answering goes back to wait for
its retry (never left ``sending``), and a report whose render runs over stays pending for
the sweep. Real prefork workers on a Redis of the test's own: only a prefork pool enforces
time limits. The limits are shrunk to 2 s here through the workers' settings, and the
webhook deadline is lengthened out of the way: the time limit alone stops these tasks.
Fault runs: `make test-long`."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa

from counselor import task_names, tenancy
from counselor.extensions import db
from counselor.models import OutboxStatus, Report, ReportStatus, WebhookDelivery
from counselor.services.delivery import webhooks
from counselor.services.reports import pre_session
from tests.support.drip_receiver import running_drip_receiver
from tests.support.processes import CeleryWorker, worker_env

# Workers in other processes read and write the rows.
pytestmark = [pytest.mark.committed_db, pytest.mark.long]

SOFT_LIMIT = 2
# Private http targets for the test's receivers, and a webhook deadline far beyond the
# task's limit (with a lease long enough for it, as the settings' check requires).
WEBHOOK_SETTINGS = {
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": True,
    "WEBHOOK_REQUIRE_HTTPS": False,
    "WEBHOOK_TIMEOUT_SECONDS": 60,
    "WEBHOOK_CLAIM_LEASE_SECONDS": 600,
}


@pytest.fixture(autouse=True)
def _postgresql_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("worker processes share the database: PostgreSQL")


def short_limit_worker(app, redis_url, tmp_path, task: str, **kwargs) -> CeleryWorker:
    """A worker on the queue of ``task``, whose soft limit for it is SOFT_LIMIT seconds."""
    env = worker_env(app, redis_url)
    env.update({f"COUNSELOR_{name}": json.dumps(value) for name, value in WEBHOOK_SETTINGS.items()})
    limits = {task: {"soft_time_limit": SOFT_LIMIT, "time_limit": SOFT_LIMIT + 60}}
    env["COUNSELOR_CELERY__task_annotations"] = json.dumps(limits)
    queue = task_names.queue_settings()["task_routes"][task]["queue"]
    worker = CeleryWorker(env, tmp_path / "worker.log", concurrency=1, queues=queue, **kwargs)
    worker.start()
    worker.wait_until_ready()
    return worker


def wait_for(condition, timeout: float = 60.0) -> float:
    """Seconds until ``condition()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.2)
        db.session.expire_all()
    return time.monotonic() - started


def test_a_webhook_task_past_its_soft_limit_is_stopped_and_its_delivery_retried(
    app, redis_server, actor, tmp_path
):
    app.config.update(WEBHOOK_SETTINGS)
    with running_drip_receiver(interval=1.0) as receiver:
        webhooks.create_endpoint(actor, receiver.url, ["partner.unsubscribed"])
        webhooks.emit(actor.practice_id, "partner.unsubscribed", {"partner_id": 1})
        db.session.commit()  # the delivery goes to the webhooks queue
        worker = short_limit_worker(app, redis_server.url, tmp_path, task_names.DELIVER_WEBHOOKS)
        try:
            wait_for(lambda: receiver.held() == 1)
            held = wait_for(lambda: receiver.held() == 0, timeout=SOFT_LIMIT + 20)
        finally:
            worker.stop()
    delivery = db.session.scalar(tenancy.across_practices(sa.select(WebhookDelivery)))

    assert held < SOFT_LIMIT + 10  # stopped at the soft limit, not the webhook deadline
    assert delivery.status == OutboxStatus.PENDING  # not left "sending" until the lease
    # The retry's wait has full jitter (0 to 60 s after a first attempt), so now and then it
    # begins before the worker is stopped: one attempt stopped, or that one and its retry.
    assert delivery.attempts in (1, 2) and delivery.claim_token is None
    assert delivery.last_error == "stopped at the task's time limit"
    assert delivery.next_attempt_at is not None  # the retry comes after the backoff
    assert "SoftTimeLimitExceeded" in worker.output()


def test_a_render_past_its_soft_limit_leaves_the_report_pending_for_the_sweep(
    app, redis_server, actor, couple, tmp_path
):
    report = pre_session.request_report(actor, couple.id)
    db.session.commit()  # the report goes to the reports queue
    worker = short_limit_worker(
        app,
        redis_server.url,
        tmp_path,
        task_names.GENERATE_REPORT,
        app_module="tests.faults.slow_render",
    )
    try:
        # Celery logs the exception after the task's own line: wait for both, so that a busy
        # machine does not stop the worker between the two.
        wait_for(
            lambda: (
                "ran past the task's time limit" in worker.output()
                and "SoftTimeLimitExceeded" in worker.output()
            )
        )
    finally:
        worker.stop()
    stopped = db.session.get(Report, report.id)

    assert stopped.status == ReportStatus.PENDING
    assert stopped.render_attempts == 1 and stopped.render_started_at is not None
    assert "SoftTimeLimitExceeded" in worker.output()
