"""Fixtures shared by every test: an app on SQLite always, and on PostgreSQL when
``COUNSELOR_TEST_DATABASE_URL`` is set. Tests build their own rows with the factories."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.serving import make_server

from counselor import create_app
from counselor.config import Defaults
from counselor.extensions import db
from counselor.services.homework import ladder
from tests.support import factories

IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]


def require_service(reason: str) -> None:
    """Skip on a developer machine without the service; fail under CI, where it must exist."""
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, migrated database for the whole run on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        _migrate(url, tmp_path_factory)
        yield url
        return
    server_url = os.environ.get("COUNSELOR_TEST_DATABASE_URL")
    if not server_url:
        require_service("PostgreSQL tests need COUNSELOR_TEST_DATABASE_URL")
    url = _create_postgres_database(server_url)
    try:
        _migrate(url, tmp_path_factory)
        yield url
    finally:
        _drop_postgres_database(server_url, url)


def _migrate(url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    app = create_app(_test_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()
        ladder.sync_ladder()
        db.engine.dispose()


def _create_postgres_database(server_url: str) -> str:
    name = f"counselor_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(_psycopg(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(sa.make_url(_psycopg(server_url)).set(database=name).render_as_string(False))


def _drop_postgres_database(server_url: str, url: str) -> None:
    name = sa.make_url(url).database
    engine = sa.create_engine(_psycopg(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _test_config(url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        "REPORTS_DIR": str(instance / "reports"),
        # Tasks go to an in-memory broker nobody reads; end-to-end tests use real ones.
        "CELERY": {**Defaults.CELERY, "broker_url": "memory://"},
    }


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict:
    """Override per test module to change settings before the app is built."""
    return _test_config(database_url, tmp_path)


@pytest.fixture
def app(app_config: dict) -> Iterator[Flask]:
    app = create_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    """Every test starts from the migrated, ladder-synced database with no other rows."""
    keep = {"ladder_rungs", "task_templates", "alembic_version"}
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in keep]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def counselor(app: Flask):  # type: ignore[no-untyped-def]
    return factories.CounselorFactory()


@pytest.fixture
def logged_in(client: FlaskClient, counselor) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A test client logged in as ``counselor``."""
    response = client.post(
        "/login", data={"email": counselor.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302, response.data
    return client


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """One line per skip reason instead of one per test."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, number in sorted(reasons.items()):
        terminalreporter.write_line(f"skipped {number}: {reason}")


@pytest.fixture
def smtp(app: Flask):  # type: ignore[no-untyped-def]
    """A real SMTP server on 127.0.0.1; the app sends to it instead of writing files."""
    from tests.support.mailserver import running_smtp_server

    with running_smtp_server() as (handler, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        yield handler


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test's app served by a threaded server on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
