"""A real Celery worker on a real broker: the embedded SQLite one always, Redis when
``COUNSELOR_TEST_REDIS_URL`` is set."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from counselor.config import embedded_broker
from tests.support.environment import require_service


@pytest.fixture(params=["embedded", "redis"])
def broker(request: pytest.FixtureRequest, tmp_path) -> dict:  # type: ignore[no-untyped-def]
    """Celery settings for the broker: what `make run` uses, or Redis."""
    if request.param == "embedded":
        return embedded_broker(tmp_path / "broker")
    url = os.environ.get("COUNSELOR_TEST_REDIS_URL")
    if not url:
        require_service("Redis worker tests need COUNSELOR_TEST_REDIS_URL")
    return {"broker_url": url}


@pytest.fixture
def app_config(app_config: dict, broker: dict) -> dict:
    celery = {
        **app_config["CELERY"],
        **broker,
        # A queue of this test's own, so nothing left on a shared Redis leaks in.
        "task_default_queue": f"test-{uuid.uuid4().hex[:8]}",
    }
    return {**app_config, "CELERY": celery}


@pytest.fixture
def worker(app):  # type: ignore[no-untyped-def]
    """A worker thread consuming the app's broker, running tasks in the app context."""
    from celery.contrib.testing.worker import start_worker

    import tasks.mail  # noqa: F401 - registers the tasks with this Celery app

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
def waiter() -> Iterator[Callable[..., None]]:
    yield wait_for
