"""The app served by a real gunicorn, as `make run` serves it (Procfile's ``web:`` options:
sync workers, the access log on stdout), on a free port of 127.0.0.1: for the tests whose
point is what the server does — its access log, how it hands a chunked body over, how much
memory its workers keep."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from tests.support.processes import (
    child_pids,
    free_port,
    process_env,
    start_process_group,
    stop_process_group,
)

HOST = "127.0.0.1"
# For a test about the server, not the data: SQLite only (the database_url fixture's backends).
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@dataclass
class GunicornServer:
    port: int
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def connection(self, timeout: float = 10) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=timeout)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = self.connection()
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        return child_pids(self.process.pid) if self.process is not None else []

    def output(self) -> str:
        """What gunicorn wrote so far: its error log and access log."""
        return self.log_path.read_text(errors="replace")


def served_settings(app: Flask, port: int, **settings: str) -> dict[str, str]:
    """``COUNSELOR_*`` settings for a server of ``app``'s database, public on ``port``."""
    config = app.config
    return {
        "SECRET_KEY": config["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": config["SQLALCHEMY_DATABASE_URI"],
        "PUBLIC_BASE_URL": f"http://{HOST}:{port}",
        "MAIL_OUTBOX_DIR": config["MAIL_OUTBOX_DIR"],
        "REPORTS_DIR": config["REPORTS_DIR"],
        "CELERY__broker_url": "memory://",
        **settings,
    }


@contextmanager
def running_gunicorn(
    app: Flask, log_path: Path, workers: int = 1, **settings: str
) -> Iterator[GunicornServer]:
    """gunicorn serving ``create_app()`` on ``app``'s database (rows the test committed are
    seen), with ``settings`` on top; stopped, with its workers, at the end."""
    port = free_port()
    server = GunicornServer(port, log_path)
    argv = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    argv += ["--bind", f"{HOST}:{port}", "--access-logfile", "-", "--no-control-socket"]
    argv += ["counselor:create_app()"]
    env = process_env(served_settings(app, port, **settings))
    with log_path.open("ab") as log:
        process = start_process_group(argv, env, log)
        server.process = process
        try:
            _wait_until_serving(server, process, workers)
            yield server
        finally:
            stop_process_group(process)


def _wait_until_serving(server: GunicornServer, process: subprocess.Popen, workers: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{server.output()}")
        try:
            status, _ = server.get("/login")
            if status == 200 and len(server.worker_pids()) >= workers:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start:\n{server.output()}")
