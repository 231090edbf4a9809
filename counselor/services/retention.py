"""Retention: what a practice keeps only for a while, and the nightly purge that removes it.

Three settings of the practice (Settings › Data retention; owners change them):

- ``retain_closed_client_text_months``: a couple closed this many months ago has its
  client text erased, through the same ``erasure.erase_couple`` as *Erase couple* (the
  system acting), so its counts stay for the practice's figures;
- ``retain_messages_days``: finished outbox emails (sent, cancelled, failed) and webhook
  deliveries (delivered, cancelled, failed) older than this are deleted, with the mail
  outbox's ``.eml`` copies; a row still waiting or being sent is never touched;
- ``retain_report_pdfs_days``: a report's PDF this many days after it was made is deleted
  from disk and the report marked ``file_purged_at`` (its row, checksum and dates stay).

The nightly task (``tasks/housekeeping.py``) calls ``purge_practice`` for each practice in
its own scope and unit of work, and each purge that removed anything is audited as
``retention.purge`` (counts in the log line, ids only). ``preview`` tells the settings page
what the next nightly purge will remove and when the next of each falls due.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    Counselor,
    Couple,
    CoupleStatus,
    OutboxEmail,
    OutboxStatus,
    Practice,
    Report,
    WebhookDelivery,
)
from counselor.services.accounts.settings import may_manage_practice
from counselor.services.audit import Actor, record_event
from counselor.services.couples.erasure import (
    delete_outbox_copies,
    delete_report_files,
    erase_couple,
)
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.validation import check_int_range
from counselor.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

MONTHS_MIN, MONTHS_MAX = 1, 120
DAYS_MIN, DAYS_MAX = 7, 3650
# When the nightly purge runs (UTC; the beat schedule in counselor/config.py says the same).
PURGE_AT = time(3, 30)

FINISHED_EMAILS = (OutboxStatus.SENT, OutboxStatus.CANCELLED, OutboxStatus.FAILED)
FINISHED_DELIVERIES = (OutboxStatus.DELIVERED, OutboxStatus.CANCELLED, OutboxStatus.FAILED)


@dataclass(frozen=True)
class RetentionInput:
    closed_client_text_months: int | None
    messages_days: int | None
    report_pdfs_days: int | None


@dataclass(frozen=True)
class PurgeCounts:
    couples_erased: int = 0
    emails_deleted: int = 0
    webhook_deliveries_deleted: int = 0
    report_pdfs_deleted: int = 0

    @property
    def anything(self) -> bool:
        return any(vars(self).values())


@dataclass(frozen=True)
class Upcoming:
    """One kind of data: how many the next purge removes, and when the next one after
    those falls due (None: nothing is waiting)."""

    due_next_purge: int
    next_due_at: datetime | None


@dataclass(frozen=True)
class RetentionPreview:
    next_purge_at: datetime
    couples: Upcoming
    emails: Upcoming
    webhook_deliveries: Upcoming
    report_pdfs: Upcoming


def update_retention_settings(counselor: Counselor, data: RetentionInput) -> Practice:
    """Owners only; every value within its bounds, or nothing is written."""
    if not may_manage_practice(counselor):
        raise InvalidInput.single("retention", "Only an owner of the practice can change this.")
    problems = FieldErrors()
    months = check_int_range(
        problems,
        "closed_client_text_months",
        data.closed_client_text_months,
        MONTHS_MIN,
        MONTHS_MAX,
    )
    messages = check_int_range(problems, "messages_days", data.messages_days, DAYS_MIN, DAYS_MAX)
    pdfs = check_int_range(problems, "report_pdfs_days", data.report_pdfs_days, DAYS_MIN, DAYS_MAX)
    problems.raise_if_any()
    assert months is not None and messages is not None and pdfs is not None
    practice = counselor.practice
    practice.retain_closed_client_text_months = months
    practice.retain_messages_days = messages
    practice.retain_report_pdfs_days = pdfs
    record_event(
        Actor.for_counselor(counselor), "practice.retention_settings", "practice", practice.id
    )
    return practice


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st → the month's last
    day)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def months_after(moment: datetime, months: int) -> datetime:
    return months_before(moment, -months)


def next_purge_at(now: datetime) -> datetime:
    """The next nightly run after ``now``."""
    today = datetime.combine(now.date(), PURGE_AT, tzinfo=now.tzinfo)
    return today if today > now else today + timedelta(days=1)


# What is due: one criterion per kind, at a given moment.


def _closed_couples_due(practice: Practice, at: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Couple.status == CoupleStatus.CLOSED,
        Couple.erased_at.is_(None),
        Couple.closed_at.is_not(None),
        Couple.closed_at <= months_before(at, practice.retain_closed_client_text_months),
    )


def _emails_due(practice: Practice, at: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        OutboxEmail.status.in_(FINISHED_EMAILS),
        OutboxEmail.created_at <= at - timedelta(days=practice.retain_messages_days),
    )


def _deliveries_due(practice: Practice, at: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        WebhookDelivery.status.in_(FINISHED_DELIVERIES),
        WebhookDelivery.created_at <= at - timedelta(days=practice.retain_messages_days),
    )


def _made_at() -> sa.ColumnElement[datetime]:
    return sa.func.coalesce(Report.generated_at, Report.created_at)


def _pdfs_due(practice: Practice, at: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Report.file_name.is_not(None),
        Report.file_purged_at.is_(None),
        _made_at() <= at - timedelta(days=practice.retain_report_pdfs_days),
    )


# The purge.


def purge_practice(practice: Practice, now: datetime | None = None) -> PurgeCounts:
    """Remove what is past the practice's retention; call it in the practice's scope,
    inside a unit of work. Returns how many of each went."""
    now = now or timeutil.utcnow()
    system = Actor.system(practice.id)
    couples = db.session.scalars(
        sa.select(Couple).where(_closed_couples_due(practice, now)).order_by(Couple.id)
    ).all()
    for couple in couples:
        erase_couple(system, couple)

    email_ids = list(
        db.session.scalars(sa.select(OutboxEmail.id).where(_emails_due(practice, now)))
    )
    if email_ids:
        db.session.execute(
            sa.delete(OutboxEmail).where(OutboxEmail.id.in_(email_ids)),
            execution_options={"synchronize_session": False},
        )
    deliveries = db.session.execute(
        sa.delete(WebhookDelivery)
        .where(_deliveries_due(practice, now))
        .execution_options(synchronize_session=False)
    )
    pdfs = db.session.execute(
        sa.select(Report.id, Report.practice_id, Report.file_name).where(_pdfs_due(practice, now))
    ).all()
    if pdfs:
        db.session.execute(
            sa.update(Report)
            .where(Report.id.in_([row.id for row in pdfs]))
            .values(file_purged_at=now)
            .execution_options(synchronize_session=False)
        )
    counts = PurgeCounts(
        couples_erased=len(couples),
        emails_deleted=len(email_ids),
        webhook_deliveries_deleted=getattr(deliveries, "rowcount", 0) or 0,
        report_pdfs_deleted=len(pdfs),
    )
    if counts.anything:
        record_event(system, "retention.purge", "practice", practice.id)
        db.session.flush()
        delete_outbox_copies(email_ids)
        delete_report_files((row.practice_id, row.file_name) for row in pdfs)
        log.info(
            "retention purge of practice %s: %d couples erased, %d emails, %d webhook "
            "deliveries deleted, %d report PDFs deleted",
            practice.id,
            counts.couples_erased,
            counts.emails_deleted,
            counts.webhook_deliveries_deleted,
            counts.report_pdfs_deleted,
        )
    return counts


# What goes next (Settings › Data retention).


def preview(practice: Practice, now: datetime | None = None) -> RetentionPreview:
    """What the next nightly purge removes, and when the next of each falls due after it.
    Seven queries, whatever the practice holds."""
    now = now or timeutil.utcnow()
    at = next_purge_at(now)
    couples_due = _count(Couple, _closed_couples_due(practice, at))
    next_closed = db.session.scalar(
        sa.select(sa.func.min(Couple.closed_at)).where(
            Couple.status == CoupleStatus.CLOSED,
            Couple.erased_at.is_(None),
            Couple.closed_at.is_not(None),
            sa.not_(_closed_couples_due(practice, at)),
        )
    )
    messages = timedelta(days=practice.retain_messages_days)
    pdfs = timedelta(days=practice.retain_report_pdfs_days)
    emails = _upcoming(
        OutboxEmail,
        OutboxEmail.status.in_(FINISHED_EMAILS),
        OutboxEmail.created_at,
        at - messages,
        messages,
    )
    deliveries = _upcoming(
        WebhookDelivery,
        WebhookDelivery.status.in_(FINISHED_DELIVERIES),
        WebhookDelivery.created_at,
        at - messages,
        messages,
    )
    reports = _upcoming(
        Report,
        sa.and_(Report.file_name.is_not(None), Report.file_purged_at.is_(None)),
        _made_at(),
        at - pdfs,
        pdfs,
    )
    return RetentionPreview(
        next_purge_at=at,
        couples=Upcoming(
            couples_due,
            months_after(_aware(next_closed), practice.retain_closed_client_text_months)
            if next_closed is not None
            else None,
        ),
        emails=emails,
        webhook_deliveries=deliveries,
        report_pdfs=reports,
    )


def _count(model: type, criterion: sa.ColumnElement[bool]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(criterion)) or 0


def _upcoming(
    model: type,
    finished: sa.ColumnElement[bool],
    stamp: sa.ColumnElement[datetime] | sa.orm.InstrumentedAttribute[datetime],
    cutoff: datetime,
    keep: timedelta,
) -> Upcoming:
    """Rows ``finished`` with ``stamp`` at or before ``cutoff`` go at the next purge; the
    oldest of the others falls due ``keep`` after its stamp."""
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(stamp <= cutoff),
            sa.func.min(stamp).filter(stamp > cutoff),
        )
        .select_from(model)
        .where(finished)
    ).one()
    due, oldest_kept = row
    return Upcoming(due or 0, _aware(oldest_kept) + keep if oldest_kept is not None else None)


def _aware(value: datetime | str) -> datetime:
    """An aggregate's instant in UTC, however the driver hands it back (SQLite may give a
    naive datetime, or text, when the column's type does not reach the aggregate)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def purge_everywhere(now: datetime | None = None) -> dict[int, PurgeCounts]:
    """Every practice's purge, each in its own scope and unit of work, so one practice's
    failure leaves the others' done (the nightly task)."""
    now = now or timeutil.utcnow()
    practice_ids = list(
        db.session.scalars(tenancy.across_practices(sa.select(Practice.id).order_by(Practice.id)))
    )
    results: dict[int, PurgeCounts] = {}
    for practice_id in practice_ids:
        try:
            with unit_of_work(), tenancy.practice_scope(practice_id):
                practice = db.session.get(Practice, practice_id)
                assert practice is not None
                results[practice_id] = purge_practice(practice, now)
        except Exception:
            log.exception("retention purge of practice %s failed", practice_id)
    return results
