"""The fault tests stop and kill real processes: a redis-server of each test's own (see
tests/support/processes.py for it and the Celery workers), and an app of each test's own
on it, which the tests point at that server. Each runs once per kind of outbox (emails to
a real SMTP server, webhooks to a real receiver: tests/faults/outboxes.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from counselor.config import Defaults
from tests.faults.outboxes import EmailOutbox, FaultOutbox, WebhookOutbox
from tests.support.environment import require_service
from tests.support.mailserver import RecordingHandler
from tests.support.processes import RedisServer
from tests.support.webhook_receiver import running_receiver


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server on a free port, so stopping it touches nothing else."""
    if not shutil.which("redis-server"):
        require_service("fault tests need redis-server (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_overrides(redis_server: RedisServer) -> dict:
    """The tests reconfigure their app's Celery as they go: an app of their own, on their
    own Redis."""
    return {"CELERY": {**Defaults.CELERY, "broker_url": redis_server.url}}


@pytest.fixture(params=["email", "webhook"])
def outbox(request: pytest.FixtureRequest, smtp: RecordingHandler) -> Iterator[FaultOutbox]:
    """The kind of outbox under test. The SMTP server runs for both: the workers' settings
    name it. The webhook receiver keeps real time, as the workers do."""
    if request.param == "email":
        yield EmailOutbox(smtp)
        return
    with running_receiver() as receiver:
        yield WebhookOutbox(receiver)
