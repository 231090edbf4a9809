"""The service as `make run` starts it, on a fresh instance folder: the Makefile's
``instance-ready`` commands (``flask init``, ``flask seed-demo --if-empty``), then
``scripts/procfile.py Procfile`` — gunicorn and the Celery workers — with the
environment the ``run`` target gives them. SQLite and the filesystem broker, as on a
first run: no ``COUNSELOR_*`` setting reaches the processes.

Flask keeps the instance folder beside the ``counselor`` package, so a fresh one needs
the code in a folder of its own: the code (``counselor``, ``tasks``, ``reports``,
``migrations``, ``scripts``, the Procfile) is copied once into a scratch folder (with
its compiled ``__pycache__``, as a checkout that has run before has), and the virtualenv
linked. Nothing is written into the project's own ``instance/``.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.processes import ROOT, child_pids, free_port, procfile_workers

HOST = "127.0.0.1"
CODE = ("counselor", "tasks", "reports", "migrations", "scripts", "Procfile")
# The `run` target's environment (Makefile): HOST, PORT and the webhook settings for trials.
RUN_SETTINGS = {
    "COUNSELOR_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    "COUNSELOR_WEBHOOK_REQUIRE_HTTPS": "false",
}
DEMO_LOGIN = re.compile(r"Demo login: (\S+)\s+password: (\S+)")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
START_TIMEOUT = 120
STOP_TIMEOUT = 60


def copy_code(into: Path) -> Path:
    """The code in a folder of its own (see the module's docstring); returns the folder."""
    into.mkdir(parents=True, exist_ok=True)
    for name in CODE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, symlinks=True)
        else:
            shutil.copy2(source, into / name)
    (into / ".venv").symlink_to(ROOT / ".venv")
    return into


@dataclass
class Answer:
    status: int
    body: str
    cookies: dict[str, str]
    location: str
    seconds: float


def request(port: int, method: str, path: str, cookies: dict[str, str], body: str = "") -> Answer:
    """One request over a new connection, as a browser's first would be, timed."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    started = time.perf_counter()
    try:
        connection.request(method, path, body or None, headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        seconds = time.perf_counter() - started
        set_cookies = {}
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            set_cookies[name.strip()] = rest.split(";", 1)[0]
        return Answer(
            response.status, text, set_cookies, response.getheader("Location") or "", seconds
        )
    finally:
        connection.close()


@dataclass
class StartUp:
    """The times of one start, in seconds from the first command."""

    init: float = 0.0  # flask init done
    seeded: float = 0.0  # flask seed-demo done
    serving: float = 0.0  # GET /login answered 200
    dashboard: float = 0.0  # the first dashboard page after login answered 200
    first_page: float = 0.0  # that page's own time
    login: float = 0.0  # the login POST's own time
    warm_page: float = 0.0  # the same page again
    workers_ready: float = 0.0  # every Celery worker of the Procfile logged "ready."


@dataclass
class MakeRun:
    """One `make run` stack in ``root`` (from ``copy_code``), on a port of its own."""

    root: Path
    log_path: Path
    port: int = 0
    process: subprocess.Popen | None = None
    email: str = ""
    password: str = field(default="", repr=False)
    cookies: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COUNSELOR_")}
        env.update(RUN_SETTINGS)
        env.update({"HOST": HOST, "PORT": str(self.port), "PYTHONPATH": str(self.root)})
        return env

    def _flask(self, *args: str) -> str:
        done = subprocess.run(
            [".venv/bin/flask", "--app", "counselor", *args],
            cwd=self.root,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def start(self) -> StartUp:
        """From a fresh instance folder to the first dashboard page after login."""
        shutil.rmtree(self.root / "instance", ignore_errors=True)
        self.port = free_port()
        times = StartUp()
        began = time.perf_counter()
        self._flask("init")
        times.init = time.perf_counter() - began
        seeded = DEMO_LOGIN.search(self._flask("seed-demo", "--if-empty"))
        if seeded is None:
            raise RuntimeError("flask seed-demo printed no demo login")
        self.email, self.password = seeded.groups()
        times.seeded = time.perf_counter() - began
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [".venv/bin/python", "scripts/procfile.py", "Procfile"],
            cwd=self.root,
            env=self.environment(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_serving()
        times.serving = time.perf_counter() - began
        times.login = self._log_in()
        page = request(self.port, "GET", "/couples", self.cookies)
        if page.status != 200:
            raise RuntimeError(f"the first dashboard page answered {page.status}")
        times.dashboard = time.perf_counter() - began
        times.first_page = page.seconds
        times.warm_page = request(self.port, "GET", "/couples", self.cookies).seconds
        self.wait_workers_ready()
        times.workers_ready = time.perf_counter() - began
        return times

    def _wait_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"make run's processes ended: see {self.log_path}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if request(self.port, "GET", "/login", {}).status == 200:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"make run did not serve in {START_TIMEOUT} s: see {self.log_path}")

    def _log_in(self) -> float:
        """The login form as a browser sends it (its CSRF token, its cookie); the POST's
        own time. The session cookie is kept for the pages after."""
        form = request(self.port, "GET", "/login", {})
        token = CSRF.search(form.body)
        if token is None:
            raise RuntimeError("the login page has no CSRF token")
        self.cookies = dict(form.cookies)
        body = "&".join(
            f"{k}={v}"
            for k, v in (
                ("csrf_token", token.group(1)),
                ("email", _quote(self.email)),
                ("password", _quote(self.password)),
            )
        )
        answer = request(self.port, "POST", "/login", self.cookies, body)
        if answer.status != 302:
            raise RuntimeError(f"the demo login answered {answer.status}")
        self.cookies.update(answer.cookies)
        return answer.seconds

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_workers_ready(self) -> None:
        names = [w.name for w in procfile_workers(self.root / "Procfile")]
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            lines = [line for line in self.output().splitlines() if line.endswith(" ready.")]
            if all(any(f"{name}@" in line for line in lines) for name in names):
                return
            if time.monotonic() > deadline or self.process is None or self.process.poll():
                raise RuntimeError(f"make run's workers not ready: see {self.log_path}")
            time.sleep(0.1)

    def stop(self) -> None:
        """As Ctrl-C does: the supervisor stops each process gracefully. If it does not
        end in time, the processes it started are killed, by their ids."""
        if self.process is None:
            return
        started = child_pids(self.process.pid)
        family = started + [pid for leader in started for pid in _descendants(leader)]
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            for pid in [self.process.pid, *family]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None
        self._log.close()


def _descendants(pid: int) -> list[int]:
    found = []
    for child in child_pids(pid):
        found += [child, *_descendants(child)]
    return found


def _quote(text: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(text)
