"""The email outbox: rows written with the change that causes them, sent by workers.

What is particular to email; claiming, leases, retries and giving up are the outbox
engine's (``outbox.py``). A task's rows go over one SMTP connection (or into .eml files
when no server is set), each message composed at send time with a ``Message-ID`` that
stays the same on every attempt, so a receiving server can drop the rare duplicate of a
row reclaimed after its worker died. An email no longer wanted when its turn comes (the
partner stopped emails, the couple paused) is cancelled, not sent; one whose moment has
fallen inside the partner's quiet hours (a retry, a worker that came late) waits for their
next allowed hour, or, for a reminder, is dropped — tomorrow's planner decides afresh.

Each message comes from the practice: its name on the configured sender address, its
reply-to address when it has one, and a ``Message-ID`` on the domain of PUBLIC_BASE_URL.
The worker logs one line per email naming it by ids only (email, kind, partner or
counselor, couple): never an address, a name or any text of the message.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import lru_cache
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from counselor import task_names, tenancy, timeutil
from counselor.extensions import db
from counselor.log_redaction import LINK_LOGGER
from counselor.models import Counselor, EmailKind, OutboxEmail, OutboxStatus, Partner
from counselor.services.delivery import email_content, outbox, partner_emails, quiet_hours
from counselor.services.delivery.mime import Outgoing
from counselor.services.delivery.outbox import Backoff, OutboxKind, Outcome
from counselor.services.delivery.smtp import (
    PermanentFailure,
    TemporaryFailure,
    Transport,
    open_transport,
)

log = logging.getLogger(__name__)
# The one logger that may print a partner's link (log_redaction redacts them elsewhere),
# and only in outbox mode.
link_log = logging.getLogger(LINK_LOGGER)

INSERT_CHUNK = 1000


def queue_email(
    partner: Partner, kind: EmailKind, *, not_before: datetime | None = None
) -> OutboxEmail:
    """Add an email to the outbox in the current transaction. A worker sends it after
    commit; or, with ``not_before`` in the future, beat's sweep hands it over once that
    moment has come (nothing is handed over now, so nothing can leave early)."""
    email = OutboxEmail(
        practice_id=partner.couple.practice_id,
        partner_id=partner.id,
        kind=kind,
        next_attempt_at=not_before,
    )
    db.session.add(email)
    db.session.flush()
    if not_before is None or not_before <= timeutil.utcnow():
        outbox.hand_over(EMAILS, [email.id])
    return email


def queue_counselor_email(counselor: Counselor, kind: EmailKind) -> OutboxEmail:
    """An email to a counselor (a password reset link, an invitation), in the current
    transaction; a worker sends it as soon as the transaction commits. Counselors' emails
    keep no quiet hours, and these are awaited."""
    email = OutboxEmail(practice_id=counselor.practice_id, counselor_id=counselor.id, kind=kind)
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


def _prepare(email: OutboxEmail) -> Outgoing | Outcome:
    """One email alone (a claim's emails go through ``_prepare_chunk``)."""
    reason = email_content.reason_not_to_send(email)  # things may have changed since
    if reason is not None:
        return Outcome.cancel(reason)
    waiting = _quiet_hours_outcome(email)
    if waiting is not None:
        return waiting
    return message_for(email, email_content.compose(email))


def _prepare_chunk(emails: list[OutboxEmail]) -> list[Outgoing | Outcome]:
    """A claim's emails, composed together: its partner emails from rows loaded once for
    the claim (``partner_emails.PartnerEmails``) — checked as they stand now, each in its
    partner's language — and their links written in one statement, which the engine
    commits before the first email leaves. A counselor's email (rare in a claim) is
    composed alone in its practice's scope, what it writes kept apart (a savepoint) so
    that a failure takes back only its own. An email that cannot be composed is retried;
    the rest of the claim goes on."""
    to_partners = [e for e in emails if e.partner_id is not None]
    chunk = partner_emails.PartnerEmails.load(to_partners) if to_partners else None
    prepared: list[Outgoing | Outcome] = []
    for email in emails:
        try:
            if chunk is not None and email.partner_id is not None:
                prepared.append(_prepare_partner_email(email, chunk))
                continue
            with tenancy.practice_scope(email.practice_id), db.session.begin_nested():
                prepared.append(_prepare(email))
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # a bug with one email must not stop the rest of the claim
            log.exception("%s could not be composed", describe(email))
            prepared.append(Outcome.retry("internal error"))
    if chunk is not None:
        chunk.save_links()
    return prepared


def _prepare_partner_email(
    email: OutboxEmail, chunk: partner_emails.PartnerEmails
) -> Outgoing | Outcome:
    reason = partner_emails.partner_reason(email, chunk.partner(email))
    if reason is not None:
        return Outcome.cancel(reason)
    waiting = _quiet_hours_outcome(email)
    if waiting is not None:
        return waiting
    return message_for(email, chunk.compose(email))


def _quiet_hours_outcome(email: OutboxEmail) -> Outcome | None:
    """Checked at send time, for a partner's email: its moment may have slipped into their
    quiet hours (a retry's backoff, a worker that was down, an email queued a second before
    quiet hours began). A reminder is then dropped; a new step or a link waits for the next
    allowed hour. A *send now* email — queued with no moment of its own: the counselor's
    tick, or a link the partner asked for — goes whatever the hour, until the mail server
    turns it away: its retry has a moment, and waits like any other."""
    partner = email.partner
    now = timeutil.utcnow()
    if partner is None or not quiet_hours.in_quiet_hours(partner, now):
        return None
    if email.kind == EmailKind.REMINDER:
        return Outcome.cancel("quiet hours began before it could be sent")
    if email.next_attempt_at is None:
        return None  # send now
    return Outcome.later(
        quiet_hours.next_allowed_moment(partner, now),
        "waiting for the partner's quiet hours to end",
    )


@contextmanager
def _open_sender() -> Iterator[Callable[[OutboxEmail, Outgoing], Outcome]]:
    """One SMTP connection (or one folder of .eml files) for all of a task's emails."""
    with open_transport(current_app.config) as transport:
        yield lambda email, message: _send(transport, email, message)


def _send(transport: Transport, email: OutboxEmail, message: Outgoing) -> Outcome:
    try:
        transport.send(message, name=f"outbox-{email.id}")
    except TemporaryFailure as error:
        return Outcome.retry(str(error))
    except PermanentFailure as error:
        return Outcome.fail(str(error))
    email.sent_at = timeutil.utcnow()
    log.info("%s sent", describe(email))
    return Outcome.done()


def describe(email: OutboxEmail) -> str:
    """An email in a log line: ids only — whom it is for, never an address, name or text."""
    if email.partner is not None:
        whom = f"partner {email.partner_id} (couple {email.partner.couple_id})"
    else:
        whom = f"counselor {email.counselor_id}"
    return f"email {email.id} ({email.kind.value}) for {whom}"


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
    prepare_chunk=_prepare_chunk,
    # A claim's results are recorded this often while it is sent (outbox_chunk.py).
    record_every_setting="MAIL_RECORD_EVERY_SECONDS",
    open_sender=_open_sender,
    describe=describe,
    load_options=(joinedload(OutboxEmail.partner),),
)


def build_message(email: OutboxEmail) -> EmailMessage:
    """The finished message for an outbox row as its receiver reads it (its bytes parsed);
    its content is composed now, at send time."""
    return message_for(email, email_content.compose(email)).as_message()


def message_for(email: OutboxEmail, content: email_content.Content) -> Outgoing:
    """The message that carries ``content`` for this outbox row."""
    config = current_app.config
    headers = [
        ("Subject", content.subject),
        ("From", sender(content.sender_name)),
        ("To", content.to),
    ]
    reply_to = _address_or_none(content.reply_to)
    if reply_to is not None:
        headers.append(("Reply-To", reply_to))
    headers += [
        ("Date", formatdate(localtime=False)),
        ("Message-ID", stable_message_id(email.id)),
    ]
    if content.unsubscribe_url:
        headers += [
            ("List-Unsubscribe", f"<{content.unsubscribe_url}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
    headers.append(("Auto-Submitted", "auto-generated"))
    message = Outgoing.build(headers, content.text, content.html)
    if not config.get("MAIL_SERVER") and content.link:
        # Outbox mode, no mail server (make run): the link is the way in, so the worker
        # shows it. With a mail server, links travel only in the emails.
        link_log.info("link in %s: %s", describe(email), content.link)
    return message


def sender(display_name: str | None) -> str:
    """The practice's name on the configured sender address (MAIL_DEFAULT_SENDER's own
    name when an email has no practice's to give), as the From header's value."""
    return _sender(display_name, current_app.config["MAIL_DEFAULT_SENDER"])


@lru_cache(maxsize=1024)
def _sender(display_name: str | None, default_sender: str) -> str:
    default_name, address = parseaddr(default_sender)
    name = " ".join((display_name or default_name).split())  # no line breaks in a header
    return str(Address(display_name=name, addr_spec=address))


def _address_or_none(address: str | None) -> str | None:
    """A practice's reply-to address as a header value; one that does not parse is left
    out (and logged without itself) rather than holding every email of the practice back."""
    if not address:
        return None
    parsed = _parsed_address(address.strip())
    if parsed is None:
        log.warning("a practice's reply-to address does not parse; emails go without it")
    return parsed


@lru_cache(maxsize=1024)
def _parsed_address(address: str) -> str | None:
    try:
        return str(Address(addr_spec=address))
    except (ValueError, IndexError, MessageError):
        return None


def stable_message_id(outbox_id: int) -> str:
    """The same Message-ID on every attempt, so a receiving server can drop a duplicate; on
    the domain of PUBLIC_BASE_URL, the service's own address."""
    domain = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    salt = hashlib.sha256(f"{current_app.config['SECRET_KEY']}:{outbox_id}".encode()).hexdigest()
    return f"<outbox-{outbox_id}.{salt[:12]}@{domain}>"
