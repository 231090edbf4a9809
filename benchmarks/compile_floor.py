"""The bare compile: the progress snapshot written by hand in SQL — one transaction that
deletes the window's rows and writes them again with ``INSERT … SELECT … GROUP BY``, into
scratch copies of ``weekly_progress`` and ``partner_weeks`` (same columns, indexes and
constraints, foreign keys included: ``create_tables``), then commits.

It writes the same rows as ``compile_progress`` (every step-week with a target, a check-in
or a rating, and every partner-week that has one; ``same_rows`` checks it) with the same
target, done and comfort figures, but leaves the rules that need history to Python:
``streak_weeks`` is written as 0 and ``signal`` as NULL. It is the cost of grouping the
check-ins and writing the rows, below which no compile can go. PostgreSQL only (the
benchmark's database; ``generate_series``), one partner time zone (the benchmark's data).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db

TABLES = {"weekly_progress": "floor_weekly_progress", "partner_weeks": "floor_partner_weeks"}

# Every step-week of every partner who does the step, from the window's first week to the
# current one: target pro rata (week_rules.week_target), done per partner, or days with a
# check-in by either partner for a together step (week_rules.done_in_week), comfort.
STEP_WEEKS = """
INSERT INTO floor_weekly_progress (practice_id, couple_id, partner_id, assignment_id,
    week_start, target, done, comfort_sum, comfort_count, computed_at)
WITH doers AS (
    SELECT c.practice_id, a.couple_id, p.id AS partner_id, a.id AS assignment_id,
           a.assignee, a.times_per_week, a.starts_on,
           LEAST(a.due_on, CASE WHEN a.status <> 'active' THEN a.ended_on END) AS until
    FROM assignments a
    JOIN couples c ON c.id = a.couple_id
    JOIN partners p ON p.couple_id = a.couple_id
    WHERE c.status IN ('active', 'paused')
      AND (a.assignee <> 'partner' OR a.assignee_partner_id = p.id)
), weeks AS (
    SELECT CAST(generate_series(CAST(:first AS date), CAST(:current AS date),
                                interval '1 week') AS date) AS monday
), per_partner AS (
    SELECT assignment_id, partner_id, CAST(date_trunc('week', occurred_on) AS date) AS monday,
           count(*) AS n, coalesce(sum(comfort), 0) AS ratings_sum, count(comfort) AS ratings
    FROM checkins WHERE occurred_on BETWEEN :first AND :last
    GROUP BY 1, 2, 3
), together AS (
    SELECT assignment_id, CAST(date_trunc('week', occurred_on) AS date) AS monday,
           count(DISTINCT occurred_on) AS days
    FROM checkins WHERE occurred_on BETWEEN :first AND :last
    GROUP BY 1, 2
), spans AS (
    SELECT d.*, w.monday,
           LEAST(w.monday + 6, coalesce(d.until, w.monday + 6))
             - GREATEST(w.monday, d.starts_on) + 1 AS days
    FROM doers d CROSS JOIN weeks w
), figures AS (
    SELECT s.practice_id, s.couple_id, s.partner_id, s.assignment_id, s.monday,
           CASE WHEN s.days > 0 THEN CAST(ceil(s.times_per_week * s.days / 7.0) AS int)
                ELSE 0 END AS target,
           CASE WHEN s.assignee = 'together' THEN coalesce(t.days, 0)
                ELSE coalesce(pp.n, 0) END AS done,
           coalesce(pp.ratings_sum, 0) AS ratings_sum, coalesce(pp.ratings, 0) AS ratings
    FROM spans s
    LEFT JOIN per_partner pp ON pp.assignment_id = s.assignment_id
         AND pp.partner_id = s.partner_id AND pp.monday = s.monday
    LEFT JOIN together t ON t.assignment_id = s.assignment_id AND t.monday = s.monday
)
SELECT practice_id, couple_id, partner_id, assignment_id, monday, target, done,
       ratings_sum, ratings, now()
FROM figures WHERE target > 0 OR done > 0 OR ratings > 0
"""

# Each partner's whole week from their step-weeks: done capped per step (partner_week).
PARTNER_WEEKS = """
INSERT INTO floor_partner_weeks (practice_id, couple_id, partner_id, week_start, target,
    done, mean_comfort, streak_weeks, signal, computed_at)
SELECT practice_id, couple_id, partner_id, week_start, sum(target),
       sum(LEAST(done, target)),
       CAST(sum(comfort_sum) AS float) / nullif(sum(comfort_count), 0), 0, NULL, now()
FROM floor_weekly_progress WHERE week_start >= :first
GROUP BY practice_id, couple_id, partner_id, week_start
"""


def window(weeks: int, timezone: str) -> dict[str, date]:
    current = timeutil.week_start(timeutil.local_today(timezone))
    first = current - timedelta(weeks=weeks - 1)
    return {"first": first, "current": current, "last": current + timedelta(days=6)}


def create_tables() -> None:
    """The scratch copies, empty (once per benchmark run): columns, defaults, indexes,
    unique and check constraints (``LIKE … INCLUDING ALL``) and the foreign keys, which
    ``LIKE`` leaves out and every row written must be checked against."""
    for source, copy in TABLES.items():
        db.session.execute(sa.text(f"DROP TABLE IF EXISTS {copy}"))
        db.session.execute(sa.text(f"CREATE TABLE {copy} (LIKE {source} INCLUDING ALL)"))
        foreign_keys = db.session.execute(
            sa.text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:source AS regclass) AND contype = 'f'"
            ),
            {"source": source},
        ).all()
        for name, definition in foreign_keys:
            db.session.execute(
                sa.text(f"ALTER TABLE {copy} ADD CONSTRAINT floor_{name} {definition}")
            )
    db.session.commit()


def drop_tables() -> None:
    for copy in TABLES.values():
        db.session.execute(sa.text(f"DROP TABLE IF EXISTS {copy}"))
    db.session.commit()


def bare_compile(weeks: int, timezone: str) -> dict[str, int]:
    """Replace the window's rows in the scratch tables, in SQL, and commit."""
    params = window(weeks, timezone)
    for copy in TABLES.values():
        db.session.execute(
            sa.text(f"DELETE FROM {copy} WHERE week_start >= :first"),  # noqa: S608
            {"first": params["first"]},
        )
    step_weeks = _written(db.session.execute(sa.text(STEP_WEEKS), params))
    partner_weeks = _written(db.session.execute(sa.text(PARTNER_WEEKS), params))
    db.session.commit()
    return {"weekly_rows": step_weeks, "partner_weeks": partner_weeks}


def _written(result: sa.Result) -> int:
    return cast(sa.CursorResult, result).rowcount


def same_rows(weeks: int, timezone: str) -> bool:
    """Whether the floor's rows and the project's hold the same step-weeks (target, done,
    comfort) and the same partner-weeks (target, done, mean comfort)."""
    first = window(weeks, timezone)["first"]
    checks = (
        "SELECT partner_id, assignment_id, week_start, target, done, comfort_sum, "
        "comfort_count FROM {} WHERE week_start >= :first",
        "SELECT partner_id, week_start, target, done, round(CAST(mean_comfort AS numeric), 6) "
        "FROM {} WHERE week_start >= :first",
    )
    for (source, copy), query in zip(TABLES.items(), checks, strict=True):
        differ = db.session.scalar(
            sa.text(
                f"SELECT count(*) FROM (({query.format(source)} EXCEPT {query.format(copy)}) "  # noqa: S608 - table names of TABLES
                f"UNION ALL ({query.format(copy)} EXCEPT {query.format(source)})) AS d"
            ),
            {"first": first},
        )
        if differ:
            return False
    db.session.rollback()
    return True
