"""Pre-session reports: asked for, prepared by workers before each session, stored, served."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import selectinload

from counselor import storage, task_names, tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    Couple,
    CoupleSession,
    CoupleStatus,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
    Practice,
    Report,
    ReportStatus,
)
from counselor.services.audit import Actor, record_event
from counselor.services.couples.sessions import NOT_REMOVED, get_session, started_by
from counselor.services.delivery import after_commit, mail, webhooks
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.reports.report_data import build_report_data, fingerprint
from counselor.tenancy import get_in_practice
from reports import render_pre_session_report

log = logging.getLogger(__name__)

SCHEDULED = "schedule"  # ``requested_by`` of a report the beat prepared before a session
# Workers that may begin a report's render: one that stopped this often (killed, or past
# its time limit) will not finish the next time either, and the report is failed.
MAX_RENDER_ATTEMPTS = 3
STALLED_SWEEP_LIMIT = 100  # stalled reports handed over per sweep
PURGED_MESSAGE = (
    "This report's PDF was removed under the practice's data retention setting. "
    "Prepare a new report to see the couple's progress."
)


def request_report(actor: Actor, couple_id: int, session_id: int | None = None) -> Report:
    """A report now ("Prepare report now", the API, the CLI); a worker makes it."""
    couple = get_in_practice(Couple, couple_id)
    session = get_session(session_id) if session_id is not None else None
    if session is not None and session.couple_id != couple.id:
        raise NotFound(f"couple session {session_id}")  # another couple's: as a missing one
    requested_by = f"{actor.kind}:{actor.id}" if actor.id else actor.kind
    report = _new_report(
        actor.practice_id, couple.id, session.id if session else None, requested_by=requested_by
    )
    record_event(actor, "report.request", "report", report.id)
    after_commit.send_after_commit(task_names.GENERATE_REPORT, report.id)
    return report


def _new_report(
    practice_id: int, couple_id: int, session_id: int | None, *, requested_by: str
) -> Report:
    """A pending report row, flushed so that its id can go to whoever generates it."""
    report = Report(
        practice_id=practice_id,
        couple_id=couple_id,
        session_id=session_id,
        requested_by=requested_by,
    )
    db.session.add(report)
    db.session.flush()
    return report


def generate_report(report_id: int) -> Report:
    """Build the data, render the PDF, store it; a failure is recorded on the row, shown to
    the counselor, and never leaves the row pending. Safe to run twice.

    The start of each render is committed before it begins (``render_started_at``,
    ``render_attempts``): a worker killed mid-render leaves the row pending with that
    mark, and ``retry_stalled_reports`` hands it to another once the lease has run out.

    A worker's job for one report, whichever practice's: the report says which practice
    the rest runs for. An id that names no report is ``NotFound``."""
    report = db.session.scalar(
        tenancy.across_practices(sa.select(Report).where(Report.id == report_id))
    )
    if report is None:
        raise NotFound(f"report {report_id}")
    if report.status == ReportStatus.READY:
        return report
    with tenancy.practice_scope(report.practice_id):
        if report.render_attempts >= MAX_RENDER_ATTEMPTS:
            _give_up(report)
            return report
        report.render_started_at = timeutil.utcnow()
        report.render_attempts += 1
        db.session.commit()
        return _generate(report)


def _generate(report: Report) -> Report:
    try:
        # A failed attempt undoes only its own work: the caller's unit of work goes on to
        # record the failure (and, in a batch, the other reports).
        with db.session.begin_nested():
            data = build_report_data(report.couple_id, report.session)
            pdf = render_pre_session_report(data)
            file_name = _store(report, pdf)
    except SoftTimeLimitExceeded:
        # Not the report's fault: it stays pending, and the sweep gives it another worker.
        log.warning("report %s ran past the task's time limit; left for a retry", report.id)
        raise
    except Exception as error:
        log.exception("report %s failed", report.id)
        report.status, report.error = ReportStatus.FAILED, f"{type(error).__name__}"[:300]
        return report
    if not _still_wanted(report):
        # Erased (or failed by a sweep) while it rendered: the PDF is not kept.
        (reports_dir() / str(report.practice_id) / file_name).unlink(missing_ok=True)
        db.session.refresh(report)
        return report
    report.file_name, report.status, report.error = file_name, ReportStatus.READY, None
    report.period_start, report.period_end = data.period_start, data.period_end
    report.data_fingerprint = fingerprint(data)
    report.sha256, report.size_bytes = hashlib.sha256(pdf).hexdigest(), len(pdf)
    report.generated_at = timeutil.utcnow()
    _tell_the_counselor(report)
    webhooks.emit(
        report.practice_id,
        "report.ready",
        {"report_id": report.id, "couple_id": report.couple_id, "session_id": report.session_id},
    )
    return report


def _give_up(report: Report) -> None:
    log.warning("report %s failed: %d renders began, none finished", report.id, MAX_RENDER_ATTEMPTS)
    report.status = ReportStatus.FAILED
    report.error = f"no worker finished it in {MAX_RENDER_ATTEMPTS} attempts"


def retry_stalled_reports(now: datetime | None = None) -> list[int]:
    """The beat's sweep for reports left pending past ``REPORT_RENDER_LEASE_SECONDS``:
    their worker died mid-render, or they never reached one (the broker was down). Each
    goes to a worker again, and its lease starts over, so a report waiting behind a long
    queue is not handed over at every sweep; one whose renders began
    ``MAX_RENDER_ATTEMPTS`` times is failed instead. Returns the ids handed over."""
    now = now or timeutil.utcnow()
    stalled = db.session.scalars(
        tenancy.across_practices(
            sa.select(Report).where(_stalled(now)).order_by(Report.id).limit(STALLED_SWEEP_LIMIT)
        )
    ).all()
    handed_over = []
    for report in stalled:
        with tenancy.practice_scope(report.practice_id):
            if report.render_attempts >= MAX_RENDER_ATTEMPTS:
                _give_up(report)
                continue
            log.warning(
                "report %s was still pending after its lease (%d renders began); handed over",
                report.id,
                report.render_attempts,
            )
            report.render_started_at = now
            after_commit.send_after_commit(task_names.GENERATE_REPORT, report.id)
            handed_over.append(report.id)
    return handed_over


def _stalled(now: datetime) -> sa.ColumnElement[bool]:
    """Pending longer than the lease since a worker last began it (or, never begun, since
    it was asked for): no worker is making it any more."""
    expired = now - timedelta(seconds=current_app.config["REPORT_RENDER_LEASE_SECONDS"])
    return sa.and_(
        Report.status == ReportStatus.PENDING,
        # Spelled out for NULL: a comparison with it is neither true nor false.
        sa.or_(
            sa.and_(Report.render_started_at.is_not(None), Report.render_started_at < expired),
            sa.and_(Report.render_started_at.is_(None), Report.created_at < expired),
        ),
    )


def _still_wanted(report: Report) -> bool:
    """Claim the report as ready, if it is still pending in the database: a conditional
    UPDATE, so an erasure that failed it meanwhile wins; one arriving later waits for this
    transaction (the claim holds the row) and then finds the file to delete."""
    claim = (
        sa.update(Report)
        .where(Report.id == report.id, Report.status == ReportStatus.PENDING)
        .values(status=ReportStatus.READY)
        .execution_options(synchronize_session=False)
    )
    return bool(cast(CursorResult, db.session.execute(claim)).rowcount)


def _store(report: Report, pdf: bytes) -> str:
    """Written whole and private (0600 in 0700 folders): a PDF holds client text."""
    name = f"report-{report.id}.pdf"
    storage.write_private_file(reports_dir(), f"{report.practice_id}/{name}", pdf)
    return name


def reports_dir() -> Path:
    return Path(current_app.config["REPORTS_DIR"])


def report_pdf(actor: Actor, report_id: int) -> tuple[Report, bytes]:
    """The stored PDF of a ready report of the actor's practice; opening it is audited."""
    report = get_in_practice(Report, report_id)
    if report.status != ReportStatus.READY or not report.file_name:
        raise InvalidInput.single("status", f"The report is {report.status.value}.")
    if report.file_purged_at is not None:
        raise InvalidInput.single("file", PURGED_MESSAGE)
    try:
        pdf = (reports_dir() / str(report.practice_id) / report.file_name).read_bytes()
    except FileNotFoundError:  # the folder was lost or not restored with the database
        raise InvalidInput.single(
            "file", "The stored file is missing: generate the report again."
        ) from None
    if hashlib.sha256(pdf).hexdigest() != report.sha256:
        raise InvalidInput.single("file", "The stored file does not match its checksum.")
    record_event(actor, "report.download", "report", report.id)
    return report, pdf


def couple_reports(couple_id: int, limit: int = 20) -> list[Report]:
    """A couple's reports, newest first, each with its session (one query for all)."""
    return list(
        db.session.scalars(
            sa.select(Report)
            .where(Report.couple_id == couple_id)
            .order_by(Report.created_at.desc(), Report.id.desc())
            .options(selectinload(Report.session))
            .limit(limit)
        )
    )


def prepare_upcoming_reports(now: datetime | None = None) -> list[int]:
    """For every session starting within its practice's lead time: a report, once — again
    only if the data changed since the last one. Returns the new report ids.

    The beat's planner over every practice: it finds the sessions across practices, then
    judges each in its own practice's scope."""
    now = now or timeutil.utcnow()
    sessions = db.session.scalars(
        tenancy.across_practices(
            sa.select(CoupleSession)
            .join(Couple, Couple.id == CoupleSession.couple_id)
            .join(Practice, Practice.id == Couple.practice_id)
            .where(
                NOT_REMOVED,
                Couple.status == CoupleStatus.ACTIVE,
                sa.not_(started_by(now)),  # a report is made before its session
                CoupleSession.starts_at <= now + timedelta(hours=_max_lead_hours()),
            )
        )
    ).all()
    created = []
    for session in sessions:
        practice = session.couple.practice
        if session.starts_at > now + timedelta(hours=practice.report_lead_hours):
            continue
        with tenancy.practice_scope(session.practice_id):
            if _has_current_report(session, now):
                continue
        report = _new_report(
            session.practice_id, session.couple_id, session.id, requested_by=SCHEDULED
        )
        after_commit.send_after_commit(task_names.GENERATE_REPORT, report.id)
        created.append(report.id)
    return created


def _max_lead_hours() -> int:
    longest = sa.select(sa.func.max(Practice.report_lead_hours))
    return db.session.scalar(tenancy.across_practices(longest)) or 0


def _has_current_report(session: CoupleSession, now: datetime) -> bool:
    """A report being made counts; one stalled (its worker died) does not, so it never
    holds back the session's scheduled report."""
    latest = db.session.scalar(
        sa.select(Report)
        .where(
            Report.session_id == session.id,
            Report.status != ReportStatus.FAILED,
            sa.not_(_stalled(now)),
        )
        .order_by(Report.id.desc())
        .limit(1)
    )
    if latest is None:
        return False
    if latest.status == ReportStatus.PENDING:
        return True
    data = build_report_data(session.couple_id, session, now)
    return fingerprint(data) == latest.data_fingerprint


def _tell_the_counselor(report: Report) -> None:
    """An email to the couple's counselor that reports are ready (a count and a link, no
    client text) — for the reports the schedule prepared. One the counselor asked for
    (*Prepare report now*, the API, the CLI) is awaited on the page: no email.

    An email already waiting for this counselor covers this report too: it is composed
    when sent and counts every ready report, so a batch of reports makes one email."""
    if report.requested_by != SCHEDULED:
        return
    counselor_id = db.session.scalar(
        sa.select(Couple.counselor_id).where(Couple.id == report.couple_id)
    )
    waiting = sa.select(OutboxEmail.id).where(
        OutboxEmail.counselor_id == counselor_id,
        OutboxEmail.kind == EmailKind.REPORT_READY,
        OutboxEmail.status == OutboxStatus.PENDING,
    )
    if db.session.scalar(waiting.limit(1)) is not None:
        return
    mail.insert_planned_emails(
        [
            {
                "practice_id": report.practice_id,
                "counselor_id": counselor_id,
                "report_id": report.id,
                "kind": EmailKind.REPORT_READY,
                "dedupe_key": f"report-ready:{report.id}",  # one email, however often it runs
            }
        ]
    )


def render_for_couple(couple_id: int, session_id: int | None = None) -> bytes:
    """Render now, without storing: for the CLI. The session defaults to the next one."""
    couple = get_in_practice(Couple, couple_id)
    session = get_session(session_id) if session_id is not None else _next_session(couple.id)
    return render_pre_session_report(build_report_data(couple.id, session))


def _next_session(couple_id: int) -> CoupleSession | None:
    return db.session.scalar(
        sa.select(CoupleSession)
        .where(
            NOT_REMOVED,
            CoupleSession.couple_id == couple_id,
            CoupleSession.starts_at > timeutil.utcnow(),
        )
        .order_by(CoupleSession.starts_at)
        .limit(1)
    )


def sessions_on(day: date) -> list[CoupleSession]:
    """Sessions on a calendar date in their own practice's time zone, in every practice
    (the CLI's report batch)."""
    wide = db.session.scalars(
        tenancy.across_practices(
            sa.select(CoupleSession)
            .join(Couple, Couple.id == CoupleSession.couple_id)
            .where(
                NOT_REMOVED,
                Couple.status == CoupleStatus.ACTIVE,
                CoupleSession.starts_at >= datetime.combine(day - timedelta(days=1), time(), UTC),
                CoupleSession.starts_at < datetime.combine(day + timedelta(days=2), time(), UTC),
            )
            .order_by(CoupleSession.starts_at)
        )
    ).all()
    return [
        s
        for s in wide
        if s.starts_at.astimezone(ZoneInfo(s.couple.practice.timezone)).date() == day
    ]


def prepare_for_session(session: CoupleSession) -> Report:
    """Create and generate a session's report in this process (the CLI's batch)."""
    report = _new_report(session.practice_id, session.couple_id, session.id, requested_by="cli")
    return generate_report(report.id)
