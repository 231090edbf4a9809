"""CPU used by each part of the service during a simulated week of `make bench-capacity`:
which one binds first."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from counselor.extensions import db


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used during the week by each part: web workers, Celery, this database's
    PostgreSQL backends, Redis, the visitors' process (new pids count from zero)."""

    def __init__(self, parts: dict[str, Any]) -> None:
        self.parts = parts  # name → callable returning pids
        self.first: dict[int, float] = {}
        self.last: dict[tuple[str, int], float] = {}
        for pids in parts.values():
            for pid in pids():
                self.first[pid] = cpu_seconds(pid)
        self.started = time.time()

    def sample(self) -> None:
        for name, pids in self.parts.items():
            for pid in pids():
                self.last[(name, pid)] = cpu_seconds(pid)

    def percent_of_a_core(self) -> dict[str, float]:
        wall = time.time() - self.started
        used: dict[str, float] = {name: 0.0 for name in self.parts}
        for (name, pid), seconds in self.last.items():
            used[name] += seconds - self.first.get(pid, 0.0)
        return {name: round(100 * s / wall, 1) for name, s in used.items()}


def database_pids(database: str) -> list[int]:
    statement = sa.text(
        "select pid from pg_stat_activity where datname = :db and pid <> pg_backend_pid()"
    )
    with db.engine.connect() as connection:
        return list(connection.execute(statement, {"db": database}).scalars())
