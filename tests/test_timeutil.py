"""counselor/timeutil.py: UTC for storage, each person's own zone for "today"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from counselor import timeutil

# Monday 2026-06-15 at 03:30 UTC.
INSTANT = datetime(2026, 6, 15, 3, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "today"),
    [
        ("UTC", date(2026, 6, 15)),
        ("Europe/Berlin", date(2026, 6, 15)),
        ("Asia/Tokyo", date(2026, 6, 15)),
        ("America/Chicago", date(2026, 6, 14)),
        ("Pacific/Honolulu", date(2026, 6, 14)),
    ],
)
def test_local_today_depends_on_the_zone(zone, today):
    assert timeutil.local_today(zone, at=INSTANT) == today


def test_local_today_can_be_ahead_of_utc():
    late_evening = datetime(2026, 6, 15, 22, 0, tzinfo=UTC)
    assert timeutil.local_today("Asia/Tokyo", at=late_evening) == date(2026, 6, 16)
    assert timeutil.local_today("UTC", at=late_evening) == date(2026, 6, 15)


def test_local_today_defaults_to_the_clock(monkeypatch):
    monkeypatch.setattr(timeutil, "utcnow", lambda: INSTANT)
    assert timeutil.local_today("America/Chicago") == date(2026, 6, 14)


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (date(2026, 6, 15), date(2026, 6, 15)),  # a Monday is its own week start
        (date(2026, 6, 17), date(2026, 6, 15)),
        (date(2026, 6, 21), date(2026, 6, 15)),  # Sunday closes the week
        (date(2026, 6, 22), date(2026, 6, 22)),
        (date(2026, 1, 1), date(2025, 12, 29)),  # across a year boundary
    ],
)
def test_week_starts_on_monday(day, monday):
    assert timeutil.week_start(day) == monday
    assert timeutil.week_start(day).weekday() == 0


def test_week_starts_back_lists_mondays_oldest_first():
    assert timeutil.week_starts_back(date(2026, 6, 15), 3) == [
        date(2026, 6, 1),
        date(2026, 6, 8),
        date(2026, 6, 15),
    ]


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (date(2026, 3, 7), datetime(2026, 3, 7, 15, 0, tzinfo=UTC)),  # CST, UTC-6
        (date(2026, 3, 8), datetime(2026, 3, 8, 14, 0, tzinfo=UTC)),  # CDT from 02:00
        (date(2026, 10, 31), datetime(2026, 10, 31, 14, 0, tzinfo=UTC)),  # CDT, UTC-5
        (date(2026, 11, 1), datetime(2026, 11, 1, 15, 0, tzinfo=UTC)),  # CST again
    ],
)
def test_local_datetime_to_utc_across_daylight_saving_changes(day, utc):
    converted = timeutil.local_datetime_to_utc(day, 9, 0, "America/Chicago")
    assert converted == utc
    assert converted.utcoffset().total_seconds() == 0


def test_local_datetime_to_utc_keeps_minutes():
    converted = timeutil.local_datetime_to_utc(date(2026, 6, 15), 18, 45, "Asia/Kolkata")
    assert converted == datetime(2026, 6, 15, 13, 15, tzinfo=UTC)


def test_to_local_round_trips():
    local = timeutil.to_local(INSTANT, "America/Chicago")
    assert (local.date(), local.hour, local.minute) == (date(2026, 6, 14), 22, 30)
    assert local == INSTANT


@pytest.mark.parametrize("zone", ["UTC", "America/Chicago", "Europe/Berlin", "Asia/Kolkata"])
def test_known_zones_are_valid(zone):
    assert timeutil.is_valid_timezone(zone)


@pytest.mark.parametrize("zone", ["", None, "Mars/Olympus_Mons", "Chicago", "GMT+25", " UTC"])
def test_unknown_zones_are_invalid(zone):
    assert not timeutil.is_valid_timezone(zone)


def test_utcnow_is_aware_utc():
    assert timeutil.utcnow().utcoffset().total_seconds() == 0


def test_names_that_are_files_not_zones_are_refused():
    # zoneinfo lists them on some systems; "localtime" would be the server's own zone.
    for name in ("localtime", "Factory", "posixrules"):
        assert not timeutil.is_valid_timezone(name)


def test_legacy_aliases_stay_valid_for_host_systems():
    assert timeutil.is_valid_timezone("US/Eastern")
    assert timeutil.is_valid_timezone("Asia/Calcutta")


def test_pickers_offer_canonical_zones_grouped_by_region():
    regions = dict(timeutil.timezone_regions())
    assert next(iter(regions)) == "UTC" and regions["UTC"] == (("UTC", "UTC"),)
    assert {"Africa", "America", "Asia", "Australia", "Europe", "Indian Ocean", "Pacific"} <= set(
        regions
    )
    offered = {zone for zones in regions.values() for zone, _ in zones}
    assert offered <= timeutil.known_timezones()
    assert {"Europe/London", "America/Chicago", "Asia/Kolkata", "Pacific/Auckland"} <= offered
    for alias in ("US/Eastern", "Etc/GMT+5", "Asia/Calcutta", "Europe/Kiev", "GB", "EST5EDT"):
        assert alias not in offered, alias
    assert 300 < len(offered) < 500
    cities = [city for _, city in regions["America"]]
    assert cities == sorted(cities)
    # The city first (a keyboard jumps to it), then what tells it apart, each said once.
    assert ("America/Indiana/Knox", "Knox, Indiana, United States") in regions["America"]
    assert ("America/Argentina/Buenos_Aires", "Buenos Aires, Argentina") in regions["America"]
    assert ("Europe/London", "London, Britain (UK)") in regions["Europe"]
    assert ("Asia/Singapore", "Singapore") in regions["Asia"]
    assert ("Indian/Maldives", "Maldives") in regions["Indian Ocean"]


@pytest.mark.parametrize(
    ("zone", "moment", "label"),
    [
        ("Europe/London", datetime(2026, 12, 3, 9, tzinfo=UTC), "GMT"),
        ("Europe/London", datetime(2026, 7, 3, 9, tzinfo=UTC), "BST"),
        ("Europe/Berlin", datetime(2026, 12, 3, 9, tzinfo=UTC), "CET"),
        ("America/Chicago", datetime(2026, 7, 3, 9, tzinfo=UTC), "CDT"),
        ("UTC", datetime(2026, 7, 3, 9, tzinfo=UTC), "UTC"),
        # The tz database has no letters for these zones and writes "+03", "-03", "+0545".
        ("Europe/Istanbul", datetime(2026, 7, 3, 9, tzinfo=UTC), "UTC+3"),
        ("America/Sao_Paulo", datetime(2026, 7, 3, 9, tzinfo=UTC), "UTC-3"),
        ("Asia/Kathmandu", datetime(2026, 7, 3, 9, tzinfo=UTC), "UTC+5:45"),
    ],
)
def test_zone_label_is_short_and_follows_daylight_saving(zone, moment, label):
    assert timeutil.zone_label(timeutil.to_local(moment, zone)) == label
