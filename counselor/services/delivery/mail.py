"""The email outbox: rows written with the change that causes them, sent by workers.

What is particular to email; claiming, leases, retries and giving up are the outbox
engine's (``outbox.py``). A task's rows go over one SMTP connection (or into .eml files
when no server is set), each message composed at send time with a ``Message-ID`` that
stays the same on every attempt, so a receiving server can drop the rare duplicate of a
row reclaimed after its worker died. An email no longer wanted when its turn comes (the
partner stopped emails, the couple paused) is cancelled, not sent.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from counselor import task_names, timeutil
from counselor.extensions import db
from counselor.models import EmailKind, OutboxEmail, OutboxStatus, Partner
from counselor.services.delivery import email_content, outbox
from counselor.services.delivery.outbox import Backoff, OutboxKind, Outcome
from counselor.services.delivery.smtp import (
    PermanentFailure,
    TemporaryFailure,
    Transport,
    open_transport,
)

log = logging.getLogger(__name__)

INSERT_CHUNK = 1000


def queue_email(partner: Partner, kind: EmailKind) -> OutboxEmail:
    """Add an email to the outbox in the current transaction; a worker sends it after commit."""
    email = OutboxEmail(practice_id=partner.couple.practice_id, partner_id=partner.id, kind=kind)
    db.session.add(email)
    db.session.flush()
    outbox.hand_over(EMAILS, [email.id])
    return email


def insert_planned_emails(rows: list[dict]) -> list[int]:
    """Insert outbox rows that carry a ``dedupe_key``; a key already taken (by a second
    planner, a second beat, a retry) is skipped by the database, never duplicated.
    Each row names its email (practice, recipient, kind, key); the outbox's own columns
    start as for any new email. Returns the ids actually inserted, handed to workers
    after commit."""
    if not rows:
        return []
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    fresh = {"status": OutboxStatus.PENDING, "attempts": 0, "created_at": timeutil.utcnow()}
    rows = [{**fresh, **row} for row in rows]
    ids: list[int] = []
    for start in range(0, len(rows), INSERT_CHUNK):  # stays under SQLite's variable limit
        statement = (
            insert(OutboxEmail)
            .values(rows[start : start + INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxEmail.id)
        )
        ids.extend(db.session.scalars(statement))
    outbox.hand_over(EMAILS, ids)
    return ids


def _prepare(email: OutboxEmail) -> EmailMessage | Outcome:
    reason = email_content.reason_not_to_send(email)  # things may have changed since
    if reason is not None:
        return Outcome.cancel(reason)
    return build_message(email)


@contextmanager
def _open_sender() -> Iterator[Callable[[OutboxEmail, EmailMessage], Outcome]]:
    """One SMTP connection (or one folder of .eml files) for all of a task's emails."""
    with open_transport(current_app.config) as transport:
        yield lambda email, message: _send(transport, email, message)


def _send(transport: Transport, email: OutboxEmail, message: EmailMessage) -> Outcome:
    try:
        transport.send(message, name=f"outbox-{email.id}")
    except TemporaryFailure as error:
        return Outcome.retry(str(error))
    except PermanentFailure as error:
        return Outcome.fail(str(error))
    email.sent_at = timeutil.utcnow()
    return Outcome.done()


EMAILS = OutboxKind(
    model=OutboxEmail,
    done_status=OutboxStatus.SENT,
    deliver_task=task_names.DELIVER_EMAILS,
    # Up to 30 s, 1, 2, 4 … minutes, at most an hour: a mail server's greylisting or a
    # brief outage clears within the first few attempts.
    backoff=Backoff(base_seconds=30, factor=2, cap_seconds=3600),
    max_attempts_setting="MAIL_MAX_ATTEMPTS",
    lease_setting="MAIL_CLAIM_LEASE_SECONDS",
    # One task, and so one SMTP connection, per MAIL_BATCH_SIZE emails.
    chunk_size=lambda: current_app.config["MAIL_BATCH_SIZE"],
    prepare=_prepare,
    open_sender=_open_sender,
    describe=lambda email: f"email {email.id}",
)


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
