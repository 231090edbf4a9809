"""Celery workers for the benchmarks: the shared worker process (tests/support/processes.py)
with its pool processes' memory and CPU watched."""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.measure import peak_rss_mib, reset_peak
from tests.support.processes import CeleryWorker


class MeasuredWorker(CeleryWorker):
    """Started at WARNING, so its log stays small under load."""

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int, name: str) -> None:
        super().__init__(env, log_path, concurrency=concurrency, name=name, loglevel="WARNING")

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
