"""HTTP load on 127.0.0.1 only: gunicorn servers under test, and a load generator in a
separate process (wrk when installed, else benchmarks/loadclient.py), always
bounded by a request count and a duration."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.measure import peak_rss_mib, reset_peak
from tests.support.processes import (
    ROOT,
    child_pids,
    free_port,
    start_process_group,
    stop_process_group,
)

WORKERS = 2
CONNECTIONS = 4
THREADS = 2
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Target:
    """One request shape; ``{n}`` in the body becomes a number unique to the request."""

    method: str
    path: str
    body: str = ""


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int  # connection errors, timeouts and 4xx/5xx answers
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class GunicornServer:
    """``gunicorn -w 2 -k sync`` serving ``app_spec`` on a free port of 127.0.0.1."""

    name: str
    app_spec: str
    env: dict[str, str]
    log_path: Path
    port: int = 0
    process: subprocess.Popen | None = None
    _log: object = field(default=None, repr=False)

    def start(self) -> None:
        self.port = free_port()
        self._log = self.log_path.open("ab")
        argv = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS)]
        argv += ["--worker-class", "sync", "--bind", f"{HOST}:{self.port}"]
        argv += ["--log-level", "warning", self.app_spec]
        self.process = start_process_group(argv, self.env, self._log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log_path}")
            connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
            try:
                connection.request("GET", "/")
                connection.getresponse().read()
                if len(self.worker_pids()) >= WORKERS:
                    return
            except OSError:
                pass
            finally:
                connection.close()  # a refused attempt's socket too
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start: see {self.log_path}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        return child_pids(self.process.pid)

    def reset_worker_peaks(self) -> None:
        for pid in self.worker_pids():
            reset_peak(pid)

    def worker_peak_mib(self) -> float:
        peaks = []
        for pid in self.worker_pids():
            try:
                peaks.append(peak_rss_mib(pid))
            except OSError:
                continue
        return max(peaks, default=float("nan"))

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process, timeout=20)
            self.process = None
        if self._log is not None:
            self._log.close()


def login_cookie(port: int, email: str, password: str) -> str:
    """Log in to the dashboard through the server; returns the session cookie."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    body = f"email={email}&password={password.replace(' ', '+')}"
    connection.request(
        "POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    response = connection.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie") or ""
    connection.close()
    if response.status != 302 or not cookie:
        raise RuntimeError(f"login failed: {response.status}")
    return cookie.split(";", 1)[0]


def use_wrk() -> bool:
    return bool(shutil.which("wrk")) and not os.environ.get("COUNSELOR_BENCH_PYTHON_CLIENT")


def run_load(
    port: int,
    targets: list[Target],
    *,
    seconds: float,
    max_requests: int,
    headers: dict[str, str] | None = None,
) -> LoadResult:
    """Send the targets round-robin for ``seconds`` or ``max_requests``, whichever first."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    if use_wrk():
        return _run_wrk(port, targets, seconds, max_requests, headers)
    return _run_python_client(port, targets, seconds, max_requests, headers)


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def _wrk_script(targets: list[Target], headers: dict[str, str], per_thread: int) -> str:
    rows = ",\n".join(
        f"  {{{_lua_string(t.method)}, {_lua_string(t.path)}, {_lua_string(t.body)}}}"
        for t in targets
    )
    header_rows = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
    run = f"{time.time_ns() % 10**9}"
    return f"""
local targets = {{
{rows}
}}
local headers = {{ {header_rows} }}
local threads = {{}}
local next_id = 0
setup = function(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end
local counter = 0
local answered = 0
request = function()
  counter = counter + 1
  local t = targets[(counter % #targets) + 1]
  local unique = "{run}-" .. tid .. "-" .. counter
  local body = string.gsub(t[3], "{{n}}", unique)
  if body == "" then body = nil end
  return wrk.format(t[1], t[2], headers, body)
end
response = function(status, hdrs, body)
  answered = answered + 1
  if answered >= {per_thread} then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "duration_us": %d, "errors": %d, "p50_us": %d, "p99_us": %d}}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout + e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _run_wrk(port, targets, seconds, max_requests, headers) -> LoadResult:
    per_thread = max(1, max_requests // THREADS)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_wrk_script(targets, headers, per_thread))
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{THREADS}",
                f"-c{CONNECTIONS}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                f"http://{HOST}:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    summary = json.loads(out.strip().splitlines()[-1])
    return LoadResult(
        summary["requests"],
        summary["duration_us"] / 1e6,
        summary["errors"],
        summary["p50_us"] / 1000,
        summary["p99_us"] / 1000,
    )


def _run_python_client(port, targets, seconds, max_requests, headers) -> LoadResult:
    spec = {
        "port": port,
        "targets": [[t.method, t.path, t.body] for t in targets],
        "headers": headers,
        "seconds": seconds,
        "max_requests": max_requests,
        "threads": CONNECTIONS,
    }
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadclient", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    summary = json.loads(out.strip().splitlines()[-1])
    return LoadResult(
        summary["requests"],
        summary["seconds"],
        summary["errors"],
        summary["p50_ms"],
        summary["p99_ms"],
    )
