"""/links/new with a real worker on a real broker (embedded, and Redis when set): the
partner whose address is on file gets a fresh link by email; an address not on file gets
nothing; and no log line, of the web or the worker, holds either address — Celery shows
the task's argument as ``[address]``."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from celery import signals

import tasks.links  # noqa: F401 - registers the task with this Celery app
from counselor import task_names
from counselor.extensions import db
from counselor.models import AuditEvent, OutboxEmail
from counselor.tenancy import across_practices
from tests.support import factories

UNKNOWN = "nobody@example.org"

pytestmark = pytest.mark.committed_db


@pytest.fixture
def app_overrides(broker_settings: dict) -> dict:
    return broker_settings


def test_a_fresh_link_reaches_the_address_on_file_and_nothing_else_happens(
    app, client, smtp, worker, waiter, caplog, shown
):
    partner = factories.CoupleFactory().partners[0]
    db.session.commit()
    caplog.set_level(logging.DEBUG)

    for address in (UNKNOWN, partner.email):
        assert client.post("/links/new", data={"email": address}).status_code == 200

    waiter(lambda: len(smtp.messages) == 1)
    time.sleep(0.5)  # the unknown address's task, sent first, has had every chance
    assert smtp.messages[0].recipients == [partner.email]
    assert "/p/" in smtp.messages[0].homework_link
    assert _count(OutboxEmail) == 1
    assert list(db.session.scalars(across_practices(sa.select(AuditEvent.action)))) == [
        "partner.request_link"
    ]
    assert shown == ["('[address]',)", "('[address]',)"]
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]  # the SMTP server's
    for address in (partner.email, UNKNOWN):
        assert [vars(r) for r in ours if address in repr(vars(r))] == []


@pytest.fixture
def shown() -> Iterator[list[str]]:
    """How the worker shows the arguments of each link request it receives (its log line,
    events, monitors)."""
    seen: list[str] = []

    def received(request, **_: object) -> None:
        if request.name == task_names.REQUEST_LINK:
            seen.append(request.argsrepr)

    signals.task_received.connect(received, weak=False)
    yield seen
    signals.task_received.disconnect(received)


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(across_practices(sa.select(sa.func.count()).select_from(model)))
