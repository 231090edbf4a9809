"""The email outbox: rows written with the change that causes them, sent by workers.

Exactly once where possible: a row is claimed (status ``sending`` with a claim
token) before it is sent and marked ``sent`` right after the server accepts it.
A worker killed between the two leaves the row ``sending``; once its lease runs
out the row is claimed again and sent again. That window — after the SMTP server
accepted, before our commit — is the only place a duplicate can come from, and
every reclaim is logged.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from counselor import task_names, timeutil
from counselor.extensions import db
from counselor.models import (
    EmailKind,
    EmailStatus,
    OutboxEmail,
    Partner,
)
from counselor.services.delivery import after_commit, email_content
from counselor.services.delivery.smtp import PermanentFailure, TemporaryFailure, open_transport

log = logging.getLogger(__name__)

INSERT_CHUNK = 1000


def queue_email(partner: Partner, kind: EmailKind) -> OutboxEmail:
    """Add an email to the outbox in the current transaction; a worker sends it after commit."""
    email = OutboxEmail(practice_id=partner.couple.practice_id, partner_id=partner.id, kind=kind)
    db.session.add(email)
    db.session.flush()
    enqueue_after_commit([email.id])
    return email


def insert_planned_emails(rows: list[dict]) -> list[int]:
    """Insert outbox rows that carry a ``dedupe_key``; a key already taken (by a second
    planner, a second beat, a retry) is skipped by the database, never duplicated.
    Returns the ids actually inserted, handed to workers after commit."""
    if not rows:
        return []
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    ids: list[int] = []
    for start in range(0, len(rows), INSERT_CHUNK):  # stays under SQLite's variable limit
        statement = (
            insert(OutboxEmail)
            .values(rows[start : start + INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxEmail.id)
        )
        ids.extend(db.session.scalars(statement))
    enqueue_after_commit(ids)
    return ids


def enqueue_after_commit(email_ids: list[int]) -> None:
    """Hand these outbox rows to workers once the current transaction commits, in chunks:
    one task, and so one SMTP connection, per MAIL_BATCH_SIZE emails."""
    after_commit.batch_after_commit(
        task_names.DELIVER_EMAILS, email_ids, current_app.config["MAIL_BATCH_SIZE"]
    )


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retry: list[tuple[int, float]] = field(default_factory=list)  # (id, seconds to wait)
    failed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    connections_opened: int = 0


def due_email_ids(limit: int) -> list[int]:
    """Pending rows whose time has come, and rows a dead worker left behind."""
    return list(db.session.scalars(_claimable().with_only_columns(OutboxEmail.id).limit(limit)))


def claim_lease() -> timedelta:
    """How long a worker may hold a row before another may take it (it died, we assume)."""
    return timedelta(seconds=current_app.config["MAIL_CLAIM_LEASE_SECONDS"])


def _claimable_condition() -> sa.ColumnElement[bool]:
    now = timeutil.utcnow()
    return sa.or_(
        sa.and_(
            OutboxEmail.status == EmailStatus.PENDING,
            sa.or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now),
        ),
        sa.and_(
            OutboxEmail.status == EmailStatus.SENDING,
            OutboxEmail.claimed_at < now - claim_lease(),
        ),
    )


def _claimable() -> sa.Select:
    return sa.select(OutboxEmail).where(_claimable_condition()).order_by(OutboxEmail.id)


def claim_emails(ids: list[int]) -> list[OutboxEmail]:
    """Take these rows for this worker; rows another worker holds are left alone.

    The UPDATE re-checks that each row is still claimable when it writes, so two
    workers racing for the same rows (on SQLite too) never both get one.
    PostgreSQL skips rows another transaction has locked instead of waiting.
    """
    candidates = (
        _claimable()
        .with_only_columns(OutboxEmail.id, OutboxEmail.status)
        .where(OutboxEmail.id.in_(ids))
    )
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    found = db.session.execute(candidates).all()
    if not found:
        db.session.commit()
        return []
    token = secrets.token_hex(16)
    db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id.in_([row.id for row in found]), _claimable_condition())
        .values(
            status=EmailStatus.SENDING,
            claimed_at=timeutil.utcnow(),
            claim_token=token,
            attempts=OutboxEmail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    claimed = list(
        db.session.scalars(
            sa.select(OutboxEmail)
            .where(OutboxEmail.claim_token == token)
            .order_by(OutboxEmail.id)
            .execution_options(populate_existing=True)
        )
    )
    stale = {row.id for row in found if row.status == EmailStatus.SENDING}
    for email in claimed:
        if email.id in stale:
            log.warning(
                "email %s reclaimed after its worker stopped; it may arrive twice", email.id
            )
    return claimed


def deliver_emails(ids: list[int], retry_delay: Callable[[int], float]) -> DeliveryReport:
    """Send these outbox rows over one connection. ``retry_delay(attempts)`` gives the
    seconds to wait after a temporary failure (the task owns that policy)."""
    report = DeliveryReport()
    emails = claim_emails(ids)
    if not emails:
        return report
    config = current_app.config
    with open_transport(config) as transport:
        for email in emails:
            reason = email_content.reason_not_to_send(email)
            if reason is not None:
                email.status, email.last_error = EmailStatus.CANCELLED, f"not sent: {reason}"
                report.cancelled.append(email.id)
                db.session.commit()
                continue
            try:
                message = build_message(email)
                transport.send(message, name=f"outbox-{email.id}")
            except TemporaryFailure as error:
                _after_temporary_failure(email, str(error), retry_delay, report)
            except PermanentFailure as error:
                email.status, email.last_error = EmailStatus.FAILED, str(error)[:300]
                report.failed.append(email.id)
                log.warning("email %s failed permanently: %s", email.id, error)
            except Exception:  # a bug with one email must not stop the rest of the batch
                log.exception("email %s could not be built or sent", email.id)
                db.session.rollback()
                _after_temporary_failure(email, "internal error", retry_delay, report)
            else:
                email.status, email.sent_at, email.last_error = (
                    EmailStatus.SENT,
                    timeutil.utcnow(),
                    None,
                )
                report.sent.append(email.id)
            db.session.commit()
        report.connections_opened = transport.connections_opened
    return report


def _after_temporary_failure(
    email: OutboxEmail, error: str, retry_delay: Callable[[int], float], report: DeliveryReport
) -> None:
    email.last_error = error[:300]
    if email.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        email.status = EmailStatus.FAILED
        report.failed.append(email.id)
        log.warning("email %s failed after %d attempts: %s", email.id, email.attempts, error)
        return
    delay = retry_delay(email.attempts)
    email.status = EmailStatus.PENDING
    email.next_attempt_at = timeutil.utcnow() + timedelta(seconds=delay)
    report.retry.append((email.id, delay))


def build_message(email: OutboxEmail) -> EmailMessage:
    """The finished message for an outbox row; its content is composed now, at send time."""
    content = email_content.compose(email)
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = content.subject
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = content.to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = stable_message_id(email.id)
    if content.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{content.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(content.text)
    message.add_alternative(content.html, subtype="html")
    if not config.get("MAIL_SERVER") and content.link:
        log.info("link in email %s: %s", email.id, content.link)
    return message


def stable_message_id(outbox_id: int) -> str:
    """The same Message-ID on every attempt, so a receiving server can drop a duplicate."""
    sender_domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip("> ")
    salt = hashlib.sha256(f"{current_app.config['SECRET_KEY']}:{outbox_id}".encode()).hexdigest()
    return f"<outbox-{outbox_id}.{salt[:12]}@{sender_domain or 'localhost'}>"
