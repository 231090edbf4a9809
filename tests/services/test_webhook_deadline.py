"""One webhook attempt has one deadline — connecting, sending and the whole answer — not a
timeout per read (issue 12, finding 1): a receiver on 127.0.0.1 that answers one byte
every half second, never silent long enough to trip a per-read timeout, is cut off when
WEBHOOK_TIMEOUT_SECONDS have passed, and the attempt is recorded as timed out."""

from __future__ import annotations

import time

import pytest

from counselor.extensions import db
from counselor.models import AssignmentStatus, OutboxStatus
from counselor.services.delivery import outbox, webhook_http, webhooks
from counselor.services.delivery.webhook_delivery import WEBHOOKS
from counselor.services.homework.lifecycle import end_assignment
from tests.support import factories
from tests.support.webhook_receiver import dripping, running_socket_receiver

DEADLINE = 1.5
DRIP_EVERY = 0.5
# Cut off within a drip of the deadline (the read under way when it passes is allowed the
# time left, no more), plus room for a busy machine.
SLACK = 0.5

# Where the drip is: in the status line, or in a body announced as 200 bytes.
DRIPS = {
    "status line": dripping(DRIP_EVERY),
    "body": dripping(
        DRIP_EVERY, head=b"HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n", drip=b"x" * 200
    ),
}


@pytest.mark.parametrize("where", list(DRIPS))
def test_a_dripping_receiver_is_cut_off_at_the_deadline(where):
    with running_socket_receiver(DRIPS[where]) as url:
        target = webhook_http.check_url(url, require_https=False, allow_private=True)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            webhook_http.post(target, "{}", {"content-type": "application/json"}, DEADLINE)
        took = time.monotonic() - started

    print(f"\ndrip in the {where}: cut off after {took:.2f} s, deadline {DEADLINE} s")
    assert DEADLINE <= took < DEADLINE + SLACK


def test_the_delivery_is_recorded_as_timed_out_and_retried(app, counselor, actor, clock):
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = DEADLINE
    with running_socket_receiver(DRIPS["status line"]) as url:
        webhooks.create_endpoint(actor, url, ["assignment.completed"])
        couple = factories.CoupleFactory(counselor=counselor)
        end_assignment(
            actor, factories.AssignmentFactory(couple=couple).id, AssignmentStatus.COMPLETED
        )
        db.session.commit()
        [delivery] = webhooks.recent_deliveries(actor)

        started = time.monotonic()
        report = outbox.deliver(WEBHOOKS, [delivery.id])
        took = time.monotonic() - started

    db.session.refresh(delivery)
    assert [row_id for row_id, _wait in report.retry] == [delivery.id]
    assert delivery.status == OutboxStatus.PENDING
    assert delivery.last_error == "timed out"
    assert delivery.last_status_code is None
    assert took < DEADLINE + SLACK + 1.0  # the attempt, and recording it
