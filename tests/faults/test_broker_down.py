"""With the broker stopped, the web keeps working — a counselor assigns a step (emails to the
partners), a partner checks it off (a webhook to the practice's system) — and once the
broker is back, the outbox of each kind drains. Outage runs: `make test-long`."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import CheckIn, LinkPurpose, OutboxStatus
from counselor.services.couples import links
from tests.faults.outboxes import rows_not_done, statuses
from tests.support import factories
from tests.support.helpers import assign_form
from tests.support.processes import CeleryWorker, worker_env

# Workers in other processes read and write the rows; an outage run: `make test-long`.
pytestmark = [pytest.mark.committed_db, pytest.mark.long]


@pytest.mark.parametrize("outbox", ["email", "webhook"], indirect=True)
def test_checkins_and_assignments_work_while_the_broker_is_down(
    app, logged_in, counselor, actor, outbox, redis_server, tmp_path
):
    celery = app.extensions["celery"]
    celery.conf.broker_url = redis_server.url
    outbox.subscribe(actor)
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)
    token = links.issue_link(couple.partners[0], LinkPurpose.HOMEWORK)
    db.session.commit()

    redis_server.stop()
    started = time.monotonic()
    # Send now: the emails go whatever the hour the test runs at (its workers read the
    # real clock; at night in the partners' zone the emails would wait for the morning).
    assigned = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form(send_now="y"))
    page = logged_in.get(f"/p/{token}").get_data(as_text=True)
    key = re.search(
        rf'/steps/{assignment.id}/done".*?name="checkin_key" type="hidden" value="([^"]+)"',
        page,
        re.S,
    ).group(1)
    checked = logged_in.post(
        f"/p/{token}/steps/{assignment.id}/done", data={"checkin_key": key, "when": "0"}
    )
    assert assigned.status_code == checked.status_code == 302
    assert time.monotonic() - started < 15, "the web waited too long for a dead broker"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 1
    waiting = db.session.scalars(sa.select(outbox.kind.model.id)).all()
    assert waiting and sum(outbox.arrivals().values()) == 0
    assert set(statuses(outbox.kind)) == {OutboxStatus.PENDING}

    redis_server.start()
    env = worker_env(app, redis_server.url)
    env.update({f"COUNSELOR_{name}": value for name, value in outbox.worker_settings.items()})
    worker = CeleryWorker(env, tmp_path / "worker.log")
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while rows_not_done(outbox.kind, waiting) and time.monotonic() < deadline:
            celery.send_task(outbox.sweep_task)  # beat's sweep, by hand
            time.sleep(1)
    finally:
        worker.stop()
    assert outbox.arrivals() == dict.fromkeys(waiting, 1)
    assert set(statuses(outbox.kind)) == {outbox.kind.done_status}
