"""reports/formatting.py: dates written the same way on every machine."""

from __future__ import annotations

from datetime import date

import pytest

from reports.formatting import date_range, day_month


@pytest.mark.parametrize(
    ("start", "end", "written"),
    [
        (date(2026, 11, 18), date(2026, 12, 1), "18 Nov – 1 Dec 2026"),  # across months
        (date(2026, 11, 3), date(2026, 11, 16), "3 – 16 Nov 2026"),  # within a month
        (date(2025, 12, 29), date(2026, 1, 11), "29 Dec 2025 – 11 Jan 2026"),  # across years
        (date(2026, 12, 1), date(2026, 12, 1), "1 Dec 2026"),  # one day, never "1 – 1 Dec"
        (date(2026, 12, 1), date(2026, 11, 18), "18 Nov – 1 Dec 2026"),  # earlier date first
    ],
    ids=["months", "one-month", "years", "one-day", "reversed"],
)
def test_date_range(start, end, written):
    assert date_range(start, end) == written


def test_day_month_has_no_leading_zero_and_no_locale():
    assert day_month(date(2026, 3, 4)) == "4 Mar"
