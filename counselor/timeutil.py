"""Time in one place: UTC for storage, each partner's own zone for "today" and "this week"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones


def utcnow() -> datetime:
    """The current instant, timezone-aware. Tests replace this to drive a clock."""
    return datetime.now(UTC)


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: str | None) -> bool:
    return bool(name) and name in known_timezones()


def local_today(timezone: str, at: datetime | None = None) -> date:
    """The calendar date it is for someone living in ``timezone``."""
    return (at or utcnow()).astimezone(ZoneInfo(timezone)).date()


def week_start(day: date) -> date:
    """Monday of the week that contains ``day``."""
    return day - timedelta(days=day.weekday())


def week_starts_back(current_week: date, weeks: int) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, oldest first, ending with ``current_week``."""
    return [current_week - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def local_datetime_to_utc(day: date, hour: int, minute: int, timezone: str) -> datetime:
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def to_local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))
