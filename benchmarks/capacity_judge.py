"""The verdict on one stretch of `make bench-capacity`, from the rows the workers wrote
(their times on the simulated clock) and the visitors' answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from benchmarks import capacity_plan as plan
from counselor import tenancy
from counselor.extensions import db
from counselor.models import (
    CoupleSession,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
    Partner,
    Report,
    ReportStatus,
)


def judge(
    couples: int, week_start: datetime, compression: plan.Compression, answers: dict[str, Any]
) -> plan.Criteria:
    start = week_start + timedelta(seconds=compression.start)
    end = week_start + timedelta(seconds=compression.run_end)
    criteria = plan.Criteria(couples, factor=compression.factor)
    db.session.remove()
    judge_reminders(criteria, start, end)
    judge_reports(criteria, start, end)
    latencies, errors = answers["latencies_ms"], answers["errors"]
    page = latencies.get("dashboard", [])
    criteria.dashboard = len(page) + errors.get("dashboard", 0)
    criteria.dashboard_errors = errors.get("dashboard", 0)
    criteria.dashboard_p50_ms = plan.percentile(page, 50)
    criteria.dashboard_p99_ms = plan.percentile(page, 99)
    posts = latencies.get("checkin", [])
    criteria.checkins = len(posts) + errors.get("checkin", 0)
    criteria.checkin_errors = errors.get("checkin", 0)
    criteria.checkin_p99_ms = plan.percentile(posts, 99)
    db.session.remove()
    return criteria


def judge_reminders(criteria: plan.Criteria, start: datetime, end: datetime) -> None:
    """Every reminder due in the run whose hour ended within it: sent within its hour."""
    window = timedelta(seconds=plan.REMINDER_WINDOW)
    hours = dict(db.session.execute(tenancy.across_practices(
        sa.select(Partner.id, Partner.reminder_hour))).all())  # fmt: skip
    reminders = db.session.execute(
        tenancy.across_practices(
            sa.select(OutboxEmail.dedupe_key, OutboxEmail.status, OutboxEmail.sent_at).where(
                OutboxEmail.kind == EmailKind.REMINDER
            )
        )
    ).all()
    worst = timedelta(0)
    for key, status, sent_at in reminders:
        _, partner_id, day = key.split(":")
        due = datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(
            hours=hours[int(partner_id)]
        )
        if due < start or due + window > end:
            continue  # sent before the run (its history), or its hour ends after it
        criteria.reminders += 1
        if status != OutboxStatus.SENT or sent_at is None:  # cancelled (quiet hours) or stuck
            criteria.reminders_unsent += 1
            criteria.reminders_late += 1
            continue
        worst = max(worst, sent_at - due)
        if sent_at > due + window:
            criteria.reminders_late += 1
    criteria.reminder_worst_min = worst.total_seconds() / 60


def judge_reports(criteria: plan.Criteria, start: datetime, end: datetime) -> None:
    """Every session that began in the run: a ready report before it. Every report the beat
    asked for in the run for a later session: ready by the run's end. Fresh reports for
    the run's own sessions are counted (ready before the session or not), not judged."""
    asked = db.session.execute(
        tenancy.across_practices(
            sa.select(
                Report.status, Report.created_at, Report.generated_at, CoupleSession.starts_at
            )
            .join(CoupleSession, CoupleSession.id == Report.session_id)
            .where(Report.created_at >= start)
        )
    ).all()
    slack, waits = [], []
    for status, created_at, generated_at, starts_at in asked:
        ready = status == ReportStatus.READY and generated_at is not None
        if ready:
            waits.append((generated_at - created_at).total_seconds() / 60)
        if starts_at <= end:
            criteria.refreshes += 1
            criteria.refreshes_after_session += not ready or generated_at > starts_at
            continue
        criteria.reports += 1
        if not ready or generated_at > end:
            criteria.reports_late += 1
        else:
            slack.append((starts_at - generated_at).total_seconds() / 3600)
    first_ready = sa.select(sa.func.min(Report.generated_at)).where(
        Report.session_id == CoupleSession.id, Report.status == ReportStatus.READY
    )
    sessions = db.session.execute(
        tenancy.across_practices(
            sa.select(CoupleSession.starts_at, first_ready.scalar_subquery()).where(
                CoupleSession.starts_at >= start, CoupleSession.starts_at <= end
            )
        )
    ).all()
    for starts_at, ready_at in sessions:
        criteria.reports += 1
        if ready_at is None or ready_at > starts_at:
            criteria.reports_late += 1
        else:
            slack.append((starts_at - ready_at).total_seconds() / 3600)
    criteria.report_slack_min_h = min(slack, default=float("nan"))
    criteria.report_wait_max_min = max(waits, default=float("nan"))
