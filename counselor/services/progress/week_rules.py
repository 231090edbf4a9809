"""Weekly progress: targets, what was done, completion — per partner and assignment.

Rules (docs/design.md, "Rules"):
- A week is the partner's local Monday-to-Sunday; check-ins carry the partner's local date.
- ``times_per_week`` is the target of every week the step is active in. A week the
  step only partly covers (its first, or the one it is due in) counts pro rata,
  rounded up: 3 a week started on Friday is ceil(3 * 3/7) = 2.
- ``each`` and single-partner steps count each partner's own check-ins.
- ``together`` steps count once for the couple: a joint step is often logged by
  both partners, so each local day with a check-in by either counts once.
- A step's week is shown as what counted towards its target, capped, and what went beyond
  it (``WeekFigure.counted``, ``.beyond``); a together step in one joint row (``step_rows``).
- Completion is ``readiness.completion``; the streak is ``streak`` (``next_streak`` week by
  week); the evidence the readiness rule judges is gathered by ``readiness_evidence`` (the
  compile gathers the same while it writes its rows), and every place that shows readiness
  asks ``couple_readiness``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import Assignee, Assignment, AssignmentStatus, CheckIn, Partner
from counselor.services.progress import readiness

# The step columns the week rules read (``week_target``, ``partner_week``, ``done_in_week``,
# ``couple_readiness``), for the faster paths that select columns rather than whole steps
# (the compile's ``load_only``, the dashboard's rows): add one here when a rule reads it.
STEP_COLUMNS = (
    Assignment.id,
    Assignment.couple_id,
    Assignment.assignee,
    Assignment.assignee_partner_id,
    Assignment.times_per_week,
    Assignment.starts_on,
    Assignment.due_on,
    Assignment.ended_on,
    Assignment.status,
)

# (assignment id, partner id) -> {local date: number of check-ins}
DayCounts = dict[tuple[int, int], dict[date, int]]
# (assignment id, partner id, Monday) -> (sum of comfort ratings, number of ratings)
ComfortSums = dict[tuple[int, int, date], tuple[int, int]]

# Every figure is read from check-ins grouped by step, partner and local day ...
CHECKIN_DAY = (CheckIn.assignment_id, CheckIn.partner_id, CheckIn.occurred_on)
# ... and per such day: the check-ins, the sum of their comfort ratings and how many
# there are (a check-in may leave comfort out). The sum is never NULL, which SQLAlchemy's
# typing cannot see through COALESCE.
CHECKIN_DAY_FIGURES = (
    sa.func.count(),
    sa.type_coerce(sa.func.coalesce(sa.func.sum(CheckIn.comfort), 0), sa.Integer),
    sa.func.count(CheckIn.comfort),
)


@dataclass(frozen=True)
class WeekFigure:
    week_start: date
    target: int
    done: int

    @property
    def completion(self) -> float | None:
        """Share of the target met, 0–1; ``None`` when nothing was due that week."""
        return readiness.completion(self.done, self.target)

    @property
    def percent(self) -> int | None:
        completion = self.completion
        return None if completion is None else round(completion * 100)

    @property
    def counted(self) -> int:
        """What counts towards the target: done, capped at it. A figure is shown as
        ``counted/target`` (and ``beyond`` apart), so a step ended mid-week, whose target
        is pro rata, reads "1/1 +1", never "2/1"."""
        return min(self.done, self.target) if self.target > 0 else self.done

    @property
    def beyond(self) -> int:
        """Check-ins past the target (0 when none, or when nothing was due)."""
        return max(self.done - self.target, 0) if self.target > 0 else 0


def active_until(assignment: Assignment) -> date | None:
    """The last day the step counts: its due date, or the day it was ended."""
    ends = [assignment.due_on] if assignment.due_on else []
    if assignment.status != AssignmentStatus.ACTIVE and assignment.ended_on is not None:
        ends.append(assignment.ended_on)
    return min(ends, default=None)


def week_target(assignment: Assignment, monday: date) -> int:
    first = max(monday, assignment.starts_on)
    last = monday + timedelta(days=6)
    until = active_until(assignment)
    if until is not None:
        last = min(last, until)
    days = (last - first).days + 1
    if days <= 0:
        return 0
    return math.ceil(assignment.times_per_week * days / 7)


def checkin_day_counts(
    assignment_ids: Iterable[int], first: date, last: date, *, across_practices: bool = False
) -> DayCounts:
    """Check-ins per assignment, partner and local day between two dates, in one query
    (the ids as one array on PostgreSQL: ``in_one_array``). ``across_practices`` is for a
    caller that deliberately works across every practice (the reminder planner) and so
    holds assignments of several."""
    ids = list(assignment_ids)
    counts: DayCounts = defaultdict(dict)
    if not ids:
        return counts
    statement = (
        sa.select(*CHECKIN_DAY, sa.func.count())
        .where(
            in_one_array(CheckIn.assignment_id, ids),
            CheckIn.occurred_on >= first,
            CheckIn.occurred_on <= last,
        )
        .group_by(*CHECKIN_DAY)
    )
    rows = db.session.execute(
        tenancy.across_practices(statement) if across_practices else statement
    )
    for assignment_id, partner_id, day, number in rows:
        counts[(assignment_id, partner_id)][day] = number
    return counts


def checkin_days_sql(steps: sa.Select[int], first: date, last: date) -> sa.Select:
    """``checkin_day_counts`` as a SELECT, for a query that reads the counts with the
    steps themselves (the couples list): per step that ``steps`` selects (their ids),
    partner and local day between two dates, (assignment id, partner id, day,
    check-ins)."""
    return (
        sa.select(*CHECKIN_DAY, sa.func.count().label("checkins"))
        .where(
            CheckIn.assignment_id.in_(steps),
            CheckIn.occurred_on >= first,
            CheckIn.occurred_on <= last,
        )
        .group_by(*CHECKIN_DAY)
    )


def in_one_array(column: sa.ColumnElement[int] | Any, ids: list[int]) -> sa.ColumnElement[bool]:
    """``column IN ids``, the ids sent as ONE array parameter on PostgreSQL
    (``= ANY(:ids)``), an IN list elsewhere. psycopg prepares a statement it has run five
    times, and PostgreSQL may then plan it once for any parameters: with an IN list of
    separate ids that generic plan can leave the ids' own index for a wider one (the
    check-ins of a practice in a window: ``ix_checkins_practice_day``, every couple's);
    with one array it keeps to the ids' index."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, ids, type_=postgresql.ARRAY(sa.Integer)))
    return column.in_(ids)


def add_comfort(
    comfort: ComfortSums, key: tuple[int, int, date], ratings_sum: int, ratings: int
) -> None:
    """Add a day's comfort ratings (their sum and number, from ``CHECKIN_DAY_FIGURES``) to
    the week's under ``key``: (assignment id, partner id, Monday)."""
    before_sum, before_count = comfort.get(key, (0, 0))
    comfort[key] = (before_sum + ratings_sum, before_count + ratings)


def done_in_week(
    assignment: Assignment, partner_id: int, monday: date, day_counts: DayCounts
) -> int:
    # The week's seven days: from its Monday up to, not including, the next Monday.
    next_monday = monday + timedelta(days=7)
    if assignment.assignee == Assignee.TOGETHER:
        days = {
            day
            for (assignment_id, _partner), per_day in day_counts.items()
            if assignment_id == assignment.id
            for day in per_day
            if monday <= day < next_monday
        }
        return len(days)
    per_day = day_counts.get((assignment.id, partner_id), {})
    return sum(number for day, number in per_day.items() if monday <= day < next_monday)


# --- done per week, grouped by the database -------------------------------------------
# ``done_in_week`` for every step, partner and week at once: two GROUP BYs the compile
# reads (``done_by_week_sql``) and ``done_from_weeks`` to read a figure back. The same rule
# as ``done_in_week``, checked to agree on both databases (tests/services/
# test_week_rules_sql.py).

# (assignment id, partner id or TOGETHER_KEY, Monday) -> check-ins (local days, together)
WeekDone = dict[tuple[int, int, date], int]
TOGETHER_KEY = 0  # a together step's done is the couple's, whoever logged it


class week_start_sql(FunctionElement[date]):
    """``timeutil.week_start`` in SQL: the Monday of a local date's week, as a date."""

    type = sa.Date()
    inherit_cache = True


@compiles(week_start_sql, "postgresql")
def _week_start_postgresql(element: week_start_sql, compiler: SQLCompiler, **kw: object) -> str:
    # date_trunc has no date overload: a bare date would be cast to timestamptz, whose
    # Monday midnight depends on the session's TimeZone (and may not exist where clocks
    # change then). A timestamp without zone truncates the local date as it is.
    day = compiler.process(element.clauses, **kw)
    return f"CAST(date_trunc('week', CAST({day} AS TIMESTAMP)) AS DATE)"


@compiles(week_start_sql)
def _week_start_sqlite(element: week_start_sql, compiler: SQLCompiler, **kw: object) -> str:
    # The coming Sunday (the day itself on a Sunday), then back six days.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


def done_by_week_sql(steps: sa.Select[int], first: date, last: date) -> tuple[sa.Select, sa.Select]:
    """Check-ins between two local dates on the steps ``steps`` selects (their ids), as
    two GROUP BYs. The first, per step, partner and Monday: the check-ins (done, for an
    each or single-partner step) and the sum and number of comfort ratings; the second,
    per together step and Monday: the local days with a check-in by either partner (done,
    for a together step). ``done_from_weeks`` reads a step's done from them."""
    in_range = (
        CheckIn.assignment_id.in_(steps),
        CheckIn.occurred_on >= first,
        CheckIn.occurred_on <= last,
    )
    monday = week_start_sql(CheckIn.occurred_on)
    per_partner = (
        sa.select(CheckIn.assignment_id, CheckIn.partner_id, monday, *CHECKIN_DAY_FIGURES)
        .where(*in_range)
        .group_by(CheckIn.assignment_id, CheckIn.partner_id, monday)
    )
    together_steps = sa.select(Assignment.id).where(Assignment.assignee == Assignee.TOGETHER)
    together_days = (
        sa.select(CheckIn.assignment_id, monday, sa.func.count(sa.distinct(CheckIn.occurred_on)))
        .where(*in_range, CheckIn.assignment_id.in_(together_steps))
        .group_by(CheckIn.assignment_id, monday)
    )
    return per_partner, together_days


def done_from_weeks(
    assignment: Assignment, partner_id: int, monday: date, week_done: WeekDone
) -> int:
    """``done_in_week`` read from the GROUP BYs of ``done_by_week_sql``, filed in
    ``week_done`` by (step, partner — ``TOGETHER_KEY`` for a together step —, Monday)."""
    doer = TOGETHER_KEY if assignment.assignee == Assignee.TOGETHER else partner_id
    return week_done.get((assignment.id, doer, monday), 0)


def does_step(assignment: Assignment, partner_id: int) -> bool:
    return assignment.assignee != Assignee.PARTNER or assignment.assignee_partner_id == partner_id


def assignment_week(
    assignment: Assignment, partner_id: int, monday: date, day_counts: DayCounts
) -> WeekFigure:
    if not does_step(assignment, partner_id):
        return WeekFigure(monday, 0, 0)
    return WeekFigure(
        monday,
        week_target(assignment, monday),
        done_in_week(assignment, partner_id, monday, day_counts),
    )


def partner_week(
    partner_id: int, assignments: Iterable[Assignment], monday: date, day_counts: DayCounts
) -> WeekFigure:
    """All of a partner's steps in one week (``week_total``)."""
    return week_total(
        monday, (assignment_week(a, partner_id, monday, day_counts) for a in assignments)
    )


def week_total(monday: date, figures: Iterable[WeekFigure]) -> WeekFigure:
    """A partner's whole week from each step's figure: a surplus on one step does not cover
    another."""
    target = done = 0
    for figure in figures:
        target += figure.target
        done += min(figure.done, figure.target)
    return WeekFigure(monday, target, done)


def partner_current_week(partner: Partner, now: datetime | None = None) -> date:
    """The Monday of the partner's local week at ``now`` (default: the clock)."""
    return timeutil.week_start(timeutil.local_today(partner.timezone, now))


def next_streak(previous_streak: int, week: WeekFigure, *, in_progress: bool) -> int:
    """Consecutive weeks on target (target > 0 and every step met) up to this one.
    A week still in progress does not break a streak until it has ended."""
    if week.target > 0 and week.done >= week.target:
        return previous_streak + 1
    return previous_streak if in_progress else 0


def streak(seed: int, weeks: Iterable[WeekFigure], current_monday: date) -> int:
    """Weeks on target in a row up to now: ``seed`` (the streak just before the first of
    ``weeks``, oldest first) carried through them by ``next_streak``. The couple page, the
    API and the report all count a streak with this."""
    for week in weeks:
        seed = next_streak(seed, week, in_progress=week.week_start == current_monday)
    return seed


def current_rung_steps(
    assignments: Iterable[Assignment], rung_of: Mapping[int, int]
) -> tuple[int | None, frozenset[int]]:
    """The couple's current rung (the highest rung position among active steps, given per
    assignment id by ``rung_of``) and the ids of its active steps: the steps the
    readiness rule judges."""
    active = [a.id for a in assignments if a.status == AssignmentStatus.ACTIVE]
    current = max((rung_of[a] for a in active), default=None)
    return current, frozenset(a for a in active if rung_of[a] == current)


def readiness_evidence(
    partner_id: int,
    steps: list[Assignment],
    rung_step_ids: frozenset[int],
    monday: date,
    day_counts: DayCounts,
) -> readiness.WeekEvidence:
    """What the readiness rule looks at in one of a partner's weeks: their whole week, and
    the completion of each current-rung step they had a target for."""
    total = partner_week(partner_id, steps, monday, day_counts)
    rung_completions = []
    for assignment in steps:
        if assignment.id in rung_step_ids:
            share = assignment_week(assignment, partner_id, monday, day_counts).completion
            if share is not None:
                rung_completions.append(share)
    return readiness.WeekEvidence(total.target, total.done, tuple(rung_completions))


def partner_readiness(
    partner: Partner,
    assignments: list[Assignment],
    day_counts: DayCounts,
    top_rung: int | None,
    now: datetime | None = None,
) -> readiness.Assessment:
    """The partner's current readiness suggestion, judged live from ``day_counts`` (which
    must cover the partner's last ``readiness.JUDGED_WEEKS`` finished weeks) on the
    couple's assignments, rungs loaded. ``top_rung`` is the ladder's highest position."""
    current_rung, rung_step_ids = current_rung_steps(
        assignments, {a.id: a.rung.position for a in assignments}
    )
    steps = [a for a in assignments if does_step(a, partner.id)]
    current_monday = partner_current_week(partner, now)
    evidence = {
        monday: readiness_evidence(partner.id, steps, rung_step_ids, monday, day_counts)
        for monday in readiness.judged_weeks(current_monday, current_monday)
    }
    return readiness.assess(
        evidence,
        current_monday,
        current_monday,
        on_top_rung=readiness.is_top_rung(current_rung, top_rung),
    )


def couple_readiness(
    partners: Iterable[Partner],
    assignments: list[Assignment],
    day_counts: DayCounts,
    top_rung: int | None,
    now: datetime | None = None,
) -> readiness.CoupleReadiness:
    """THE readiness answer: the couple's suggestion and each partner's, judged live on the
    couple's assignments (rungs loaded) from ``day_counts``, which must cover
    ``readiness_window(partners)``. The couples list, the couple page, the API's progress
    and the pre-session report all call this, so they cannot disagree."""
    return readiness.CoupleReadiness.of_partners(
        {p.id: partner_readiness(p, assignments, day_counts, top_rung, now) for p in partners}
    )


def readiness_window(partners: Iterable[Partner], now: datetime | None = None) -> tuple[date, date]:
    """The local dates ``couple_readiness`` reads: the judged weeks and the week in progress."""
    return couple_weeks_window(partners, readiness.JUDGED_WEEKS + 1, now)


def step_rows(assignment: Assignment, partners: Iterable[Partner]) -> list[tuple[str, Partner]]:
    """The rows a step's figures are listed in, labelled: one per partner who does it, and
    one joint row, "Together", for a together step (its figures are the couple's: the same
    read through either partner)."""
    doers = [p for p in partners if does_step(assignment, p.id)]
    if assignment.assignee == Assignee.TOGETHER:
        return [(TOGETHER_LABEL, doers[0])] if doers else []
    return [(p.first_name, p) for p in doers]


TOGETHER_LABEL = "Together"


def couple_weeks_window(
    partners: Iterable[Partner], weeks: int, now: datetime | None = None
) -> tuple[date, date]:
    """First and last local dates covering ``weeks`` weeks for every partner listed."""
    mondays = [partner_current_week(p, now) for p in partners]
    if not mondays:
        today = timeutil.week_start((now or timeutil.utcnow()).date())
        mondays = [today]
    return min(mondays) - timedelta(weeks=weeks - 1), max(mondays) + timedelta(days=6)
