"""What tests and benchmarks start, stop and break themselves: a database of their own, a
redis-server on a free port, ``celery -A tasks worker`` processes.

One module for both: the fault tests (tests/faults/) kill and stop these processes on
purpose, and benchmarks/ measures them; each process runs in a process group of its own, so
one signal reaches a worker's pool as well."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
# Rows every database keeps: the schema's version and the shipped ladder (with the weekly
# check-in's items, which the same file holds).
KEEP_TABLES = frozenset(
    {"ladder_rungs", "task_templates", "weekly_checkin_items", "alembic_version"}
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- databases ------------------------------------------------------------------------------


def psycopg_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def create_postgres_database(server_url: str, prefix: str) -> str:
    """A new, empty database on the server (its name unique to this run); returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _run_autocommit(server_url, f'CREATE DATABASE "{name}"')
    return str(sa.make_url(psycopg_url(server_url)).set(database=name).render_as_string(False))


def drop_postgres_database(server_url: str, url: str) -> None:
    name = sa.make_url(url).database
    _run_autocommit(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_autocommit(server_url: str, statement: str) -> None:
    engine = sa.create_engine(psycopg_url(server_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(statement))
    engine.dispose()


def migrate(app: Flask) -> None:
    """The app's database at the newest migration, with the shipped ladder in it."""
    from flask_migrate import upgrade

    from counselor.extensions import db
    from counselor.services.homework import ladder

    with app.app_context():
        upgrade()
        ladder.sync_ladder()
        db.session.commit()


def empty_tables() -> None:
    """Back to the migrated database with its ladder and nothing else (in an app context)."""
    from counselor.extensions import db

    db.session.remove()
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # The tables that have rows, emptied children first: a TRUNCATE of every table
            # took 0.7 s, most of them empty. audit_events, whose trigger refuses DELETE,
            # is truncated (no table refers to it).
            filled = connection.execute(
                sa.select(*(sa.exists().select_from(table) for table in tables))
            ).one()
            for table, rows in zip(tables, filled, strict=True):
                if rows and table.name == "audit_events":
                    connection.execute(sa.text('TRUNCATE "audit_events"'))
                elif rows:
                    connection.execute(table.delete())
        else:
            for table in tables:
                connection.execute(table.delete())
        # The weekly check-in items a test made (factories.make_weekly_item), never the
        # ladder file's: they would join every later test's questions.
        connection.execute(sa.text("DELETE FROM weekly_checkin_items WHERE key LIKE 'test-item-%'"))


# --- processes ------------------------------------------------------------------------------


def process_env(settings: dict[str, str]) -> dict[str, str]:
    """This environment without its ``COUNSELOR_*`` settings, plus ``settings`` (names
    without the prefix): what a worker or server process of the app is started with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNSELOR_")}
    env.update({f"COUNSELOR_{name}": value for name, value in settings.items()})
    env.update({"PYTHONWARNINGS": "ignore", "PYTHONPATH": str(ROOT)})
    return env


def worker_env(app: Flask, broker_url: str) -> dict[str, str]:
    """For a worker process that shares this app's database, mail server (or outbox folder)
    and reports folder, on a broker of the test's own (the app's queues)."""
    config = app.config
    settings = {
        "SECRET_KEY": config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": config["SQLALCHEMY_DATABASE_URI"],
        "CELERY__broker_url": broker_url,
        "MAIL_SERVER": config["MAIL_SERVER"],
        "MAIL_PORT": str(config["MAIL_PORT"]),
        "MAIL_BATCH_SIZE": str(config["MAIL_BATCH_SIZE"]),
        "MAIL_CLAIM_LEASE_SECONDS": str(config["MAIL_CLAIM_LEASE_SECONDS"]),
        "MAIL_OUTBOX_DIR": config["MAIL_OUTBOX_DIR"],
        "REPORTS_DIR": config["REPORTS_DIR"],
    }
    return process_env({name: value for name, value in settings.items() if value is not None})


def own_queues_env(prefix: str) -> dict[str, str]:
    """Environment for a worker whose queues are its own on a shared broker (the app's
    queue names after ``prefix``); its publisher takes ``queue_settings(prefix)``."""
    from counselor.task_names import queue_settings

    return {f"COUNSELOR_CELERY__{k}": json.dumps(v) for k, v in queue_settings(prefix).items()}


def start_process_group(argv: list[str], env: dict[str, str], log: IO[bytes]) -> subprocess.Popen:
    """``argv`` from the repository root, its output in ``log``, in a process group of its own."""
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_process_group(process: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGTERM to the whole group, and SIGKILL if it has not exited within ``timeout``."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_process_group(process)
    except ProcessLookupError:
        process.wait(timeout=10)


def kill_process_group(process: subprocess.Popen) -> None:
    """SIGKILL to the whole group: no cleanup, no goodbye."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a worker's pool, a server's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


@dataclass
class RedisServer:
    """A redis-server of its own on 127.0.0.1, nothing kept on disk. Stopped and started
    again, it keeps its port: a broker that went away and came back."""

    directory: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.port = self.port or free_port()
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
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
class CeleryWorker:
    """``celery -A tasks worker`` with a prefork pool of ``concurrency`` processes; the app
    it runs is configured by ``env`` (see ``process_env``). It takes tasks from ``queues``
    (comma-separated), or from every queue the app declares."""

    env: dict[str, str]
    log_path: Path
    concurrency: int = 2
    name: str = "worker"
    loglevel: str = "INFO"
    queues: str | None = None
    app_module: str = "tasks"
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        argv = [sys.executable, "-m", "celery", "-A", self.app_module, "worker"]
        argv += ["--pool", "prefork", "--concurrency", str(self.concurrency)]
        argv += ["--hostname", f"{self.name}@%h", "--loglevel", self.loglevel]
        if self.queues:
            argv += ["--queues", self.queues]
        argv += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        self.process = start_process_group(argv, self.env, self._log)

    def pool_pids(self) -> list[int]:
        """The processes that run the tasks."""
        return child_pids(self.process.pid) if self.process else []

    def kill(self) -> None:
        """SIGKILL the worker and its pool in the middle of whatever they are doing."""
        if self.process is not None:
            kill_process_group(self.process)
            self._finished()

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process)
            self._finished()

    def _finished(self) -> None:
        self.process = None
        self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        """Until the worker takes tasks (Celery logs "ready." at INFO); a worker that ends
        or is not ready in time is killed, and its log shown."""
        deadline = time.monotonic() + timeout
        while f"{self.name}@" not in self.output() or " ready." not in self.output():
            if (
                self.process is None
                or self.process.poll() is not None
                or (time.monotonic() > deadline)
            ):
                self.kill()
                raise RuntimeError(f"worker {self.name} not ready:\n{self.output()[-2000:]}")
            time.sleep(0.1)


@dataclass(frozen=True)
class ProcfileWorker:
    """A Celery worker line of a Procfile: what `make run` starts."""

    name: str  # its --hostname before the @
    queues: tuple[str, ...]
    concurrency: int
    beat: bool


def procfile_workers(procfile: Path) -> list[ProcfileWorker]:
    """The ``celery -A tasks worker`` lines of a Procfile, read as Celery reads them."""
    workers = []
    for line in procfile.read_text().splitlines():
        if line.lstrip().startswith("#") or " worker" not in line or "celery" not in line:
            continue
        option = _options(shlex.split(line.partition(":")[2]))
        queues = option.get("-Q") or option.get("--queues")
        hostname = option.get("--hostname") or option.get("-n") or "celery@%h"
        workers.append(
            ProcfileWorker(
                name=hostname.partition("@")[0],
                queues=tuple(queues.split(",")) if queues else (),
                concurrency=int(option.get("--concurrency") or option.get("-c") or 0),
                beat="--beat" in option or "-B" in option,
            )
        )
    return workers


def _options(argv: list[str]) -> dict[str, str]:
    """``--name=value``, ``--name value`` and ``-n value`` alike; a flag maps to ""."""
    options: dict[str, str] = {}
    for position, word in enumerate(argv):
        if not word.startswith("-"):
            continue
        name, equals, value = word.partition("=")
        following = argv[position + 1] if position + 1 < len(argv) else "-"
        if not equals and not following.startswith("-"):
            value = following
        options[name] = value
    return options
