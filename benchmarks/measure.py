"""Figures from repeated runs (median, min–max), paired ratios to a floor, and peak
memory: of this process's forked children, or of other processes (workers)."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import os
import statistics
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One quantity measured several times."""

    unit: str
    samples: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.samples.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def low(self) -> float:
        return min(self.samples) if self.samples else float("nan")

    @property
    def high(self) -> float:
        return max(self.samples) if self.samples else float("nan")

    def text(self, digits: int | None = None) -> str:
        if not self.samples:
            return "–"
        return (
            f"{number(self.median, digits)} {self.unit} "
            f"({number(self.low, digits)}–{number(self.high, digits)}, n={len(self.samples)})"
        )


def number(value: float, digits: int | None = None) -> str:
    if value != value:  # NaN
        return "–"
    if digits is None:
        size = abs(value)
        digits = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 else 3
    return f"{value:,.{digits}f}"


def paired_ratios(project: Figure, floor: Figure) -> Figure:
    """Project ÷ floor, round by round: the floor ran just before the project in the same
    round, so machine noise hits both alike and cancels in the ratio."""
    ratios = Figure("×")
    for mine, theirs in zip(project.samples, floor.samples, strict=False):
        if theirs:
            ratios.add(mine / theirs)
    return ratios


# --- memory ----------------------------------------------------------------------------


def _status_kib(path: str, key: str) -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def rss_mib(pid: int | str = "self") -> float:
    return _status_kib(f"/proc/{pid}/status", "VmRSS") / 1024


def peak_rss_mib(pid: int | str = "self") -> float:
    return _status_kib(f"/proc/{pid}/status", "VmHWM") / 1024


def reset_peak(pid: int | str = "self") -> bool:
    """Start the peak-RSS high-water mark again from the current RSS (Linux ≥ 4.0)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


@dataclass
class ChildRun:
    seconds: float
    peak_growth_mib: float  # peak RSS during the call minus RSS before it
    result: Any


def run_forked(fn: Callable[[], Any], prepare: Callable[[], Any] | None = None) -> ChildRun:
    """Run ``fn`` in a forked child and time it there: every run starts from the same
    memory, so its peak RSS growth is its own. ``fn``'s result must be JSON-able.
    ``prepare`` runs in the child before the clock starts (opening a database connection,
    say, which a long-lived worker holds already)."""
    _give_back_free_memory()  # else the child grows into the parent's free heap unseen
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        payload: dict[str, Any]
        try:
            _fresh_connections()
            if prepare is not None:
                prepare()
            reset_peak()
            before = rss_mib()
            started = time.perf_counter()
            result = fn()
            seconds = time.perf_counter() - started
            payload = {
                "seconds": seconds,
                "growth": max(0.0, peak_rss_mib() - before),
                "result": result,
            }
        except BaseException:
            payload = {"error": traceback.format_exc()}
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(json.dumps(payload, default=str))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        data = json.loads(pipe.read() or '{"error": "the child said nothing"}')
    os.waitpid(pid, 0)
    if "error" in data:
        raise RuntimeError("benchmark child failed:\n" + data["error"])
    return ChildRun(data["seconds"], data["growth"], data["result"])


def _give_back_free_memory() -> None:
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _fresh_connections() -> None:
    """The parent's pooled connections belong to the parent: open our own."""
    try:
        from counselor.extensions import db

        db.engine.dispose(close=False)
    except Exception:  # noqa: S110 - no app context: nothing pooled to leave behind
        pass


@dataclass
class ProcessSampler:
    """RSS of a set of processes over time, to tell a flat worker from a leaking one."""

    pids: Callable[[], Iterable[int]]
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds, max MiB)

    def sample(self, at: float) -> None:
        values = []
        for pid in self.pids():
            try:
                values.append(rss_mib(pid))
            except (OSError, ValueError):
                continue
        if values:
            self.samples.append((at, max(values)))

    @property
    def peak(self) -> float:
        return max((v for _, v in self.samples), default=float("nan"))

    def growth_after_warmup(self) -> float:
        """RSS at the end minus RSS once a quarter of the run was done (after warm-up)."""
        if len(self.samples) < 4:
            return float("nan")
        quarter = self.samples[len(self.samples) // 4][1]
        return self.samples[-1][1] - quarter
