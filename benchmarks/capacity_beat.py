"""The beat of `make bench-capacity`: the project's beat schedule played on the compressed
clock by the driver, which sends the real tasks to the worker as Celery beat would."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from celery.schedules import crontab

from benchmarks import capacity_plan as plan
from counselor import task_names

SWEEP_SECONDS = 5.0  # real seconds between two runs of a sweep, at most
SWEEPS = {
    task_names.DELIVER_DUE_EMAILS,
    task_names.DELIVER_DUE_WEBHOOKS,
    task_names.RETRY_STALLED_REPORTS,
    task_names.PURGE_IDEMPOTENCY_RECORDS,
}


@dataclass
class BeatEntry:
    task: str
    times: list[float]  # daily entries: due moments, simulated seconds into the week
    every: float | None = None  # interval entries: simulated seconds
    due: float = 0.0
    pending: Any = None
    sent: list[float] = field(default_factory=list)  # simulated seconds into the week


class Beat:
    """The project's beat schedule, played here and sent to the worker as the beat would
    send it; never two runs of one task at once (the result backend says when a run has
    ended), so a run longer than its interval delays the next, as the schedule intends.

    The planners (reminders, reports, digests) and the nightly jobs run on the simulated
    clock: their timing is the week's. The sweeps (SWEEPS) are safety nets that find
    nothing when all goes well and cost the same per run however fast the clock goes:
    they run every ``sweep_seconds`` of real time (their real interval, or less), else at
    C× they would run C times as often as at real pace.

    Played from ``start`` (seconds into the week): the daily entries first fall due at
    their first moment from then on; the interval entries run at once, as a beat does
    when it starts."""

    def __init__(
        self, celery: Any, schedule: dict[str, dict[str, Any]], factor: float,
        sweep_seconds: float = SWEEP_SECONDS, start: float = 0.0,
    ) -> None:  # fmt: skip
        self.celery = celery
        self.entries: list[BeatEntry] = []
        for spec in schedule.values():
            every = spec["schedule"]
            if isinstance(every, crontab):
                moments = sorted(
                    d * plan.DAY + h * plan.HOUR + m * 60
                    for d in range(7)
                    for h in every.hour
                    for m in every.minute
                )
                due = min((t for t in moments if t >= start), default=float("inf"))
                self.entries.append(BeatEntry(spec["task"], moments, due=due))
            elif spec["task"] in SWEEPS:
                interval = min(float(every), sweep_seconds) * factor
                self.entries.append(BeatEntry(spec["task"], [], interval))
            else:
                self.entries.append(BeatEntry(spec["task"], [], float(every)))

    def tick(self, sim: float) -> None:
        for entry in self.entries:
            if sim < entry.due:
                continue
            if entry.pending is not None and not entry.pending.ready():
                continue
            entry.pending = self.celery.send_task(entry.task)
            entry.sent.append(sim)
            if entry.every is not None:
                entry.due = sim + entry.every
            else:
                entry.due = min((t for t in entry.times if t > sim), default=float("inf"))

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for e in self.entries:
            gaps = [b - a for a, b in zip(e.sent, e.sent[1:], strict=False)]
            out[e.task] = {
                "runs": len(e.sent),
                "longest_gap_min": round(max(gaps, default=float("nan")) / 60, 1),
            }
        return out
