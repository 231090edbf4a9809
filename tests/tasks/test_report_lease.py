"""A report pending past its lease (REPORT_RENDER_LEASE_SECONDS) is handed to a worker
again, a few times at most; one stalled never holds back its session's scheduled report;
and a render stopped by the task's soft time limit leaves the report for that sweep (issue
12, finding 5). The worker killed mid-render for real: tests/faults/test_report_worker_killed.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from counselor import task_names
from counselor.extensions import db
from counselor.models import Report, ReportStatus
from counselor.services.reports import pre_session
from tests.support import factories

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def lease(app) -> timedelta:
    return timedelta(seconds=app.config["REPORT_RENDER_LEASE_SECONDS"])


def new_report(actor, couple, **columns) -> Report:
    report = pre_session.request_report(actor, couple.id)
    for name, value in columns.items():
        setattr(report, name, value)
    db.session.commit()
    return report


def handed_over(send_task) -> list[int]:
    return [args[0] for name, args in send_task.calls if name == task_names.GENERATE_REPORT]


def test_a_report_whose_render_stalled_is_handed_over_again_once_per_lease(
    actor, couple, clock, lease, send_task
):
    started = clock.now
    stalled = new_report(actor, couple, render_started_at=started, render_attempts=1)
    send_task.forget()

    clock.advance(lease - timedelta(seconds=1))
    assert pre_session.retry_stalled_reports() == []  # its worker may still be at it
    clock.advance(seconds=2)
    assert pre_session.retry_stalled_reports() == [stalled.id]
    db.session.commit()
    assert pre_session.retry_stalled_reports() == []  # its lease starts over

    assert handed_over(send_task) == [stalled.id]
    assert (stalled.status, stalled.render_attempts) == (ReportStatus.PENDING, 1)


def test_a_report_never_begun_is_handed_over_after_the_lease(actor, couple, clock, lease):
    waiting = new_report(actor, couple)  # the broker was down when it was asked for

    clock.advance(lease + timedelta(seconds=1))

    assert pre_session.retry_stalled_reports() == [waiting.id]


def test_a_report_whose_renders_keep_stopping_is_failed_with_a_plain_reason(
    actor, couple, clock, lease, send_task
):
    attempts = pre_session.MAX_RENDER_ATTEMPTS
    stalled = new_report(actor, couple, render_started_at=clock.now, render_attempts=attempts)
    send_task.forget()

    clock.advance(lease + timedelta(seconds=1))

    assert pre_session.retry_stalled_reports() == []
    assert handed_over(send_task) == []
    assert stalled.status == ReportStatus.FAILED
    assert stalled.error == f"no worker finished it in {attempts} attempts"


def test_a_worker_given_a_report_out_of_attempts_fails_it_without_rendering(actor, couple):
    """A second message for a report the sweep already gave up on, say."""
    report = new_report(actor, couple, render_attempts=pre_session.MAX_RENDER_ATTEMPTS)

    pre_session.generate_report(report.id)

    assert (report.status, report.file_name) == (ReportStatus.FAILED, None)


def test_each_render_is_counted_and_stamped(actor, couple, clock):
    report = new_report(actor, couple)

    pre_session.generate_report(report.id)

    assert report.status == ReportStatus.READY
    assert (report.render_attempts, report.render_started_at) == (1, clock.now)


def test_a_render_stopped_at_the_soft_time_limit_leaves_the_report_pending(
    actor, couple, monkeypatch
):
    report = new_report(actor, couple)

    def over_time(_data):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(pre_session, "render_pre_session_report", over_time)
    with pytest.raises(SoftTimeLimitExceeded):
        pre_session.generate_report(report.id)
    db.session.rollback()  # as the task's unit of work does
    db.session.expire_all()

    assert (report.status, report.error, report.render_attempts) == (ReportStatus.PENDING, None, 1)


@pytest.fixture
def upcoming(couple, clock):
    """A session inside the practice's report lead time."""
    lead = timedelta(hours=couple.practice.report_lead_hours)
    session = factories.SessionFactory(couple=couple, starts_at=clock.now + lead / 2)
    db.session.commit()
    return session


def test_a_stalled_report_does_not_hold_back_the_scheduled_one(
    actor, couple, upcoming, clock, lease
):
    pre_session.request_report(actor, couple.id, upcoming.id)  # its worker dies
    db.session.commit()
    assert pre_session.prepare_upcoming_reports() == []  # being made: not a second one

    clock.advance(lease + timedelta(seconds=1))
    scheduled = pre_session.prepare_upcoming_reports()

    assert len(scheduled) == 1
    assert db.session.get(Report, scheduled[0]).requested_by == pre_session.SCHEDULED
