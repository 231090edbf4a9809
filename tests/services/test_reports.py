"""Pre-session reports: prepared before sessions without a click, once per data, stored safely."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import Assignment, Couple, EmailKind, OutboxEmail, Report, ReportStatus
from counselor.services import demo
from counselor.services.accounts import counselors
from counselor.services.audit import Actor
from counselor.services.errors import NotFound
from counselor.services.reports import pre_session
from reports.formatting import date_range
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import count_rows, stored


def pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def couple_with_session(hours_ahead: float):
    couple = factories.CoupleFactory(partners=[{"first_name": "Zoë"}, {"first_name": "José"}])
    assignment = factories.AssignmentFactory(couple=couple)
    factories.CheckInFactory(
        assignment=assignment,
        partner=couple.partners[0],
        occurred_on=timeutil.local_today("America/Chicago"),
        comfort=4,
        reflection="Tom & Jerry <b>laughed</b>",
    )
    session = factories.SessionFactory(
        couple=couple, starts_at=timeutil.utcnow() + timedelta(hours=hours_ahead)
    )
    return couple, session


def generate_all(ids):
    return [pre_session.generate_report(report_id) for report_id in ids]


def test_a_session_ten_hours_ahead_gets_exactly_one_report_from_two_ticks(app):
    _couple, session = couple_with_session(hours_ahead=10)
    first = pre_session.prepare_upcoming_reports()
    generate_all(first)
    second = pre_session.prepare_upcoming_reports()
    assert len(first) == 1 and second == []
    report = stored(Report, first[0])
    assert (report.status, report.session_id) == (ReportStatus.READY, session.id)


def test_sessions_outside_the_lead_time_wait(app):
    couple_with_session(hours_ahead=30)
    couple_with_session(hours_ahead=-1)
    assert pre_session.prepare_upcoming_reports() == []


def test_changed_data_regenerates_the_report(app):
    couple, _session = couple_with_session(hours_ahead=10)
    generate_all(pre_session.prepare_upcoming_reports())
    factories.CheckInFactory(
        assignment=db.session.scalar(tenancy.across_practices(sa.select(Assignment))),
        partner=couple.partners[1],
        occurred_on=timeutil.local_today("America/Chicago"),
    )
    again = pre_session.prepare_upcoming_reports()
    assert len(again) == 1


def test_a_ready_report_is_stored_with_its_checksum_and_the_counselor_is_told(app):
    couple, _session = couple_with_session(hours_ahead=10)
    (report,) = generate_all(pre_session.prepare_upcoming_reports())
    path = Path(app.config["REPORTS_DIR"]) / str(report.practice_id) / report.file_name
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == report.sha256
    text = pdf_text(pdf)
    assert "Zoë" in text and "José" in text and couple.label in text
    assert "Tom & Jerry <b>laughed</b>" in text
    email = db.session.scalar(tenancy.across_practices(sa.select(OutboxEmail)))
    assert (email.kind, email.counselor_id) == (EmailKind.REPORT_READY, couple.counselor_id)
    pre_session.generate_report(report.id)  # a retried task changes nothing
    assert count_rows(OutboxEmail) == 1


def test_a_failing_render_marks_the_report_failed_with_a_reason(app, monkeypatch):
    _couple, _session = couple_with_session(hours_ahead=10)

    def broken(_data):
        raise ValueError("boom")

    monkeypatch.setattr(pre_session, "render_pre_session_report", broken)
    (report,) = generate_all(pre_session.prepare_upcoming_reports())
    assert report.status == ReportStatus.FAILED and report.error == "ValueError"


def test_requesting_a_report_for_another_practice_is_not_found(app):
    couple, _ = couple_with_session(hours_ahead=10)
    stranger = Actor.for_counselor(factories.CounselorFactory())
    with tenancy.practice_scope(stranger.practice_id), pytest.raises(NotFound):
        pre_session.request_report(stranger, couple.id)


def test_report_figures_match_the_dashboard(app, logged_in, counselor):
    demo.seed_demo()
    demo_counselor = counselors.counselor_by_email(demo.DEMO_EMAIL)
    tenancy.enter_practice(demo_counselor.practice_id)
    couple = db.session.scalar(sa.select(Couple).where(Couple.label == "Alex & Sam R."))
    data = pre_session.build_report_data(couple.id, None)
    pdf = pre_session.render_pre_session_report(data)
    text = pdf_text(pdf)
    for partner in data.partners:
        assert f"{partner.done_this_period} of {partner.target_this_period}" in text


# --- the period a report covers ----------------------------------------------------------

CHICAGO = ZoneInfo("America/Chicago")


def session_at(couple, day: date, hour: int, **fields):
    return factories.SessionFactory(
        couple=couple, starts_at=datetime.combine(day, time(hour), CHICAGO), **fields
    )


def period_of(couple, session=None) -> tuple[str, str]:
    data = pre_session.build_report_data(couple.id, session)
    text = " ".join(pdf_text(pre_session.render_pre_session_report(data)).split())
    written = date_range(data.period_start, data.period_end)
    assert f"{written}, {data.period_description}" in text
    return written, data.period_description


def test_without_a_previous_session_the_period_is_the_last_14_days(clock, actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    assert period_of(couple) == ("30 Apr – 13 May 2026", "the last 14 days")


def test_a_session_earlier_today_does_not_shrink_the_period_to_one_day(clock, actor, counselor):
    """Prepared after today's 10:00 session (it is noon), with no session planned: the
    period used to read "13 – 13 May 2026"."""
    couple = factories.CoupleFactory(counselor=counselor)
    session_at(couple, TODAY, 10)
    assert period_of(couple) == ("30 Apr – 13 May 2026", "the last 14 days")
    session_at(couple, TODAY - timedelta(days=8), 16)  # the one before it: Tue 5 May
    assert period_of(couple) == ("5 – 13 May 2026", "since the previous session on Tue 05 May")


def test_the_period_runs_from_the_session_before_the_report_s_session(clock, actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    session_at(couple, date(2026, 4, 28), 9)
    session_at(couple, date(2026, 5, 6), 9, removed_at=clock.now)  # removed: does not count
    upcoming = session_at(couple, date(2026, 5, 15), 9)
    written, description = period_of(couple, upcoming)
    assert (written, description) == (
        "28 Apr – 13 May 2026",
        "since the previous session on Tue 28 Apr",
    )
