"""With the broker stopped, the web keeps working; once it is back, the outbox drains."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import CheckIn, EmailStatus, LinkPurpose, OutboxEmail
from counselor.services.couples import links
from counselor.services.homework import ladder
from tests.support import factories
from tests.support.processes import CeleryWorker, worker_env

# Workers in other processes read and write the rows.
pytestmark = pytest.mark.committed_db


def test_checkins_and_assignments_work_while_the_broker_is_down(
    app, logged_in, counselor, smtp, redis_server, tmp_path
):
    queue = f"down-{uuid.uuid4().hex[:8]}"
    celery = app.extensions["celery"]
    celery.conf.broker_url = redis_server.url
    celery.conf.task_default_queue = queue
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)
    token = links.issue_link(couple.partners[0], LinkPurpose.HOMEWORK)
    db.session.commit()

    redis_server.stop()
    started = time.monotonic()
    template = ladder.template_by_key("hand-over-a-chore")
    assigned = logged_in.post(
        f"/couples/{couple.id}/assign",
        data={
            "template_key": template.key,
            "rung_id": str(template.rung_id),
            "title": template.title,
            "instructions": template.instructions,
            "assignee": "each",
            "times_per_week": "1",
            "notify": "y",
        },
    )
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
    pending = db.session.scalars(sa.select(OutboxEmail.id)).all()
    assert len(pending) == 2 and smtp.messages == []

    redis_server.start()
    worker = CeleryWorker(worker_env(app, redis_server.url, queue), tmp_path / "worker.log")
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while len(smtp.messages) < 2 and time.monotonic() < deadline:
            celery.send_task("tasks.mail.deliver_due_emails")  # beat's sweep, by hand
            time.sleep(1)
    finally:
        worker.stop()
    assert sorted(m.recipients[0] for m in smtp.messages) == sorted(
        p.email for p in couple.partners
    )
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(OutboxEmail.status))) == {EmailStatus.SENT}
