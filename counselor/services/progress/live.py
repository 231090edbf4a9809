"""A couple's progress computed live (the API's progress endpoint and the couple page):
each partner's last weeks, in total and per step, their streak, and the couple's and each
partner's current readiness suggestion (``week_rules.couple_readiness``), with the week
rules of ``progress.week_rules``, in a fixed number of queries. Nothing here waits for the
nightly compile: its snapshots only carry a streak further back than the weeks read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AssignmentStatus,
    CheckIn,
    Couple,
    LadderRung,
    Partner,
    ReadinessSignal,
)
from counselor.services.homework import ladder
from counselor.services.homework.assignments import couple_assignments, current_rung
from counselor.services.progress import readiness, snapshots, week_rules
from counselor.tenancy import get_in_practice

WEEKS_MIN, WEEKS_MAX, WEEKS_DEFAULT = 1, 52, 8


@dataclass(frozen=True)
class WeekRow(week_rules.WeekFigure):
    """A week's figure (completion, what counted, what went beyond the target) with the
    mean comfort of its check-ins."""

    mean_comfort: float | None


@dataclass(frozen=True)
class StepProgress:
    assignment: Assignment
    weeks: list[WeekRow]


@dataclass(frozen=True)
class PartnerProgress:
    partner: Partner
    weeks: list[WeekRow]  # every step together, oldest week first
    steps: list[StepProgress]
    streak_weeks: int
    mean_comfort: float | None  # over the whole window
    readiness: ReadinessSignal | None  # the current suggestion, as on the dashboard

    @property
    def this_week(self) -> WeekRow:
        return self.weeks[-1]


@dataclass(frozen=True)
class CoupleProgress:
    couple: Couple
    weeks: int
    current_rung: LadderRung | None
    partners: list[PartnerProgress]
    readiness: readiness.CoupleReadiness
    assignments: list[Assignment]  # every step of the couple, rungs loaded

    def steps_of(self, assignment: Assignment) -> dict[int, list[WeekRow]]:
        """The step's weeks through each partner who does it (partner id -> rows)."""
        return {
            p.partner.id: step.weeks
            for p in self.partners
            for step in p.steps
            if step.assignment.id == assignment.id
        }


def couple_progress(couple_id: int, weeks: int = WEEKS_DEFAULT) -> CoupleProgress:
    """The last ``weeks`` local weeks (Monday start) of each partner, this week included."""
    couple = get_in_practice(Couple, couple_id)
    assignments = couple_assignments(couple.id)
    first, last = week_rules.couple_weeks_window(couple.partners, weeks)
    # The readiness rule judges the last finished weeks, even when fewer weeks are shown.
    judged_from, _ = week_rules.couple_weeks_window(couple.partners, readiness.JUDGED_WEEKS + 1)
    day_counts, comfort = _checkins([a.id for a in assignments], min(first, judged_from), last)
    seeds = snapshots.stored_streaks(couple.partners, first)
    verdict = week_rules.couple_readiness(
        couple.partners, assignments, day_counts, ladder.top_rung_position()
    )
    partners = [
        _partner_progress(partner, assignments, weeks, day_counts, comfort, seeds, verdict)
        for partner in couple.partners
    ]
    return CoupleProgress(couple, weeks, current_rung(assignments), partners, verdict, assignments)


def _partner_progress(
    partner: Partner,
    assignments: list[Assignment],
    weeks: int,
    day_counts: week_rules.DayCounts,
    comfort: week_rules.ComfortSums,
    seeds: dict[tuple[int, date], int],
    verdict: readiness.CoupleReadiness,
) -> PartnerProgress:
    current = week_rules.partner_current_week(partner)
    mondays = timeutil.week_starts_back(current, weeks)
    steps = [a for a in assignments if week_rules.does_step(a, partner.id)]
    step_rows = []
    for assignment in steps:
        rows = [
            _row(
                week_rules.assignment_week(assignment, partner.id, monday, day_counts),
                [comfort.get((assignment.id, partner.id, monday), (0, 0))],
            )
            for monday in mondays
        ]
        if assignment.status == AssignmentStatus.ACTIVE or any(r.target or r.done for r in rows):
            step_rows.append(StepProgress(assignment, rows))

    totals = []
    for monday in mondays:
        figure = week_rules.partner_week(partner.id, steps, monday, day_counts)
        sums = [comfort.get((a.id, partner.id, monday), (0, 0)) for a in steps]
        totals.append(_row(figure, sums))
    seed = seeds.get((partner.id, mondays[0] - timedelta(weeks=1)), 0)
    streak = week_rules.streak(seed, totals, current)
    window = [comfort.get((a.id, partner.id, monday), (0, 0)) for a in steps for monday in mondays]
    return PartnerProgress(
        partner, totals, step_rows, streak, _mean(window), verdict.of(partner.id)
    )


def _row(figure: week_rules.WeekFigure, comfort_sums: list[tuple[int, int]]) -> WeekRow:
    return WeekRow(figure.week_start, figure.target, figure.done, _mean(comfort_sums))


def _mean(sums: list[tuple[int, int]]) -> float | None:
    count = sum(number for _, number in sums)
    return sum(total for total, _ in sums) / count if count else None


def _checkins(
    assignment_ids: list[int], first: date, last: date
) -> tuple[week_rules.DayCounts, week_rules.ComfortSums]:
    """Check-ins per step, partner and day, with comfort per step, partner and week: one query."""
    day_counts: week_rules.DayCounts = defaultdict(dict)
    comfort: week_rules.ComfortSums = {}
    if not assignment_ids:
        return day_counts, comfort
    rows = db.session.execute(
        sa.select(*week_rules.CHECKIN_DAY, *week_rules.CHECKIN_DAY_FIGURES)
        .where(
            CheckIn.assignment_id.in_(assignment_ids),
            CheckIn.occurred_on >= first,
            CheckIn.occurred_on <= last,
        )
        .group_by(*week_rules.CHECKIN_DAY)
    )
    for assignment_id, partner_id, day, number, comfort_sum, comfort_count in rows:
        day_counts[(assignment_id, partner_id)][day] = number
        key = (assignment_id, partner_id, timeutil.week_start(day))
        week_rules.add_comfort(comfort, key, comfort_sum, comfort_count)
    return day_counts, comfort
