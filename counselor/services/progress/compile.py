"""Compiling progress: the nightly snapshot of every partner's weeks — history for the
digest, and the streak that ``progress.snapshots`` hands to the live figures when it
started before the weeks they read.

``compile_progress`` reads check-ins with one GROUP BY, applies the week rules of
``progress.week_rules`` in memory, and replaces the window's ``WeeklyProgress`` and
``PartnerWeek`` rows with two bulk INSERTs: the same number of SQL statements for three
couples or thirty thousand. Each partner-week stores the streak (``week_rules.next_streak``)
and the readiness suggestion of ``progress.readiness`` as it stood that week; the current
suggestion every page shows is judged live (``week_rules.couple_readiness``).

Every statement spans all practices (``tenancy.across_practices``): the compile is the
beat's (or the CLI's) job for every practice at once. It writes and flushes; the task or
command that runs it commits, once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, load_only

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AssignmentStatus,
    CheckIn,
    Couple,
    CoupleStatus,
    LadderRung,
    Partner,
    PartnerWeek,
    WeeklyProgress,
)
from counselor.services.homework import ladder
from counselor.services.progress import readiness, week_rules
from counselor.tenancy import across_practices

# Closed couples keep the snapshots they had; nobody needs them recomputed.
COMPILED_STATUSES = (CoupleStatus.ACTIVE, CoupleStatus.PAUSED)
# Weeks read before the window: the first week's signal looks two weeks back.
LOOKBACK_WEEKS = readiness.JUDGED_WEEKS
PROGRESS_CHUNK = 100  # couples computed between two progress callbacks
# Serialises two compilations on PostgreSQL (CLI during the nightly run): the second
# waits instead of failing on the unique constraints. SQLite serialises writers anyway.
ADVISORY_LOCK_KEY = 0x70726F67  # "prog"

ONE_WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class CompileResult:
    couples: int
    partner_weeks: int
    weekly_rows: int
    first_week: date | None


def couples_to_compile() -> int:
    """How many couples ``compile_progress`` goes through (for a progress bar)."""
    compiled = (
        sa.select(sa.func.count()).select_from(Couple).where(Couple.status.in_(COMPILED_STATUSES))
    )
    return db.session.scalar(across_practices(compiled)) or 0


def compile_progress(
    since: date | None = None,
    weeks: int = 12,
    on_chunk: Callable[[int], None] | None = None,
) -> CompileResult:
    """Recompute the snapshots of every active or paused couple, in every practice.

    The window is each partner's local weeks (Monday start) from the week of ``since``,
    or else the last ``weeks`` weeks, up to and including their current week. Rows of
    the window are replaced, so running it twice leaves the same rows. ``on_chunk(n)``
    is called as couples are computed, to drive a progress bar.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    _serialise_compilations()
    partners = _partners_in_scope()
    current = {partner.id: week_rules.partner_current_week(partner) for partner, _ in partners}
    if since is not None:
        first = timeutil.week_start(since)
    elif current:
        first = min(current.values()) - ONE_WEEK * (weeks - 1)
    else:
        first = timeutil.week_start(timeutil.utcnow().date()) - ONE_WEEK * (weeks - 1)
    last_day = max(current.values(), default=first) + timedelta(days=6)
    read_from = first - ONE_WEEK * LOOKBACK_WEEKS

    assignments, rung_of = _assignments_in_scope(read_from, last_day)
    week_counts, comfort = _checkins_by_week(read_from, last_day)
    top_rung = ladder.top_rung_position()
    seeds = _stored_streaks(first - ONE_WEEK)

    by_couple: dict[int, list[tuple[Partner, int]]] = defaultdict(list)
    for partner, practice_id in partners:
        by_couple[partner.couple_id].append((partner, practice_id))
    computed_at = timeutil.utcnow()
    weekly_rows: list[dict] = []
    partner_rows: list[dict] = []
    done_since_report = 0
    for couple_id, couple_partners in by_couple.items():
        couple = _CoupleWeeks(
            assignments.get(couple_id, []),
            rung_of,
            week_counts.get(couple_id, {}),
            comfort,
            top_rung,
        )
        for partner, practice_id in couple_partners:
            step_weeks, whole_weeks = couple.partner_rows(
                partner.id, read_from, first, current[partner.id], seeds.get(partner.id)
            )
            base = {
                "practice_id": practice_id,
                "couple_id": couple_id,
                "partner_id": partner.id,
                "computed_at": computed_at,
            }
            weekly_rows.extend({**base, **row} for row in step_weeks)
            partner_rows.extend({**base, **row} for row in whole_weeks)
        done_since_report += 1
        if on_chunk is not None and done_since_report == PROGRESS_CHUNK:
            on_chunk(done_since_report)
            done_since_report = 0
    if on_chunk is not None and done_since_report:
        on_chunk(done_since_report)

    _replace_window(first, weekly_rows, partner_rows)
    return CompileResult(len(by_couple), len(partner_rows), len(weekly_rows), first)


class _CoupleWeeks:
    """One couple's figures, week by week, from rows already in memory."""

    def __init__(
        self,
        assignments: list[Assignment],
        rung_of: dict[int, int],
        week_counts: dict[date, week_rules.DayCounts],
        comfort: dict[tuple[int, int, date], tuple[int, int]],
        top_rung: int | None,
    ) -> None:
        self.assignments = assignments
        self.week_counts = week_counts
        self.comfort = comfort
        current_rung, self.rung_steps = week_rules.current_rung_steps(assignments, rung_of)
        self.on_top_rung = readiness.is_top_rung(current_rung, top_rung)

    def partner_rows(
        self,
        partner_id: int,
        read_from: date,
        first: date,
        current_monday: date,
        seed_streak: int | None,
    ) -> tuple[list[dict], list[dict]]:
        steps = [a for a in self.assignments if week_rules.does_step(a, partner_id)]
        evidence: dict[date, readiness.WeekEvidence] = {}
        weekly_rows: list[dict] = []
        partner_rows: list[dict] = []
        streak = 0
        monday = read_from
        while monday <= current_monday:
            counts = self.week_counts.get(monday, {})
            step_rows = []
            rung_completions = []
            for assignment in steps:
                figure = week_rules.assignment_week(assignment, partner_id, monday, counts)
                comfort_sum, comfort_count = self.comfort.get(
                    (assignment.id, partner_id, monday), (0, 0)
                )
                if figure.target or figure.done or comfort_count:
                    step_rows.append(
                        {
                            "assignment_id": assignment.id,
                            "week_start": monday,
                            "target": figure.target,
                            "done": figure.done,
                            "comfort_sum": comfort_sum,
                            "comfort_count": comfort_count,
                        }
                    )
                if assignment.id in self.rung_steps and figure.completion is not None:
                    rung_completions.append(figure.completion)
            total = week_rules.partner_week(partner_id, steps, monday, counts)
            evidence[monday] = readiness.WeekEvidence(
                total.target, total.done, tuple(rung_completions)
            )
            streak = week_rules.next_streak(streak, total, in_progress=monday == current_monday)
            if monday == first - ONE_WEEK and seed_streak is not None:
                streak = seed_streak  # the stored row saw further back than this run reads
            if monday >= first and step_rows:
                weekly_rows.extend(step_rows)
                partner_rows.append(
                    {
                        "week_start": monday,
                        "target": total.target,
                        "done": total.done,
                        "mean_comfort": _mean_comfort(step_rows),
                        "streak_weeks": streak,
                        "signal": readiness.assess(
                            evidence, monday, current_monday, on_top_rung=self.on_top_rung
                        ).signal,
                    }
                )
            monday += ONE_WEEK
        return weekly_rows, partner_rows


def _mean_comfort(step_rows: list[dict]) -> float | None:
    count = sum(row["comfort_count"] for row in step_rows)
    return sum(row["comfort_sum"] for row in step_rows) / count if count else None


def _serialise_compilations() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))


def _in_scope(couple_id: QueryableAttribute[int]) -> sa.ColumnElement[bool]:
    return couple_id.in_(sa.select(Couple.id).where(Couple.status.in_(COMPILED_STATUSES)))


def _partners_in_scope() -> list[tuple[Partner, int]]:
    rows = db.session.execute(
        across_practices(
            sa.select(Partner, Couple.practice_id)
            .join(Couple, Couple.id == Partner.couple_id)
            .where(Couple.status.in_(COMPILED_STATUSES))
            .order_by(Partner.couple_id, Partner.position)
            .options(load_only(Partner.id, Partner.couple_id, Partner.timezone))
        )
    )
    return [(partner, practice_id) for partner, practice_id in rows]


def _assignments_in_scope(
    read_from: date, last_day: date
) -> tuple[dict[int, list[Assignment]], dict[int, int]]:
    """Steps that count in the window, plus every active one (they set the current rung);
    with the position of each step's rung."""
    still_counting = sa.and_(
        Assignment.starts_on <= last_day,
        sa.func.coalesce(Assignment.ended_on, Assignment.due_on, read_from) >= read_from,
    )
    steps = (
        sa.select(Assignment, LadderRung.position)
        .join(LadderRung, LadderRung.id == Assignment.rung_id)
        .where(
            _in_scope(Assignment.couple_id),
            sa.or_(Assignment.status == AssignmentStatus.ACTIVE, still_counting),
        )
        .order_by(Assignment.id)
        .options(
            load_only(
                Assignment.couple_id,
                Assignment.assignee,
                Assignment.assignee_partner_id,
                Assignment.times_per_week,
                Assignment.starts_on,
                Assignment.due_on,
                Assignment.status,
                Assignment.ended_on,
            )
        )
    )
    rows = db.session.execute(across_practices(steps))
    by_couple: dict[int, list[Assignment]] = defaultdict(list)
    rung_of: dict[int, int] = {}
    for assignment, position in rows:
        by_couple[assignment.couple_id].append(assignment)
        rung_of[assignment.id] = position
    return by_couple, rung_of


def _checkins_by_week(
    read_from: date, last_day: date
) -> tuple[
    dict[int, dict[date, week_rules.DayCounts]], dict[tuple[int, int, date], tuple[int, int]]
]:
    """One GROUP BY over the check-ins, filed by couple and week.

    Returns day counts per couple and Monday — each a small ``week_rules.DayCounts`` the
    week rules scan quickly — and comfort (sum, count) per step, partner and Monday.
    """
    by_day = (
        sa.select(Assignment.couple_id, *week_rules.CHECKIN_DAY, *week_rules.CHECKIN_DAY_FIGURES)
        .join(Assignment, Assignment.id == CheckIn.assignment_id)
        .where(
            _in_scope(Assignment.couple_id),
            CheckIn.occurred_on >= read_from,
            CheckIn.occurred_on <= last_day,
        )
        .group_by(Assignment.couple_id, *week_rules.CHECKIN_DAY)
    )
    rows = db.session.execute(across_practices(by_day))
    week_counts: dict[int, dict[date, week_rules.DayCounts]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(dict))
    )
    comfort: week_rules.ComfortSums = {}
    for couple_id, assignment_id, partner_id, day, number, comfort_sum, comfort_count in rows:
        monday = timeutil.week_start(day)
        week_counts[couple_id][monday][(assignment_id, partner_id)][day] = number
        week_rules.add_comfort(
            comfort, (assignment_id, partner_id, monday), comfort_sum, comfort_count
        )
    return week_counts, comfort


def _stored_streaks(monday: date) -> dict[int, int]:
    """Streaks stored for the week before the window, so a streak outlives the window."""
    stored = sa.select(PartnerWeek.partner_id, PartnerWeek.streak_weeks).where(
        PartnerWeek.week_start == monday, _in_scope(PartnerWeek.couple_id)
    )
    rows = db.session.execute(across_practices(stored))
    return {partner_id: streak for partner_id, streak in rows}


def _replace_window(first: date, weekly_rows: list[dict], partner_rows: list[dict]) -> None:
    """Delete the window's rows and insert the new ones, each as one executemany."""
    for model in (WeeklyProgress, PartnerWeek):
        db.session.execute(
            across_practices(
                sa.delete(model)
                .where(model.week_start >= first, _in_scope(model.couple_id))
                .execution_options(synchronize_session=False)  # no snapshot is in the session
            )
        )
    # render_nulls: a NULL is sent as such, so every row has the same columns and the
    # ORM sends one executemany instead of one per run of rows with the same NULLs.
    for model, rows in ((WeeklyProgress, weekly_rows), (PartnerWeek, partner_rows)):
        if rows:
            db.session.execute(sa.insert(model).execution_options(render_nulls=True), rows)
