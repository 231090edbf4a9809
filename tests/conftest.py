"""Fixtures every test shares.

Databases and apps
    Each backend — SQLite always, PostgreSQL when ``COUNSELOR_TEST_DATABASE_URL`` is set —
    gets one migrated database and one app for the whole session (under pytest-xdist, one
    per worker: the SQLite file lives in the worker's temp dir, the PostgreSQL database's
    name is unique). ``database_url`` is parametrised, so every test that uses ``app`` runs
    on each backend; ``-k sqlite`` or ``-k postgresql`` picks one.

Isolation (tests/support/isolation.py)
    By default a test runs in a transaction that is rolled back afterwards: the commits the
    app makes at the edge of a request, task or command, and the test's own, release
    SAVEPOINTs inside it. A test whose rows other connections must see is marked
    ``@pytest.mark.committed_db`` and commits for real; every table is emptied afterwards.
    That is: a live server's threads, a Celery worker (thread or process), concurrent
    writers, a check of what a worker would see right now, the fault tests. ``live_server``
    and the ``worker`` of tests/tasks refuse to run without the mark.

Settings
    ``app.config`` is put back after every test, so a test may change a setting the app
    reads at run time in place (``csrf_checked`` does). Settings read only when an app is
    built — rate limiting on, another Celery broker — go in the ``app_overrides`` fixture of
    the module or class: those tests get an app of their own, built for each test.

Hypothesis
    Few examples, the same every run (the ``quick`` profile); tests marked ``long`` ask for
    the ``thorough`` one (tests/support/hypothesis_profiles.py).
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from counselor import create_app, tenancy, timeutil
from counselor.config import Defaults
from counselor.extensions import db, limiter
from counselor.models import Counselor, Couple, Partner
from counselor.services.audit import Actor
from counselor.services.delivery import webhooks
from tests.support import audit_guard, factories, isolation
from tests.support import hypothesis_profiles as hypothesis_profiles  # registers and loads them
from tests.support.clock import NOW, Clock
from tests.support.environment import require_service
from tests.support.mailserver import running_smtp_server
from tests.support.processes import create_postgres_database, drop_postgres_database, migrate
from tests.support.send_task import SendTaskRecorder, install_send_task
from tests.support.webhook_receiver import WebhookReceiver, running_receiver

BACKENDS = ["sqlite", "postgresql"]

# No statement of ours may change or remove an audit row, on either backend (PostgreSQL's
# trigger aside): tests/support/audit_guard.py.
audit_guard.install()


@pytest.fixture(autouse=True)
def audit_rows_left_alone() -> Iterator[None]:
    """Fails a test whose code tried to UPDATE or DELETE audit rows, even if it caught the
    error the guard raised."""
    audit_guard.take_attempts()
    yield
    if attempts := audit_guard.take_attempts():
        pytest.fail(f"audit rows are append-only, yet this test's code sent: {attempts}")


@pytest.fixture(autouse=True)
def no_kept_webhook_endpoints() -> Iterator[None]:
    """Each test reads its practices' webhook endpoints afresh: rolled-back practices give
    their ids to the next test's on SQLite, and tests add endpoints without the services
    (which bump the version ``webhooks.emit`` keeps them under)."""
    webhooks.forget_kept_endpoints()
    yield


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database of this session's own on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    server_url = os.environ.get("COUNSELOR_TEST_DATABASE_URL")
    if not server_url:
        require_service("PostgreSQL tests need COUNSELOR_TEST_DATABASE_URL")
    url = create_postgres_database(server_url, "counselor_test")
    try:
        yield url
    finally:
        drop_postgres_database(server_url, url)


def suite_settings(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Production's default, said out loud: a query on a practice's rows outside any
        # practice's scope fails the test that makes it (counselor/tenancy.py).
        "TENANCY_REQUIRE_SCOPE": True,
        # Thousands of logins prove nothing more with production's argon2 cost.
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        # The tests' webhook receivers listen on 127.0.0.1 over plain http, which production's
        # defaults refuse (tests/services/test_webhook_targets.py proves they do).
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": True,
        "WEBHOOK_REQUIRE_HTTPS": False,
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        "REPORTS_DIR": str(instance / "reports"),
        # Tasks go to an in-memory broker nobody reads; tests/tasks and the fault tests
        # run real workers on real brokers.
        "CELERY": {**Defaults.CELERY, "broker_url": "memory://"},
    }


@pytest.fixture(scope="session")
def shared_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app the tests of one backend share, on its migrated database."""
    app = create_app(suite_settings(database_url, tmp_path_factory.mktemp("instance")))
    migrate(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app_overrides() -> dict:
    """Settings for an app of the test's own; empty, the test shares ``shared_app``."""
    return {}


@pytest.fixture
def app(
    request: pytest.FixtureRequest,
    shared_app: Flask,
    app_overrides: dict,
    database_url: str,
    tmp_path: Path,
) -> Iterator[Flask]:
    """The app in an app context of the test's own, its writes undone afterwards."""
    if app_overrides:
        app = create_app({**suite_settings(database_url, tmp_path), **app_overrides})
    else:
        app = shared_app
    if request.node.get_closest_marker("committed_db"):
        undo_writes = isolation.committed
    else:
        undo_writes = isolation.rolled_back
    with _settings_restored(app, tmp_path), app.app_context(), undo_writes():
        yield app
    if app is not shared_app:
        with app.app_context():
            db.engine.dispose()


@contextmanager
def _settings_restored(app: Flask, tmp_path: Path) -> Iterator[None]:
    """The test's own mail outbox and reports folder; every setting back afterwards. The
    extensions' module-level objects remember the last app built (the Celery app tasks
    resolve to, whether rate limits count): they are pointed at this one."""
    saved = {key: _copy_of(value) for key, value in app.config.items()}
    app.config.update(
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), REPORTS_DIR=str(tmp_path / "reports")
    )
    celery = app.extensions["celery"]
    celery.set_current()
    celery.set_default()
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    try:
        yield
    finally:
        app.config.clear()
        app.config.update(saved)


def _copy_of(value: object) -> object:
    """A deep copy of a setting, or the setting itself when it holds what cannot be copied
    (a Redis connection pool the app built from its settings, say)."""
    try:
        return copy.deepcopy(value)
    except TypeError:
        return value


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def csrf_checked(app: Flask) -> None:
    """Forms and the API need what production needs: the suite turns the CSRF check off."""
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def counselor(app: Flask) -> Counselor:
    return factories.CounselorFactory()


@pytest.fixture
def actor(counselor: Counselor) -> Actor:
    """``counselor`` as the services see them, the session in their practice's scope (as
    the dashboard's login puts it)."""
    tenancy.enter_practice(counselor.practice_id)
    return Actor.for_counselor(counselor)


@pytest.fixture
def couple(counselor: Counselor) -> Couple:
    """A couple of ``counselor``'s, partners in Chicago, no homework yet."""
    return factories.CoupleFactory(counselor=counselor)


@pytest.fixture
def partner(couple: Couple) -> Partner:
    """The couple's first partner."""
    return couple.partners[0]


@pytest.fixture
def logged_in(client: FlaskClient, counselor: Counselor, actor: Actor) -> FlaskClient:
    """A test client logged in as ``counselor``; the test's own queries see their
    practice's rows (``actor``'s scope), as the dashboard's requests do."""
    response = client.post(
        "/login", data={"email": counselor.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302, response.data
    return client


@pytest.fixture
def clock_start() -> datetime:
    """Where ``clock`` starts; a module overrides it to start elsewhere."""
    return NOW


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, clock_start: datetime) -> Clock:
    """Every service's now (``timeutil.utcnow``), moved only by the test."""
    clock = Clock(clock_start)
    monkeypatch.setattr(timeutil, "utcnow", lambda: clock.now)
    return clock


@pytest.fixture
def smtp(app: Flask):
    """A real SMTP server on 127.0.0.1; the app sends to it instead of writing files."""
    with running_smtp_server() as (handler, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        yield handler


@pytest.fixture
def send_task(app: Flask, monkeypatch: pytest.MonkeyPatch) -> SendTaskRecorder:
    """What the web process hands to workers, recorded instead of published."""
    return install_send_task(app, monkeypatch)


@pytest.fixture
def receiver(clock: Clock) -> Iterator[WebhookReceiver]:
    """A webhook receiver on 127.0.0.1 that reads the test's clock, so retries can be made
    due and signatures stay fresh without waiting."""
    with running_receiver() as receiver:
        receiver.clock = clock.timestamp
        yield receiver


@pytest.fixture
def live_server(request: pytest.FixtureRequest, app: Flask) -> Iterator[str]:
    """The test's app served by a threaded server on a free port of 127.0.0.1."""
    isolation.require_committed_db(request, "live_server")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line per skip reason instead of one per test."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, number in sorted(reasons.items()):
        terminalreporter.write_line(f"skipped {number}: {reason}")
