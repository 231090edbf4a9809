"""Reports survive a dead worker (issue 12, finding 5): a report worker SIGKILLed in the
middle of a render leaves the report pending, with the start of that render on record; once
the lease has run out, the sweep hands it to a worker again, which makes it. Real prefork
workers on a Redis of the test's own; the first one renders slowly (a test-only worker,
tests/faults/slow_render.py), so that the kill lands mid-render."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from pathlib import Path

import pytest

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Report, ReportStatus
from counselor.services.reports import pre_session
from counselor.unit_of_work import unit_of_work
from tests.support.processes import CeleryWorker, worker_env

# Workers in other processes read and write the rows; a fault run: `make test-long`.
pytestmark = [pytest.mark.committed_db, pytest.mark.long]


@pytest.fixture(autouse=True)
def _postgresql_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("worker processes share the database: PostgreSQL")


def report_now(report_id: int) -> Report:
    db.session.expire_all()
    return db.session.get(Report, report_id)


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_a_report_whose_worker_was_killed_mid_render_is_made_after_the_lease(
    app, redis_server, actor, couple, tmp_path
):
    env = worker_env(app, redis_server.url)
    report_id = pre_session.request_report(actor, couple.id).id
    db.session.commit()  # the report goes to the reports queue
    slow = CeleryWorker(
        env,
        tmp_path / "slow.log",
        concurrency=1,
        queues="reports",
        name="slow",
        app_module="tests.faults.slow_render",
    )
    slow.start()
    try:
        wait_until(lambda: report_now(report_id).render_started_at is not None)
    finally:
        slow.kill()  # mid-render: the render sleeps a minute before it draws anything
    killed = report_now(report_id)
    assert (killed.status, killed.render_attempts) == (ReportStatus.PENDING, 1)

    restarted = CeleryWorker(env, tmp_path / "restarted.log", queues="reports", name="again")
    restarted.start()
    try:
        lease = timedelta(seconds=app.config["REPORT_RENDER_LEASE_SECONDS"])
        with unit_of_work():  # the beat's sweep, once the lease has run out
            handed_over = pre_session.retry_stalled_reports(timeutil.utcnow() + lease)
        assert handed_over == [report_id]
        wait_until(lambda: report_now(report_id).status != ReportStatus.PENDING)
    finally:
        restarted.stop()
    made = report_now(report_id)
    pdf = Path(app.config["REPORTS_DIR"], str(made.practice_id), made.file_name).read_bytes()

    assert (made.status, made.render_attempts, made.error) == (ReportStatus.READY, 2, None)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == made.sha256
