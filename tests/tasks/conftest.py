"""Celery in the tests: a recorder in place of ``send_task`` (what the web hands to workers),
and a real worker thread on a real broker — the embedded one always, Redis when
``COUNSELOR_TEST_REDIS_URL`` is set. A module that starts a worker builds its app on the
broker: ``app_overrides`` returning ``broker_settings``, and ``committed_db``."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from counselor import task_names
from counselor.config import Defaults, embedded_broker
from tests.support.environment import require_service
from tests.support.isolation import require_committed_db


@pytest.fixture(params=["embedded", "redis"])
def broker_settings(request: pytest.FixtureRequest, tmp_path: Path) -> dict:
    """App settings for a worker's broker — what `make run` uses, or Redis — and queues of
    the test's own, so nothing left on a shared Redis leaks in."""
    if request.param == "embedded":
        broker = embedded_broker(tmp_path / "broker")
    else:
        url = os.environ.get("COUNSELOR_TEST_REDIS_URL")
        if not url:
            require_service("Redis worker tests need COUNSELOR_TEST_REDIS_URL")
        broker = {"broker_url": url}
    queues = task_names.queue_settings(prefix=f"test-{uuid.uuid4().hex[:8]}-")
    return {"CELERY": {**Defaults.CELERY, **broker, **queues}}


@pytest.fixture
def worker(request: pytest.FixtureRequest, app: Flask) -> Iterator[object]:
    """A worker thread consuming the app's broker, running tasks in the app context."""
    from celery.contrib.testing.worker import start_worker

    import tasks.outbox  # noqa: F401 - registers the tasks with this Celery app

    require_committed_db(request, "worker")
    with start_worker(
        app.extensions["celery"],
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=15,
        loglevel="WARNING",
    ) as worker:
        yield worker


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the worker")
        time.sleep(0.1)


@pytest.fixture
def waiter() -> Callable[..., None]:
    return wait_for
