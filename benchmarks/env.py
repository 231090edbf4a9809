"""The benchmark's world: a database of its own (PostgreSQL when reachable, else SQLite in
WAL), a Redis of its own (else the embedded broker), the app configured for load, and
what is needed to describe the machine in the results."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.support.processes import (
    RedisServer,
    create_postgres_database,
    drop_postgres_database,
    process_env,
    psycopg_url,
)

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SECRET = "benchmark-secret-key-long-enough-to-pass"


def postgres_server_url() -> str | None:
    """The server to create the benchmark's database on, if one answers."""
    if os.environ.get("COUNSELOR_BENCH_SQLITE"):
        return None
    url = os.environ.get("COUNSELOR_BENCH_DATABASE_URL") or os.environ.get(
        "COUNSELOR_TEST_DATABASE_URL", DEFAULT_POSTGRES
    )
    try:
        engine = sa.create_engine(psycopg_url(url), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
    except Exception:
        return None
    return url


@dataclass
class BenchEnv:
    """One database, one broker and one scratch folder for the whole run."""

    workdir: Path
    database_url: str
    engine_name: str
    server_url: str | None = None
    redis: RedisServer | None = None
    celery_broker: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls) -> BenchEnv:
        workdir = Path(tempfile.mkdtemp(prefix="counselor-bench-"))
        server = postgres_server_url()
        if server:
            url = create_postgres_database(server, "counselor_bench")
            env = cls(workdir, url, "PostgreSQL", server_url=server)
        else:
            env = cls(workdir, f"sqlite:///{workdir / 'bench.sqlite3'}", "SQLite (WAL)")
        if shutil.which("redis-server") and not os.environ.get("COUNSELOR_BENCH_NO_REDIS"):
            env.redis = RedisServer(workdir / "redis")
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
        env = process_env(
            {
                "SECRET_KEY": SECRET,
                "SQLALCHEMY_DATABASE_URI": self.database_url,
                "WTF_CSRF_ENABLED": "false",
                "RATELIMIT_ENABLED": "false",
                "COUPLES_PER_PAGE": "50",
                "MAIL_OUTBOX_DIR": str(self.workdir / "outbox"),
                "REPORTS_DIR": str(self.workdir / "reports"),
            }
        )
        for key, value in self.celery_broker.items():
            env[f"COUNSELOR_CELERY__{key}"] = value if isinstance(value, str) else _json(value)
        env.update(settings)
        return env

    def make_app(self, **overrides: Any) -> Flask:
        from counselor import create_app

        return create_app(self.app_config(**overrides))

    def close(self) -> None:
        if self.redis:
            self.redis.stop()
        if self.server_url:
            drop_postgres_database(self.server_url, self.database_url)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


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
