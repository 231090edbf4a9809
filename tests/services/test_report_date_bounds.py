"""Reports of a couple with sessions at the edges of time (issue 12, finding 2): a session
stored on 0001-01-01 — before the forms refused such dates — made every later report of
its couple fail with ``OverflowError``; sessions on the first and last days allowed
(1970-01-01, 2100-12-31) make a report like any other."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from counselor.models import ReportStatus
from counselor.services.reports import pre_session
from tests.services.test_reports import period_of, session_at
from tests.support import factories
from tests.support.clock import TODAY

pytestmark = pytest.mark.usefixtures("clock")


@pytest.mark.parametrize(
    "stored_at",
    [datetime(1, 1, 1, tzinfo=UTC), datetime(1000, 6, 1, tzinfo=UTC)],
    ids=["0001-01-01", "1000-06-01"],
)
def test_a_session_stored_before_1970_no_longer_breaks_later_reports(actor, counselor, stored_at):
    couple = factories.CoupleFactory(counselor=counselor)
    factories.SessionFactory(couple=couple, starts_at=stored_at)
    upcoming = session_at(couple, TODAY + timedelta(days=2), 9)

    assert period_of(couple, upcoming) == ("30 Apr – 13 May 2026", "the last 14 days")
    report = pre_session.request_report(actor, couple.id, upcoming.id)
    assert pre_session.generate_report(report.id).status == ReportStatus.READY


@pytest.mark.parametrize(
    "stored_at",
    [datetime(9999, 12, 31, 23, 59, tzinfo=UTC), datetime(1, 1, 1, tzinfo=UTC)],
    ids=["9999-12-31", "0001-01-01"],
)
def test_a_report_for_a_session_stored_out_of_range_is_made(actor, counselor, stored_at):
    practice = counselor.practice
    practice.timezone = "Asia/Tokyo"  # 9999-12-31 23:59 UTC is past the calendar's end there
    couple = factories.CoupleFactory(counselor=counselor)
    session = factories.SessionFactory(couple=couple, starts_at=stored_at)

    report = pre_session.request_report(actor, couple.id, session.id)

    assert pre_session.generate_report(report.id).status == ReportStatus.READY


def test_sessions_on_the_first_and_last_days_allowed_make_a_report(actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(weeks=3))
    factories.SessionFactory(couple=couple, starts_at=datetime(1970, 1, 1, tzinfo=UTC))
    last = factories.SessionFactory(
        couple=couple, starts_at=datetime(2100, 12, 31, 23, 59, tzinfo=UTC)
    )

    written, description = period_of(couple, last)

    assert written.startswith("31 Dec 1969")  # 1970-01-01 00:00 UTC is New Year's Eve in Chicago
    assert description == "since the previous session on Wed 31 Dec"
    report = pre_session.request_report(actor, couple.id, last.id)
    assert pre_session.generate_report(report.id).status == ReportStatus.READY
    assert date(1969, 12, 31) < TODAY
