"""The reminder measure's days (``reminder_effect`` holds its rules): the window of local
days it measures, and the set-based helpers that let one statement judge every partner's
days on SQLite and PostgreSQL alike — VALUES tables of the window's days (with their
weekday, week and dedupe-key text) and of each time zone's UTC offsets, and ``epoch``,
instants as seconds since 1970, which both databases compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from counselor import timeutil

# The window: WINDOW_WEEKS weeks of local days ending SETTLE_DAYS before the job's UTC date
# (``reminder_effect``'s docstring says why).
WINDOW_WEEKS = 8
SETTLE_DAYS = 4


class epoch(FunctionElement[int]):  # lower case: reads as the SQL it stands for
    """Seconds since 1970 of a UTC timestamp column, on either database."""

    type = sa.BigInteger()
    name = "epoch"
    inherit_cache = True


@compiles(epoch)
def _epoch_postgresql(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element: epoch, compiler: SQLCompiler, **kw: Any) -> str:
    # UTCDateTime stores SQLite's instants as naive UTC text, which strftime reads as UTC.
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@dataclass(frozen=True)
class Window:
    """The local days measured: ``WINDOW_WEEKS`` weeks ending ``SETTLE_DAYS`` ago."""

    start: date
    end: date

    @classmethod
    def at(cls, now: datetime) -> Window:
        end = now.astimezone(UTC).date() - timedelta(days=SETTLE_DAYS)
        return cls(end - timedelta(days=7 * WINDOW_WEEKS - 1), end)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def weeks_back(self, day: date) -> int:
        """0 for the window's last seven days, 1 for the seven before, and so on."""
        return (self.end - day).days // 7


def days_table(window: Window) -> sa.CTE:
    """The window's local days: the date, its dedupe-key text, weekday, week back, and the
    epoch of its UTC midnight (a zone's offset turns it into the local midnight)."""
    return (
        sa.values(
            sa.column("day", sa.Date),
            sa.column("day_key", sa.String),
            sa.column("weekday", sa.Integer),
            sa.column("weeks_back", sa.Integer),
            sa.column("day_epoch", sa.BigInteger),
            sa.column("week_start", sa.Date),
            sa.column("week_end", sa.Date),
            name="window_days",
        )
        .data(
            [
                (
                    day,
                    day.isoformat(),
                    day.weekday(),
                    window.weeks_back(day),
                    int(datetime.combine(day, time(), tzinfo=UTC).timestamp()),
                    timeutil.week_start(day),
                    timeutil.week_start(day) + timedelta(days=6),
                )
                for day in window.days()
            ]
        )
        .cte("window_days")
    )  # a CTE: SQLite cannot name a VALUES subquery's columns


def week_days_table(window: Window) -> sa.CTE:
    """Every day of the weeks the window touches, with its Monday: a step's target for a
    week counts the days of it the step runs (``reminder_effect._open_step``)."""
    first = timeutil.week_start(window.start)
    weeks = (window.end - first).days // 7 + 1
    return (
        sa.values(sa.column("day", sa.Date), sa.column("week_start", sa.Date), name="week_days")
        .data(
            [
                (first + timedelta(days=n), first + timedelta(days=n - n % 7))
                for n in range(7 * weeks)
            ]
        )
        .cte("week_days")
    )


def zones_table(window: Window, zones: list[str]) -> sa.CTE | None:
    """Each zone's UTC offset (seconds east of UTC, at local noon) over runs of the window's
    days: a row per run, so a zone with no daylight-saving change in the window is one row."""
    rows: list[tuple[str, date, date, int]] = []
    for name in zones:
        zone = ZoneInfo(name)
        for day in window.days():
            offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
            seconds = int(offset.total_seconds()) if offset is not None else 0
            if rows and rows[-1][0] == name and rows[-1][3] == seconds:
                rows[-1] = (name, rows[-1][1], day, seconds)
            else:
                rows.append((name, day, day, seconds))
    if not rows:
        return None
    return (
        sa.values(
            sa.column("zone", sa.String),
            sa.column("first_day", sa.Date),
            sa.column("last_day", sa.Date),
            sa.column("utc_offset", sa.Integer),
            name="zone_offsets",
        )
        .data(rows)
        .cte("zone_offsets")
    )
