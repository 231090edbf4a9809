"""Processes the fault tests start and break: a Redis server of their own, Celery workers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.conftest import require_service
from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RedisServer:
    port: int
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
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
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
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


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server on a free port, so stopping it touches nothing else."""
    if not shutil.which("redis-server"):
        require_service("fault tests need redis-server (apt-get install redis-server)")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


@dataclass
class WorkerProcess:
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tasks",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: one kill reaches the children
        )

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no cleanup, no goodbye."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None
            self.log.close()

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.process = None
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def worker_env(app, broker_url: str, queue: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Environment for a worker subprocess that shares the test's database and mail server."""
    config = app.config
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNSELOR_")}
    env.update(
        {
            "COUNSELOR_SECRET_KEY": config["SECRET_KEY"],
            "COUNSELOR_SQLALCHEMY_DATABASE_URI": config["SQLALCHEMY_DATABASE_URI"],
            "COUNSELOR_CELERY__broker_url": broker_url,
            "COUNSELOR_CELERY__task_default_queue": queue,
            "COUNSELOR_MAIL_SERVER": config["MAIL_SERVER"],
            "COUNSELOR_MAIL_PORT": str(config["MAIL_PORT"]),
            "COUNSELOR_MAIL_BATCH_SIZE": str(config["MAIL_BATCH_SIZE"]),
            "COUNSELOR_MAIL_CLAIM_LEASE_SECONDS": str(config["MAIL_CLAIM_LEASE_SECONDS"]),
            "PYTHONWARNINGS": "ignore",
        }
    )
    return env
