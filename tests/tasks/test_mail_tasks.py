"""tasks/outbox.py: the email tasks (called directly) and how views hand work to them. The
engine behind them (claims, retries, the sweep's chunks): tests/services/test_outbox.py."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

import tasks.outbox
from counselor import task_names, timeutil
from counselor.extensions import db
from counselor.models import EmailKind, OutboxEmail, OutboxStatus
from counselor.services.delivery import mail, outbox
from tests.support import factories
from tests.support.helpers import assign_form

# The counselor's practice in scope; the test clock at noon in the partners' zone, where
# emails go at once (at night they wait for the morning: tests/services/test_quiet_week.py).
pytestmark = pytest.mark.usefixtures("actor", "clock")


@pytest.fixture
def couple(counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    factories.AssignmentFactory(couple=couple)
    return couple


def queued(partner, number: int = 1) -> list[int]:
    ids = [mail.queue_email(partner, EmailKind.NEW_STEP).id for _ in range(number)]
    db.session.commit()
    return ids


def statuses() -> dict[int, OutboxStatus]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(OutboxEmail.id, OutboxEmail.status)).all())


# Level 1: the task functions, called directly.


def test_deliver_emails_task_sends_the_rows(smtp, couple):
    ids = queued(couple.partners[0]) + queued(couple.partners[1])

    tasks.outbox.deliver_emails(ids)

    assert sorted(r for m in smtp.messages for r in m.recipients) == sorted(
        p.email for p in couple.partners
    )
    assert smtp.connections == 1
    assert statuses() == dict.fromkeys(ids, OutboxStatus.SENT)


def test_deliver_emails_task_run_twice_sends_once(smtp, couple):
    ids = queued(couple.partners[0])

    tasks.outbox.deliver_emails(ids)
    tasks.outbox.deliver_emails(ids)

    assert len(smtp.messages) == 1


def test_deliver_emails_task_schedules_a_retry_after_a_temporary_refusal(smtp, couple, send_task):
    [email_id] = queued(couple.partners[0])
    send_task.forget()  # the hand-off that queueing itself made
    smtp.reply_codes = [451]

    tasks.outbox.deliver_emails([email_id])

    assert statuses() == {email_id: OutboxStatus.PENDING}
    [(name, args)] = send_task.calls
    assert (name, args) == (task_names.DELIVER_EMAILS, [[email_id]])
    assert 0 <= send_task.options[0]["countdown"] <= 30  # first retry: up to 30 s


def test_the_beat_task_hands_due_emails_over_in_batches(app, couple, send_task):
    app.config["MAIL_BATCH_SIZE"] = 2
    due = queued(couple.partners[0], number=3)
    [later] = queued(couple.partners[1])
    db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == later)
        .values(next_attempt_at=timeutil.utcnow() + timedelta(hours=1))
    )
    db.session.commit()
    send_task.forget()  # as if the broker had lost them: only the sweep finds them now

    assert tasks.outbox.deliver_due_emails() == 3

    assert send_task.calls == [
        (task_names.DELIVER_EMAILS, [due[:2]]),
        (task_names.DELIVER_EMAILS, [due[2:]]),
    ]


# Level 2: a view enqueues only what is already committed.


def committed_pending_rows(ids: list[int]) -> list[tuple[int, str]]:
    """What another process (a worker) would see right now."""
    table = OutboxEmail.__table__
    with db.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(table.c.id, table.c.status).where(table.c.id.in_(ids))
            ).all()
        )


# Looks from another connection, as a worker would: the rows must really be committed.
@pytest.mark.committed_db
def test_assigning_enqueues_delivery_only_after_the_rows_are_committed(
    logged_in, counselor, send_task
):
    couple = factories.CoupleFactory(counselor=counselor)
    seen: list[list[tuple[int, str]]] = []
    send_task.check = lambda _name, args: seen.append(committed_pending_rows(args[0]))

    response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form())

    assert response.status_code == 302
    ids = sorted(db.session.scalars(sa.select(OutboxEmail.id)))
    assert len(ids) == 2
    [(name, args)] = send_task.calls
    assert name == task_names.DELIVER_EMAILS
    assert sorted(args[0]) == ids
    assert [sorted(rows) for rows in seen] == [[(i, "pending") for i in ids]]


def test_a_failed_assignment_enqueues_nothing(logged_in, counselor, send_task):
    couple = factories.CoupleFactory(counselor=counselor)

    response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form(times_per_week="99"))

    assert response.status_code == 422
    assert send_task.calls == []
    assert db.session.scalars(sa.select(OutboxEmail)).all() == []


def test_when_the_broker_is_down_assigning_still_works_and_rows_wait(
    logged_in, counselor, send_task, caplog
):
    couple = factories.CoupleFactory(counselor=counselor)
    send_task.error = ConnectionRefusedError("broker down")

    with caplog.at_level(logging.WARNING, logger="counselor.services.delivery.after_commit"):
        response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form())

    assert response.status_code == 302
    assert len(send_task.calls) == 1
    rows = statuses()
    assert len(rows) == 2
    assert set(rows.values()) == {OutboxStatus.PENDING}
    assert sorted(outbox.due_ids(mail.EMAILS, limit=10)) == sorted(rows)
    assert "broker unreachable" in caplog.text
