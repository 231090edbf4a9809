"""The compressed clock of `make bench-capacity`: the week's busiest stretch in a minute or so.

Every part of the project reads the time through ``counselor.timeutil.utcnow`` (its
docstring: "Tests replace this to drive a clock"). The capacity run replaces it, in the
gunicorn and Celery processes it starts, with a clock that runs ``factor`` times faster
than the wall clock from an anchor written to a file: ``sim_start real_start factor``
(epoch seconds). Before ``real_start`` the clock stands at ``sim_start``; with no file it
is the real clock. The file is re-read at most every ``REREAD_SECONDS``, so one set of
servers and workers serves every N of the bisection (each N writes a new anchor).

Entry points, both installing the clock first:
- gunicorn: ``benchmarks.capacity_clock:create_app()``
- Celery: ``celery -A benchmarks.capacity_clock worker`` (``app``, as ``tasks`` has it)
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CLOCK_FILE_ENV = "CAPACITY_CLOCK_FILE"  # no COUNSELOR_ prefix: not an app setting
REREAD_SECONDS = 0.1


@dataclass(frozen=True)
class Anchor:
    sim_start: float  # epoch seconds of the simulated clock at real_start
    real_start: float  # epoch seconds (wall clock)
    factor: float  # simulated seconds per real second

    def sim_at(self, real: float) -> float:
        return self.sim_start + max(0.0, real - self.real_start) * self.factor

    def real_at(self, sim: float) -> float:
        """The wall-clock moment the simulated clock shows ``sim``."""
        return self.real_start + (sim - self.sim_start) / self.factor

    def text(self) -> str:
        return f"{self.sim_start!r} {self.real_start!r} {self.factor!r}\n"

    @classmethod
    def parse(cls, text: str) -> Anchor | None:
        parts = text.split()
        if len(parts) != 3:
            return None
        return cls(*(float(p) for p in parts))


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Atomically, so a reader never sees half a line."""
    partial = path.with_suffix(".partial")
    partial.write_text(anchor.text())
    partial.replace(path)


class CompressedClock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._anchor: Anchor | None = None
        self._read_at = float("-inf")

    def anchor(self) -> Anchor | None:
        now = time.monotonic()
        if now - self._read_at >= REREAD_SECONDS:
            self._read_at = now
            try:
                self._anchor = Anchor.parse(self.path.read_text())
            except OSError:
                self._anchor = None
        return self._anchor

    def __call__(self) -> datetime:
        anchor = self.anchor()
        real = time.time()
        return datetime.fromtimestamp(anchor.sim_at(real) if anchor else real, UTC)


def install() -> None:
    """Replace the project's time source in this process (once; no file named: no-op)."""
    from counselor import timeutil

    path = os.environ.get(CLOCK_FILE_ENV)
    if path and not isinstance(timeutil.utcnow, CompressedClock):
        timeutil.utcnow = CompressedClock(Path(path))  # type: ignore[assignment]


def create_app() -> Any:
    """gunicorn's app factory: the project's app on the compressed clock."""
    install()
    from counselor import create_app as project_app

    return project_app()


def __getattr__(name: str) -> Any:
    """``celery -A benchmarks.capacity_clock``: the project's Celery app (tasks.app),
    built only when Celery asks for it, after the clock is installed."""
    if name in ("app", "celery"):
        install()
        import tasks

        return tasks.app
    raise AttributeError(name)
