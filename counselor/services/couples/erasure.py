"""Erasing a couple's client text, on request (*Erase couple*) or by the retention purge.

``erase_couple`` removes what identifies the couple or what they wrote, keeps the
figures the practice counts, and closes the couple for good:

- removed: the partners' names (now "Partner 1"/"Partner 2") and email addresses (now an
  address at the reserved ``.invalid`` domain, so no mail can ever go), the couple's label
  (now "Erased couple #id") and external id, the sessions' external ids, agendas and
  notes, every reflection, the notes of the leaned-on partner's acknowledgements, the
  words of every reply to a reflection (the partner's and the counselor's: the body is
  required, so it becomes ""), the steps' own titles and instructions with their
  translations (a step from the ladder keeps the ladder's title: the practice's when given
  in the practice's text), the report PDFs (files deleted, ``file_purged_at``
  set) and the mail outbox's ``.eml`` copies of the couple's emails;
- stopped: every link (revoked), pending emails and webhook deliveries about the couple
  (cancelled), reports still being made (failed, so no new PDF is written);
- kept: the assignments, check-ins with their dates and ratings, acknowledgements' answers
  (noticed, felt valued, shared or not) and replies' rows (kind, author, dates), the weekly
  check-in's 1–5 answers (figures, like the comfort ratings: the words rated are the
  ladder's, not the couple's), sessions' times, progress snapshots and the reminder
  figures, reports' rows and the email and webhook history (kind, status, dates), and
  the audit trail, which holds ids only.

An erased couple is closed with ``erased_at`` set; reopening, editing, new homework,
links and emails are refused (``couples.refuse_if_erased`` and the closed status). It can't
be undone. Erasing again changes nothing and answers the same.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Acknowledgement,
    Assignment,
    CheckIn,
    Couple,
    CoupleSession,
    CoupleStatus,
    OutboxEmail,
    OutboxStatus,
    ReflectionReply,
    Report,
    ReportStatus,
    WebhookDelivery,
)
from counselor.services.audit import Actor, record_event
from counselor.services.couples.export import emails_of, webhook_deliveries_of
from counselor.services.couples.links import revoke_links
from counselor.services.homework import step_origin
from counselor.services.reports.pre_session import reports_dir

log = logging.getLogger(__name__)

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: .invalid never resolves, so nothing is sent
CANCELLED_REASON = "the couple's data was erased"
GENERIC_STEP_TITLE = "Step"


@dataclass(frozen=True)
class Erasure:
    couple_id: int
    erased_at: datetime
    already_erased: bool  # erased before: nothing was changed this time


def erased_label(couple_id: int) -> str:
    return f"Erased couple #{couple_id}"


def erased_email(partner_id: int) -> str:
    return f"partner-{partner_id}@{ERASED_DOMAIN}"


def erase_couple(actor: Actor, couple: Couple) -> Erasure:
    """Erase ``couple`` (loaded by the edge in the actor's scope) in the caller's unit of
    work; audited as ``couple.erase``. The report and ``.eml`` files go once the change is
    flushed: if the transaction then fails, the rows still say a file exists that does
    not, which a report's download answers with "generate it again" — never the reverse,
    client text left behind rows that say it is gone."""
    if couple.erased_at is not None:
        return Erasure(couple.id, couple.erased_at, already_erased=True)
    now = timeutil.utcnow()
    assignment_ids = sa.select(Assignment.id).where(Assignment.couple_id == couple.id)
    checkin_ids = sa.select(CheckIn.id).where(CheckIn.assignment_id.in_(assignment_ids))
    email_ids = list(db.session.scalars(sa.select(OutboxEmail.id).where(emails_of(couple.id))))

    for partner in couple.partners:
        partner.first_name = f"Partner {partner.position}"
        partner.email = erased_email(partner.id)
        partner.snoozed_until = None
        partner.unsubscribed_at = partner.unsubscribed_at or now
    couple.label = erased_label(couple.id)
    couple.external_id = None
    couple.status = CoupleStatus.CLOSED
    couple.closed_at = couple.closed_at or now
    couple.erased_at = now
    _execute(
        sa.update(CheckIn)
        .where(CheckIn.assignment_id.in_(assignment_ids))
        .values(
            reflection=None,
            # A key a host system chose may carry text of its own: ids only from now on.
            idempotency_key=sa.literal("erased-") + sa.cast(CheckIn.id, sa.String),
        )
    )
    _execute(
        sa.update(Acknowledgement)
        .where(Acknowledgement.checkin_id.in_(checkin_ids))
        .values(note=None)
    )
    # The body is required (a reply is its words); erased, it is empty, its row kept.
    _execute(
        sa.update(ReflectionReply).where(ReflectionReply.couple_id == couple.id).values(body="")
    )
    # A step keeps the title of the ladder step it was given from (the practice's, when it
    # was given in the practice's text, else the shipped one's): the ladder's words, not
    # the couple's. Its instructions go, and so do their translations (the instructions
    # in full, in other languages).
    _execute(
        sa.update(Assignment)
        .where(Assignment.couple_id == couple.id)
        .values(
            title=sa.func.coalesce(step_origin.ladder_title_sql(), GENERIC_STEP_TITLE),
            instructions="",
            translations=sa.null(),  # SQL NULL, as for a step given without any
            words_from_ladder=False,
        )
    )
    _execute(
        sa.update(CoupleSession)
        .where(CoupleSession.couple_id == couple.id)
        .values(external_id=None, agenda=None, notes=None)
    )
    # A stamp of its own, so that undoing an earlier *Revoke links* never restores these.
    revoke_links([partner.id for partner in couple.partners])
    _execute(
        sa.update(OutboxEmail)
        .where(emails_of(couple.id), OutboxEmail.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, last_error=CANCELLED_REASON)
    )
    _execute(
        sa.update(WebhookDelivery)
        .where(webhook_deliveries_of(couple.id), WebhookDelivery.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, last_error=CANCELLED_REASON)
    )
    _execute(
        sa.update(Report)
        .where(Report.couple_id == couple.id, Report.status == ReportStatus.PENDING)
        .values(status=ReportStatus.FAILED, error=CANCELLED_REASON)
    )
    _execute(
        sa.update(Report)
        .where(Report.couple_id == couple.id, Report.file_name.is_not(None))
        .values(file_purged_at=sa.func.coalesce(Report.file_purged_at, now))
    )
    record_event(actor, "couple.erase", "couple", couple.id)
    db.session.flush()
    # Read after the reports' UPDATEs: a render finishing meanwhile has committed its file
    # by then (its claim held the row), so that PDF goes too.
    report_files = db.session.execute(
        sa.select(Report.practice_id, Report.file_name).where(
            Report.couple_id == couple.id, Report.file_name.is_not(None)
        )
    ).all()
    delete_report_files(report_files)
    delete_outbox_copies(email_ids)
    log.info("couple %s erased", couple.id)
    return Erasure(couple.id, now, already_erased=False)


def delete_report_files(files: Iterable[tuple[int, str | None]]) -> int:
    """Delete report PDFs by (practice id, file name); a file already gone is fine."""
    folder = reports_dir()
    deleted = 0
    for practice_id, name in files:
        if not name:
            continue
        path = folder / str(practice_id) / name
        if path.exists():
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def delete_outbox_copies(email_ids: list[int]) -> None:
    """The mail outbox's ``.eml`` files of these emails (outbox mode writes one per email,
    ``outbox-<id>.eml``, in MAIL_OUTBOX_DIR). They are this service's copies, so they go;
    an email a mail server accepted is a copy outside the service's reach."""
    folder = current_app.config.get("MAIL_OUTBOX_DIR")
    if not folder:
        return
    for email_id in email_ids:
        (Path(folder) / f"outbox-{email_id}.eml").unlink(missing_ok=True)


def _execute(statement: sa.Update) -> None:
    # Rows the couple's objects already hold are refreshed after, not overwritten later.
    db.session.execute(statement, execution_options={"synchronize_session": "fetch"})
