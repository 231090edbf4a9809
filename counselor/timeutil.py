"""Time in one place: UTC for storage, each partner's own zone for "today" and "this week",
and the viewer's zone (labelled) for every time a page shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

# Files of the zoneinfo folder that are not time zones (``localtime`` is the server's own).
NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
# The tz database's geographic areas: what a picker offers if zone.tab cannot be read.
GEOGRAPHIC_AREAS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)
# How a picker names the tz database's areas; the rest keep their own name.
REGION_NAMES = {"Indian": "Indian Ocean"}


def utcnow() -> datetime:
    """The current instant, timezone-aware. Tests replace this to drive a clock."""
    return datetime.now(UTC)


@lru_cache(maxsize=1)
def known_timezones() -> frozenset[str]:
    """Every IANA name accepted, legacy aliases ("US/Eastern") included: data sent by a host
    system keeps working. Pickers offer the shorter list of ``timezone_regions``."""
    return frozenset(available_timezones() - NOT_ZONES)


def is_valid_timezone(name: str | None) -> bool:
    return bool(name) and name in known_timezones()


@lru_cache(maxsize=1)
def timezone_regions() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """The zones a picker offers, grouped by region: ``(("UTC", (("UTC", "UTC"),)),
    ("Africa", (("Africa/Abidjan", "Abidjan, Côte d'Ivoire"), …)), …)``, each option
    ``(name, label)``, the label its city first (a keyboard jumps to it), then its country.

    The canonical zones of the tz database's ``zone.tab`` (one or more per country, no
    legacy alias such as "US/Eastern", "Asia/Calcutta" or "Etc/GMT+5"), plus UTC.
    """
    regions: dict[str, list[tuple[str, str]]] = {}
    for name, country in sorted(_canonical_zones().items()):
        if name not in known_timezones():
            continue
        area, *within, place = name.replace("_", " ").split("/")
        parts = dict.fromkeys(part for part in (place, *within, country) if part)  # once each
        regions.setdefault(REGION_NAMES.get(area, area), []).append((name, ", ".join(parts)))
    grouped = [
        (region, tuple(sorted(zones, key=lambda z: z[1]))) for region, zones in regions.items()
    ]
    return (("UTC", (("UTC", "UTC"),)), *sorted(grouped))


def _canonical_zones() -> dict[str, str]:
    """Each zone of ``zone.tab`` with its country's name (both tables come with the
    ``tzdata`` package, a dependency); without them, the zones of a geographic area."""
    try:
        folder = resources.files("tzdata.zoneinfo")
        zones = _tab_rows(folder.joinpath("zone.tab").read_text("utf-8"))
        countries = dict(
            row[:2] for row in _tab_rows(folder.joinpath("iso3166.tab").read_text("utf-8"))
        )
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - tzdata is required
        return {z: "" for z in known_timezones() if z.split("/")[0] in GEOGRAPHIC_AREAS}
    return {row[2]: countries.get(row[0], "") for row in zones}


def _tab_rows(table: str) -> list[list[str]]:
    return [line.split("\t") for line in table.splitlines() if line and not line.startswith("#")]


def zone_label(moment: datetime) -> str:
    """The short name of an aware moment's zone at that moment, to print after a time:
    "GMT", "BST", "CET", "CDT", "UTC"; "UTC+3" or "UTC-3:30" where the tz database has no
    letters for it (it writes "+03")."""
    name = moment.tzname() or ""
    if name.isascii() and name.isalpha():
        return name
    offset = moment.utcoffset() or timedelta(0)
    minutes = abs(int(offset.total_seconds())) // 60
    if not minutes:
        return "UTC"
    hours, rest = divmod(minutes, 60)
    sign = "-" if offset < timedelta(0) else "+"
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


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
