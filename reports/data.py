"""The pre-session report's input: plain, frozen dataclasses that a service fills in.

Nothing here knows about Flask, the database or the clock; every value the report
shows (including when it was generated) arrives in these objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


def _ratio(done: int, target: int) -> float | None:
    """Share of a target that was met, capped at 1; None when nothing was due."""
    if target <= 0:
        return None
    return min(max(done, 0) / target, 1.0)


@dataclass(frozen=True)
class RungInfo:
    """One rung of the practical-steps ladder (position 1–6 and its title)."""

    position: int
    title: str


@dataclass(frozen=True)
class PartnerSummary:
    """One partner's progress over the report period and the period before it.

    ``weekly_completion`` and ``weekly_mean_comfort`` cover the report's eight
    ``chart_weeks``, oldest first; completion is 0–1 and either is None for a
    week with nothing due or nothing rated.
    """

    name: str
    done_this_period: int
    target_this_period: int
    done_previous_period: int
    target_previous_period: int
    mean_comfort: float | None
    previous_mean_comfort: float | None
    streak_weeks: int
    reminders_stopped: bool
    weekly_completion: tuple[float | None, ...]
    weekly_mean_comfort: tuple[float | None, ...]

    @property
    def completion_this_period(self) -> float | None:
        """Done ÷ target this period, capped at 1; None when nothing was due."""
        return _ratio(self.done_this_period, self.target_this_period)

    @property
    def completion_previous_period(self) -> float | None:
        """Done ÷ target in the previous period, capped at 1; None when nothing was due."""
        return _ratio(self.done_previous_period, self.target_previous_period)


@dataclass(frozen=True)
class WeekCell:
    """One partner's check-ins of one assignment in one week (starting ``week_start``)."""

    week_start: date
    done: int
    target: int


@dataclass(frozen=True)
class AssignmentRow:
    """An assignment as given to the couple, with per-partner weekly counts.

    ``cells`` pairs each partner's name (or a label such as "Together" for a
    joint step) with that partner's ``WeekCell`` for every week of the period.
    ``assignee_label`` is human-readable ("Each partner", "Together", "Zoë").
    """

    title: str
    instructions: str
    rung_position: int
    rung_title: str
    assignee_label: str
    times_per_week: int
    starts_on: date
    due_on: date | None
    status: str
    cells: tuple[tuple[str, tuple[WeekCell, ...]], ...]


@dataclass(frozen=True)
class ReflectionItem:
    """A check-in's reflection; ``shared`` is True when the partner shared it."""

    occurred_on: date
    partner_name: str
    rung_position: int
    step_title: str
    text: str
    shared: bool
    comfort: int | None


@dataclass(frozen=True)
class TalkingPoint:
    """A suggestion for the session and the data that triggered it."""

    text: str
    evidence: str


@dataclass(frozen=True)
class PreSessionReportData:
    """Everything the pre-session report shows, ready to render.

    ``session_starts_at`` is aware and already in the practice's zone
    (``timezone_name``); ``generated_at`` is aware and is shown in that zone.
    ``period_description`` follows the period's dates on page 1, e.g. "since
    the previous session on Tue 10 Nov" or "the last 14 days". ``chart_weeks`` are
    the starts of the eight charted weeks, oldest first. ``talking_points``
    left as None are derived by ``reports.talking_points``.
    """

    practice_name: str
    counselor_name: str
    couple_label: str
    timezone_name: str
    session_starts_at: datetime | None
    period_start: date
    period_end: date
    period_description: str
    current_rung: int | None
    rungs: tuple[RungInfo, ...]
    partners: tuple[PartnerSummary, ...]
    assignments: tuple[AssignmentRow, ...]
    chart_weeks: tuple[date, ...]
    reflections: tuple[ReflectionItem, ...]
    generated_at: datetime
    practice_logo_png: bytes | None = None
    talking_points: tuple[TalkingPoint, ...] | None = None

    @property
    def has_check_ins_this_period(self) -> bool:
        """Whether anyone checked a step off (or wrote a reflection) in the period."""
        return any(p.done_this_period > 0 for p in self.partners) or any(
            self.period_start <= r.occurred_on <= self.period_end for r in self.reflections
        )

    def rung_title(self, position: int | None) -> str | None:
        """The title of the rung at ``position``, if the ladder lists it."""
        return next((r.title for r in self.rungs if r.position == position), None)
