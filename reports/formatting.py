"""Dates, times and numbers written the same way on every machine (no locale, no clock)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_month(day: date) -> str:
    """'3 Nov'."""
    return f"{day.day} {_MONTHS[day.month - 1]}"


def weekday_day(day: date) -> str:
    """'Tue 3'."""
    return f"{_DAYS[day.weekday()]} {day.day}"


def weekday_day_month(day: date) -> str:
    """'Tue 3 Nov'."""
    return f"{_DAYS[day.weekday()]} {day_month(day)}"


def short_date(day: date) -> str:
    """'Tue 3 Nov 2025'."""
    return f"{weekday_day_month(day)} {day.year}"


def date_range(start: date, end: date) -> str:
    """'3 – 16 Nov 2025', '27 Oct – 9 Nov 2025', '29 Dec 2025 – 11 Jan 2026', or '1 Dec 2026'
    for a single day; the earlier date first whichever order they come in."""
    start, end = min(start, end), max(start, end)
    if start == end:
        return f"{day_month(end)} {end.year}"
    if start.year != end.year:
        return f"{day_month(start)} {start.year} – {day_month(end)} {end.year}"
    if start.month != end.month:
        return f"{day_month(start)} – {day_month(end)} {end.year}"
    return f"{start.day} – {day_month(end)} {end.year}"


def in_zone(moment: datetime, timezone_name: str) -> datetime:
    """``moment`` in the practice's zone; unchanged if the zone is unknown."""
    try:
        return moment.astimezone(ZoneInfo(timezone_name))
    except (ZoneInfoNotFoundError, ValueError):
        return moment


def date_time(moment: datetime) -> str:
    """'Thu 13 Nov 2025, 17:00 CET' (the zone abbreviation as the datetime carries it)."""
    zone = moment.tzname() or ""
    return f"{short_date(moment.date())}, {moment:%H:%M} {zone}".rstrip()


def one_decimal(value: float | None) -> str:
    """'3.8'; an en dash for no value."""
    return "–" if value is None else f"{value:.1f}"


def comfort_direction(now: float | None, before: float | None) -> str | None:
    """'up', 'down' or 'steady' (a change under a quarter point); None when either period
    had no rating."""
    if now is None or before is None:
        return None
    delta = round(now - before, 1)
    if abs(delta) < 0.25:
        return "steady"
    return "up" if delta > 0 else "down"


def comfort_change(now: float | None, before: float | None) -> str:
    """'up 0.6', 'down 0.8', 'steady' or '–' when either period had no rating."""
    direction = comfort_direction(now, before)
    if direction in (None, "steady"):
        return direction or "–"
    assert now is not None and before is not None  # a direction needs both
    return f"{direction} {abs(round(now - before, 1)):.1f}"


def weeks(count: int) -> str:
    """'1 week', '3 weeks'."""
    return f"{count} week" if count == 1 else f"{count} weeks"
