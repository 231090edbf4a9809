"""Celery worker processes for the benchmarks: ``celery -A tasks worker`` with a pool of
N processes on a queue of the benchmark's own; their pool processes' memory, watched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.benchmarks.env import ROOT
from tests.benchmarks.http_load import _children
from tests.benchmarks.measure import peak_rss_mib, reset_peak


@dataclass
class CeleryWorker:
    env: dict[str, str]
    log_path: Path
    concurrency: int
    name: str
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
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
                str(self.concurrency),
                "--hostname",
                f"{self.name}@%h",
                "--loglevel",
                "WARNING",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def pool_pids(self) -> list[int]:
        """The processes that run the tasks."""
        return _children(self.process.pid) if self.process else []

    def reset_peaks(self) -> None:
        for pid in self.pool_pids():
            reset_peak(pid)

    def peak_mib(self) -> float:
        return max((peak_rss_mib(pid) for pid in self.pool_pids()), default=float("nan"))

    def cpu_seconds(self) -> float:
        """User + system CPU the pool processes have used so far."""
        total = 0.0
        for pid in self.pool_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        self.process = None
        self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")
