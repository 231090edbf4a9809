"""The benchmark's world: a database of its own (PostgreSQL when reachable, else SQLite in
WAL), a Redis of its own (else the embedded broker), the app configured for load, and
what is needed to describe the machine in the results."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SECRET = "benchmark-secret-key-long-enough-to-pass"
KEEP_TABLES = {"ladder_rungs", "task_templates", "alembic_version"}


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def postgres_server_url() -> str | None:
    """The server to create the benchmark's database on, if one answers."""
    if os.environ.get("COUNSELOR_BENCH_SQLITE"):
        return None
    url = os.environ.get("COUNSELOR_BENCH_DATABASE_URL") or os.environ.get(
        "COUNSELOR_TEST_DATABASE_URL", DEFAULT_POSTGRES
    )
    try:
        engine = sa.create_engine(_psycopg(url), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
    except Exception:
        return None
    return url


@dataclass
class RedisProcess:
    """A redis-server of the benchmark's own on a free port (nothing kept on disk)."""

    directory: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        from tests.mailserver import free_port

        self.port = free_port()
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@dataclass
class BenchEnv:
    """One database, one broker and one scratch folder for the whole run."""

    workdir: Path
    database_url: str
    engine_name: str
    server_url: str | None = None
    redis: RedisProcess | None = None
    celery_broker: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls) -> BenchEnv:
        workdir = Path(tempfile.mkdtemp(prefix="counselor-bench-"))
        server = postgres_server_url()
        if server:
            url = _create_postgres_database(server)
            env = cls(workdir, url, "PostgreSQL", server_url=server)
        else:
            env = cls(workdir, f"sqlite:///{workdir / 'bench.sqlite3'}", "SQLite (WAL)")
        if shutil.which("redis-server") and not os.environ.get("COUNSELOR_BENCH_NO_REDIS"):
            env.redis = RedisProcess(workdir / "redis")
            env.redis.directory.mkdir()
            env.redis.start()
            env.celery_broker = {"broker_url": env.redis.url}
        else:
            from counselor.config import embedded_broker

            env.celery_broker = embedded_broker(workdir / "broker")
        return env

    @property
    def broker_name(self) -> str:
        return "Redis" if self.redis else "filesystem (embedded)"

    def app_config(self, **overrides: Any) -> dict[str, Any]:
        from counselor.config import Defaults

        config = {
            "SECRET_KEY": SECRET,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "COUPLES_PER_PAGE": 50,
            "MAIL_OUTBOX_DIR": str(self.workdir / "outbox"),
            "REPORTS_DIR": str(self.workdir / "reports"),
            "CELERY": {**Defaults.CELERY, **self.celery_broker},
        }
        config.update(overrides)
        return config

    def process_env(self, **settings: str) -> dict[str, str]:
        """Environment for a gunicorn or Celery process running the same app."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("COUNSELOR_")}
        env.update(
            {
                "COUNSELOR_SECRET_KEY": SECRET,
                "COUNSELOR_SQLALCHEMY_DATABASE_URI": self.database_url,
                "COUNSELOR_WTF_CSRF_ENABLED": "false",
                "COUNSELOR_RATELIMIT_ENABLED": "false",
                "COUNSELOR_COUPLES_PER_PAGE": "50",
                "COUNSELOR_MAIL_OUTBOX_DIR": str(self.workdir / "outbox"),
                "COUNSELOR_REPORTS_DIR": str(self.workdir / "reports"),
                "PYTHONWARNINGS": "ignore",
                "PYTHONPATH": str(ROOT),
            }
        )
        for key, value in self.celery_broker.items():
            env[f"COUNSELOR_CELERY__{key}"] = value if isinstance(value, str) else _json(value)
        env.update(settings)
        return env

    def make_app(self, **overrides: Any) -> Flask:
        from counselor import create_app

        return create_app(self.app_config(**overrides))

    def migrate(self, app: Flask) -> None:
        from flask_migrate import upgrade

        from counselor.extensions import db
        from counselor.services.homework import ladder

        with app.app_context():
            upgrade()
            ladder.sync_ladder()
            db.session.commit()

    def close(self) -> None:
        if self.redis:
            self.redis.stop()
        if self.server_url:
            _drop_postgres_database(self.server_url, self.database_url)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def _create_postgres_database(server_url: str) -> str:
    name = f"counselor_bench_{uuid.uuid4().hex[:10]}"
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


def empty_tables() -> None:
    """Back to the migrated, ladder-synced database (inside an app context)."""
    from counselor.extensions import db

    db.session.remove()
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


def vacuum_analyze() -> None:
    """Fresh planner statistics after bulk loads, as autovacuum would give a real server."""
    from counselor.extensions import db

    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                sa.text("VACUUM ANALYZE")
            )
        else:
            connection.execute(sa.text("ANALYZE"))
            connection.commit()


def machine_description(env: BenchEnv) -> dict[str, str]:
    """What the figures were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = []
    for name in ("Flask", "Flask-SQLAlchemy", "SQLAlchemy", "celery", "reportlab", "gunicorn"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    database = env.engine_name
    if env.server_url:
        database += " " + _postgres_version(env)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.platform()}",
        "python": platform.python_version(),
        "packages": ", ".join(versions),
        "database": database,
        "broker": env.broker_name,
        "load generator": load_generator_name(),
    }


def _postgres_version(env: BenchEnv) -> str:
    engine = sa.create_engine(env.database_url)
    with engine.connect() as connection:
        version = connection.execute(sa.text("show server_version")).scalar()
    engine.dispose()
    return str(version).split()[0]


def load_generator_name() -> str:
    wrk = shutil.which("wrk")
    if wrk and not os.environ.get("COUNSELOR_BENCH_PYTHON_CLIENT"):
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).split("Copyright")[0].strip()
    return "Python http.client (keep-alive, threads) in a subprocess"
