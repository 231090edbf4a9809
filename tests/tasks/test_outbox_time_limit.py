"""The outbox engine when a task reaches its soft time limit (issue 12, finding 1): the
attempt under way counts as failed and is retried like any other, the rows of the batch not
yet attempted are claimable again at once, and the task ends — nothing is left ``sending``
for the lease to find. Against a real worker: tests/faults/test_time_limits.py."""

from __future__ import annotations

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from counselor.models import OutboxStatus
from counselor.services.delivery import outbox
from counselor.services.delivery.outbox import Outcome
from tests.services.test_outbox import email_outbox, rows, scripted, webhook_outbox

pytestmark = pytest.mark.usefixtures("clock")


@pytest.mark.parametrize("make_outbox", [email_outbox, webhook_outbox], ids=["email", "webhook"])
def test_a_batch_stopped_at_the_soft_limit_leaves_nothing_sending(counselor, make_outbox):
    box = make_outbox(counselor)
    first, stopped, untouched = box.new_rows(3)
    kind = scripted(box.kind, [Outcome.done(), SoftTimeLimitExceeded()])

    with pytest.raises(SoftTimeLimitExceeded):
        outbox.deliver(kind, [first, stopped, untouched])
    done, retried, given_back = rows(box.kind, [first, stopped, untouched])

    assert done.status == box.kind.done_status
    assert (retried.status, retried.attempts) == (OutboxStatus.PENDING, 1)
    assert retried.last_error == "stopped at the task's time limit"
    assert retried.next_attempt_at is not None and retried.claim_token is None
    # Claimed with the batch (emails) or never claimed (webhooks): either way, ready to go.
    assert (given_back.status, given_back.attempts) == (OutboxStatus.PENDING, 0)
    assert given_back.claim_token is None and given_back.next_attempt_at is None
