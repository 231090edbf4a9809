"""The reliability suite's world: PostgreSQL and Redis each behind a TCP proxy the tests own
(tests/support/tcp_proxy.py), a database of the module's own with one practice in it, and
the app served by gunicorn as `make run` serves it (2 sync workers), with the rate limiter
on Redis as the README's "Scaling out" sets it up. Under CI=true a missing PostgreSQL or
redis-server fails these tests instead of skipping them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks.data import homework_links
from benchmarks.http_load import GunicornServer
from counselor import create_app, tenancy, timeutil
from counselor.extensions import db
from counselor.models import Assignment, Partner
from counselor.services.accounts import api_keys
from counselor.services.audit import Actor
from counselor.unit_of_work import unit_of_work
from tests.support import bulk, factories
from tests.support.environment import require_service
from tests.support.processes import (
    RedisServer,
    create_postgres_database,
    drop_postgres_database,
    migrate,
    process_env,
)
from tests.support.tcp_proxy import TcpProxy, running_proxy

COUPLES = 60
SECRET_KEY = "reliability-secret-key-long-enough"
# The limits stay on (and on Redis) but far above what the load sends: every client comes
# from 127.0.0.1, and the point here is the storage, not the numbers.
GENEROUS = "100000 per minute"


@dataclass(frozen=True)
class World:
    """What the load needs to act as counselor, partners and host system."""

    database_url: str  # straight to PostgreSQL, for the tests' own reads
    owner_email: str
    api_key: str
    couple_ids: list[int]
    steps: list[tuple[str, int, int]]  # (homework link token, assignment id, partner id)


@pytest.fixture(scope="module")
def postgres_server_url() -> str:
    url = os.environ.get("COUNSELOR_TEST_DATABASE_URL")
    if not url:
        require_service("reliability tests need PostgreSQL: set COUNSELOR_TEST_DATABASE_URL")
    return url


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    if not shutil.which("redis-server"):
        require_service("reliability tests need redis-server (apt-get install redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def postgres_proxy(postgres_server_url: str) -> Iterator[TcpProxy]:
    url = sa.make_url(postgres_server_url)
    with running_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def redis_proxy(redis_server: RedisServer) -> Iterator[TcpProxy]:
    with running_proxy("127.0.0.1", redis_server.port) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def world(postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = create_postgres_database(postgres_server_url, "counselor_reliability")
    instance = tmp_path_factory.mktemp("seed")
    app = create_app(
        {
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "MAIL_OUTBOX_DIR": str(instance / "outbox"),
            "REPORTS_DIR": str(instance / "reports"),
        }
    )
    migrate(app)
    with app.app_context():
        owner = factories.CounselorFactory()
        today = timeutil.local_today(bulk.TIMEZONE)
        labels = [f"Reliability {n:03d}" for n in range(COUPLES)]
        couple_ids = bulk.add_couples(
            owner, labels, starts_on=today - timedelta(days=7), until=today, checkins=False
        )
        with tenancy.practice_scope(owner.practice_id):
            links = homework_links(couple_ids)
            partner_of_step = dict(
                db.session.execute(
                    sa.select(Assignment.id, Partner.id)
                    .join(Partner, Partner.couple_id == Assignment.couple_id)
                    .where(Assignment.id.in_([step for _, step in links]), Partner.position == 1)
                ).all()
            )
            with unit_of_work():
                _, secret = api_keys.create_api_key(Actor.system(owner.practice_id), "Load")
        world = World(
            database_url=url,
            owner_email=owner.email,
            api_key=secret,
            couple_ids=couple_ids,
            steps=[(token, step, partner_of_step[step]) for token, step in links],
        )
        db.engine.dispose()
    yield world
    drop_postgres_database(postgres_server_url, url)


def through(proxy: TcpProxy, url: str) -> str:
    """``url`` with its host and port replaced by the proxy's."""
    proxied = sa.make_url(url).set(host="127.0.0.1", port=proxy.port)
    return proxied.render_as_string(hide_password=False)


def server_settings(
    world: World, postgres_proxy: TcpProxy, redis_proxy: TcpProxy, instance: Path
) -> dict[str, str]:
    """The app's settings under gunicorn: its database and rate-limit storage reached only
    through the proxies."""
    return {
        "SECRET_KEY": SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": through(postgres_proxy, world.database_url),
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_proxy.port}/1",
        "CELERY__broker_url": "memory://",
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        "REPORTS_DIR": str(instance / "reports"),
        "LOGIN_RATE_LIMIT": GENEROUS,
        "CLIENT_RATE_LIMIT": GENEROUS,
        "CLIENT_TOKEN_RATE_LIMIT": GENEROUS,
        "API_RATE_LIMIT": GENEROUS,
    }


@contextmanager
def served(settings: dict[str, str], logs: Path, threads: int = 1) -> Iterator[GunicornServer]:
    """gunicorn with 2 workers, sync as the Procfile's, or with ``threads`` threads each."""
    env = process_env(settings)
    if threads > 1:
        env["GUNICORN_CMD_ARGS"] = f"--threads {threads}"  # sync becomes gthread
    gunicorn = GunicornServer("reliability", "counselor:create_app()", env, logs / "gunicorn.log")
    gunicorn.start()
    try:
        yield gunicorn
    finally:
        gunicorn.stop()


@pytest.fixture(scope="module")
def server(
    world: World,
    postgres_proxy: TcpProxy,
    redis_proxy: TcpProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[GunicornServer]:
    """The app as `make run` serves it: 2 sync workers."""
    instance = tmp_path_factory.mktemp("instance")
    settings = server_settings(world, postgres_proxy, redis_proxy, instance)
    with served(settings, tmp_path_factory.mktemp("logs")) as gunicorn:
        yield gunicorn


def server_log(server: GunicornServer) -> str:
    return server.log_path.read_text(errors="replace")
