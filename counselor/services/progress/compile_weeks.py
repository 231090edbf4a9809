"""One chunk of couples' compiled weeks: read with a handful of set-based queries, the
week rules applied in memory, rows handed back as tuples in the snapshot tables' column
order (``WEEKLY_COLUMNS``, ``PARTNER_COLUMNS``) for ``snapshot_writes`` to store.

What the database groups and what Python decides:

- done per step, partner and week, and the comfort figures, are grouped in SQL
  (``week_rules.done_by_week_sql``, read back by ``week_rules.done_from_weeks``);
- each week's target (``week_rules.week_target``), the partner's whole week
  (done capped per step), the streak (``week_rules.next_streak``) and the readiness
  verdict (``readiness.assess``) are the Python rules every page uses, applied here to
  the grouped figures — the same functions, not a copy of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from counselor.extensions import db
from counselor.models import Assignment, Couple, LadderRung, Partner, PartnerWeek
from counselor.services.progress import current, readiness, week_rules
from counselor.tenancy import across_practices

ONE_WEEK = timedelta(weeks=1)

WEEKLY_COLUMNS = (
    "practice_id", "couple_id", "partner_id", "assignment_id", "week_start",
    "target", "done", "comfort_sum", "comfort_count", "computed_at",
)  # fmt: skip
PARTNER_COLUMNS = (
    "practice_id", "couple_id", "partner_id", "week_start",
    "target", "done", "mean_comfort", "streak_weeks", "signal", "computed_at",
)  # fmt: skip


@dataclass(frozen=True)
class Window:
    """What one compile covers: weeks from ``first`` (Mondays), read from ``read_from`` (the
    readiness rule looks back), up to ``last_day``; each partner up to their own current
    week, ``current_week[timezone]``, as it was at ``now``."""

    first: date
    read_from: date
    last_day: date
    current_week: dict[str, date]
    now: datetime
    top_rung: int | None


@dataclass
class ChunkRows:
    weekly: list[tuple]
    partner: list[tuple]
    couples: int = 0


def compile_chunk(
    couple_ids: Sequence[int], window: Window, on_couple: Callable[[], None] | None = None
) -> ChunkRows:
    """The window's rows for these couples (ids of active or paused couples)."""
    partners = _partners(couple_ids)
    assignments, rung_of = _assignments(couple_ids, window)
    week_done, comfort = _done_by_week(couple_ids, window)
    seeds = _stored_streaks(couple_ids, window.first - ONE_WEEK)
    rows = ChunkRows([], [])
    by_couple: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for partner_id, couple_id, timezone, practice_id in partners:
        by_couple[couple_id].append((partner_id, timezone, practice_id))
    for couple_id, couple_partners in by_couple.items():
        steps = assignments.get(couple_id, [])
        current_rung, rung_steps = week_rules.current_rung_steps(steps, rung_of)
        on_top_rung = readiness.is_top_rung(current_rung, window.top_rung)
        for partner_id, timezone, practice_id in couple_partners:
            _partner_rows(
                rows,
                (practice_id, couple_id, partner_id),
                [a for a in steps if week_rules.does_step(a, partner_id)],
                rung_steps,
                on_top_rung,
                window,
                window.current_week[timezone],
                week_done,
                comfort,
                seeds.get(partner_id),
            )
        rows.couples += 1
        if on_couple is not None:
            on_couple()
    return rows


def _partner_rows(
    rows: ChunkRows,
    owner: tuple[int, int, int],
    steps: list[Assignment],
    rung_steps: frozenset[int],
    on_top_rung: bool,
    window: Window,
    current_monday: date,
    week_done: week_rules.WeekDone,
    comfort: week_rules.ComfortSums,
    seed_streak: int | None,
) -> None:
    """One partner's weeks, from ``window.read_from`` to their current week."""
    partner_id = owner[2]
    computed_at = window.now
    evidence: dict[date, readiness.WeekEvidence] = {}
    streak = 0
    monday = window.read_from
    while monday <= current_monday:
        step_rows = []
        figures = []
        rung_completions = []
        comfort_sum = comfort_count = 0
        for assignment in steps:
            figure = week_rules.WeekFigure(
                monday,
                week_rules.week_target(assignment, monday),
                week_rules.done_from_weeks(assignment, partner_id, monday, week_done),
            )
            figures.append(figure)
            ratings_sum, ratings = comfort.get((assignment.id, partner_id, monday), (0, 0))
            if figure.target or figure.done or ratings:
                step_rows.append(
                    (*owner, assignment.id, monday, figure.target, figure.done, ratings_sum,
                     ratings, computed_at)
                )  # fmt: skip
                comfort_sum += ratings_sum
                comfort_count += ratings
            share = figure.completion
            if assignment.id in rung_steps and share is not None:
                rung_completions.append(share)
        total = week_rules.week_total(monday, figures)
        evidence[monday] = readiness.WeekEvidence(total.target, total.done, tuple(rung_completions))
        streak = week_rules.next_streak(streak, total, in_progress=monday == current_monday)
        if monday == window.first - ONE_WEEK and seed_streak is not None:
            streak = seed_streak  # the stored row saw further back than this run reads
        if monday >= window.first and step_rows:
            rows.weekly.extend(step_rows)
            signal = readiness.assess(
                evidence, monday, current_monday, on_top_rung=on_top_rung
            ).signal
            rows.partner.append(
                (*owner, monday, total.target, total.done,
                 comfort_sum / comfort_count if comfort_count else None,
                 streak, signal, computed_at)
            )  # fmt: skip
        monday += ONE_WEEK


def _partners(couple_ids: Sequence[int]) -> list[tuple[int, int, str, int]]:
    rows = db.session.execute(
        across_practices(
            sa.select(Partner.id, Partner.couple_id, Partner.timezone, Couple.practice_id)
            .join(Couple, Couple.id == Partner.couple_id)
            .where(Partner.couple_id.in_(couple_ids))
            .order_by(Partner.couple_id, Partner.position)
        )
    )
    return [
        (partner_id, couple_id, zone, practice_id)
        for partner_id, couple_id, zone, practice_id in rows
    ]


def _assignments(
    couple_ids: Sequence[int], window: Window
) -> tuple[dict[int, list[Assignment]], dict[int, int]]:
    """Steps that count in the window, plus every active one (they set the current rung);
    with the position of each step's rung."""
    steps = (
        sa.select(Assignment, LadderRung.position)
        .join(LadderRung, LadderRung.id == Assignment.rung_id)
        .where(
            Assignment.couple_id.in_(couple_ids),
            current.steps_that_count_now(window.read_from, window.last_day),
        )
        .order_by(Assignment.id)
        .options(load_only(*week_rules.STEP_COLUMNS))
    )
    by_couple: dict[int, list[Assignment]] = defaultdict(list)
    rung_of: dict[int, int] = {}
    for assignment, position in db.session.execute(across_practices(steps)):
        by_couple[assignment.couple_id].append(assignment)
        rung_of[assignment.id] = position
    return by_couple, rung_of


def _done_by_week(
    couple_ids: Sequence[int], window: Window
) -> tuple[week_rules.WeekDone, week_rules.ComfortSums]:
    """The chunk's check-ins grouped by the database (``week_rules.done_by_week_sql``)."""
    steps = sa.select(Assignment.id).where(Assignment.couple_id.in_(couple_ids))
    per_partner, together_days = week_rules.done_by_week_sql(
        steps, window.read_from, window.last_day
    )
    week_done: week_rules.WeekDone = {}
    comfort: week_rules.ComfortSums = {}
    for assignment_id, partner_id, monday, number, ratings_sum, ratings in db.session.execute(
        across_practices(per_partner)
    ):
        week_done[(assignment_id, partner_id, monday)] = number
        comfort[(assignment_id, partner_id, monday)] = (ratings_sum, ratings)
    for assignment_id, monday, days in db.session.execute(across_practices(together_days)):
        week_done[(assignment_id, week_rules.TOGETHER_KEY, monday)] = days
    return week_done, comfort


def _stored_streaks(couple_ids: Sequence[int], monday: date) -> dict[int, int]:
    """Streaks stored for the week before the window, so a streak outlives the window."""
    stored = sa.select(PartnerWeek.partner_id, PartnerWeek.streak_weeks).where(
        PartnerWeek.week_start == monday, PartnerWeek.couple_id.in_(couple_ids)
    )
    return {
        partner_id: streak for partner_id, streak in db.session.execute(across_practices(stored))
    }
