"""The outbox engine: how a row written with the change that causes it leaves exactly once
where possible — claimed, sent, recorded, retried or given up on — for every kind of
outbox (emails in ``mail.py``, webhooks in ``webhook_delivery.py``).

A kind (``OutboxKind``) says only what differs: its model, the task that delivers it, its
settings and backoff, how a row's message is composed (``prepare``) and how it leaves
(``open_sender``). Everything else is here:

- **Claim.** A worker takes rows with a conditional UPDATE that re-checks, as it writes,
  that each row is still claimable, and stamps them with a claim token it then reads back,
  so two workers racing for a row (on SQLite too) never both get it. PostgreSQL also skips
  rows another transaction has locked instead of waiting for them.
- **Fair share.** A kind may cap how many rows of one practice live workers hold at once
  (``in_flight_setting``): claims and sweeps pass a practice at its cap by, leaving its
  rows waiting, so one practice's slow receivers cannot take every worker.
- **Commits.** The delivery services commit only here (``counselor/unit_of_work.py``), at
  three points: the claim, before anything is sent; what composing a message wrote (an
  email's links), before the message leaves; and each row's result, right after its
  attempt. A kind that composes per chunk (``prepare_chunk``: emails) commits what a
  claim's composing wrote once, before its first message leaves, and the claim's results
  in groups — every ``record_every_setting`` seconds while it sends, and after its last
  (``outbox_chunk.py``): a fast claim takes a constant number of statements.
- **Lease and reclaim.** A worker killed after its claim leaves the row ``sending``; once
  the kind's lease has run out, the row is claimable again and sent again. The only
  duplicate possible comes from that window — the other side accepted, our commit did not
  happen — and every reclaim is logged as such. (For a kind that composes per chunk,
  that window spans the sends since its last record: about one record interval.)
- **Retry or fail.** A temporary failure waits with exponential backoff and full jitter,
  then comes back through the kind's task (and, should that wake-up be lost, the beat's
  sweep of due rows), never before a moment the kind may name (``Outcome.retry``'s
  ``not_before``); after the kind's maximum attempts, or at a permanent refusal, the
  row is failed for good.
- **Later.** A row whose turn came at the wrong moment (an email inside the recipient's
  quiet hours) goes back to waiting until the moment the kind names; that was not an
  attempt, and the beat's sweep hands it over when it is due.

Claims and sweeps take rows by id or by state, whichever practice they belong to, and
say so (``tenancy.across_practices``); each row is then sent inside its own practice's
scope.
"""

from __future__ import annotations

import enum
import logging
import random
import secrets
import zlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

import sqlalchemy as sa
from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app
from sqlalchemy.orm.interfaces import LoaderOption

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import OutboxStatus
from counselor.models.mixins import OutboxMixin
from counselor.services.delivery import after_commit, outbox_chunk

log = logging.getLogger(__name__)

Row = TypeVar("Row", bound=OutboxMixin)
Message = TypeVar("Message")
SWEEP_CHUNKS = 10  # a sweep hands over at most this many tasks' worth of due rows
ERROR_LENGTH = 300  # the width of ``last_error``


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: after the n-th attempt, a random wait between
    nothing and ``base × factorⁿ⁻¹`` seconds, capped. Senders that failed together (a
    receiver or mail server was down) spread out instead of coming back all at once."""

    base_seconds: float
    factor: float
    cap_seconds: float

    def ceiling(self, attempts: int) -> float:
        return min(self.cap_seconds, self.base_seconds * self.factor ** max(0, attempts - 1))

    def delay(self, attempts: int) -> float:
        return random.uniform(0, self.ceiling(attempts))  # noqa: S311 - jitter, not security


class Verdict(enum.Enum):
    DONE = "done"  # the other side accepted it
    RETRY = "retry"  # worth another attempt later, while attempts remain
    FAIL = "fail"  # trying again will not help
    CANCEL = "cancel"  # no longer wanted now that its turn came
    LATER = "later"  # not now: wanted at ``not_before`` (not an attempt)


@dataclass(frozen=True)
class Outcome:
    """What one attempt at one row came to, told by the kind's ``prepare`` (nothing to send)
    or its sender."""

    verdict: Verdict
    error: str | None = None
    not_before: datetime | None = None  # for LATER; for RETRY, the earliest next attempt

    @classmethod
    def done(cls) -> Outcome:
        return cls(Verdict.DONE)

    @classmethod
    def retry(cls, error: str, not_before: datetime | None = None) -> Outcome:
        """Try again after the kind's backoff, and not before ``not_before`` if given."""
        return cls(Verdict.RETRY, error, not_before)

    @classmethod
    def fail(cls, error: str) -> Outcome:
        return cls(Verdict.FAIL, error)

    @classmethod
    def cancel(cls, reason: str) -> Outcome:
        return cls(Verdict.CANCEL, f"not sent: {reason}")

    @classmethod
    def later(cls, not_before: datetime, reason: str) -> Outcome:
        return cls(Verdict.LATER, reason, not_before)


@dataclass(frozen=True)
class OutboxKind(Generic[Row, Message]):
    """One kind of outbox row and what is particular to sending it."""

    model: type[Row]
    done_status: OutboxStatus  # what a row accepted by the other side is marked
    deliver_task: str  # the task that takes a list of ids (counselor/task_names.py)
    backoff: Backoff
    max_attempts_setting: str
    lease_setting: str  # seconds a claim holds a row before another worker may take it
    chunk_size: Callable[[], int]  # rows per task
    # The message for a row, composed at send time; or an Outcome when none should go.
    prepare: Callable[[Row], Message | Outcome]
    # A sender for one task's rows (e.g. one SMTP connection for the whole batch).
    open_sender: Callable[[], AbstractContextManager[Callable[[Row, Message], Outcome]]]
    describe: Callable[[Row], str]  # the row in a log line: no content, no address
    claim_size: int | None = None  # rows per claim; None claims a task's rows at once
    # The messages for a whole claim's rows at once, in the rows' order (a message, or an
    # Outcome when none should go): what composing wrote is then committed once before the
    # first message leaves, and the claim's results in groups (``record_every_setting``).
    # None: one row at a time (``prepare``), each result committed as soon as it is known.
    prepare_chunk: Callable[[list[Row]], list[Message | Outcome]] | None = None
    # For a kind that composes per chunk: the setting of the seconds between records of
    # a claim's results while it is sent (and once at the end), which bounds what a hard
    # kill sends twice. None: recorded only after the claim's last send.
    record_every_setting: str | None = None
    load_options: tuple[LoaderOption, ...] = ()  # for the claimed rows
    # The setting that caps one practice's rows in flight (claimed, lease live) across all
    # workers, so one practice's slow receiver cannot hold every worker: a practice at its
    # cap is skipped by claims and sweeps, its rows left waiting. None: no cap.
    in_flight_setting: str | None = None

    def lease(self) -> timedelta:
        return timedelta(seconds=current_app.config[self.lease_setting])

    def max_attempts(self) -> int:
        return current_app.config[self.max_attempts_setting]

    def in_flight_cap(self) -> int | None:
        return current_app.config[self.in_flight_setting] if self.in_flight_setting else None


@dataclass
class DeliveryReport:
    done: list[int] = field(default_factory=list)
    retry: list[tuple[int, float]] = field(default_factory=list)  # (id, seconds to wait)
    failed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    later: list[int] = field(default_factory=list)


# Handing rows to workers.


def hand_over(kind: OutboxKind, ids: list[int]) -> None:
    """Give these rows to workers once the current transaction commits (a rollback sends
    nothing), one task per ``chunk_size`` rows."""
    after_commit.batch_after_commit(kind.deliver_task, ids, kind.chunk_size())


def hand_over_due(kind: OutboxKind) -> int:
    """The beat's safety net: rows never handed to a worker (the broker was down), whose
    retry wake-up was lost, or left behind by a worker that died. Returns how many."""
    ids = due_ids(kind, limit=kind.chunk_size() * SWEEP_CHUNKS)
    hand_over(kind, ids)
    return len(ids)


def due_ids(kind: OutboxKind, limit: int) -> list[int]:
    """Pending rows whose time has come, and rows whose claim has expired, oldest first."""
    statement = _claimable(kind).with_only_columns(kind.model.id).limit(limit)
    return list(db.session.scalars(tenancy.across_practices(statement)))


# Claiming.


def claim(kind: OutboxKind[Row, Message], ids: list[int]) -> list[Row]:
    """Take those of these rows that are claimable for this worker; rows another worker
    holds, or that are not due yet, are left alone. Commits the claim."""
    model = kind.model
    candidates = (
        _claimable(kind)
        .with_only_columns(model.id, model.status, model.practice_id)
        .where(model.id.in_(ids))
    )
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    found = db.session.execute(tenancy.across_practices(candidates)).all()
    if kind.in_flight_cap() is not None:
        found = _within_in_flight_cap(kind, found)
    if not found:
        return []
    token = secrets.token_hex(16)
    db.session.execute(
        tenancy.across_practices(
            sa.update(model)
            .where(model.id.in_([row.id for row in found]), _claimable_condition(kind))
            .values(
                status=OutboxStatus.SENDING,
                claimed_at=timeutil.utcnow(),
                claim_token=token,
                attempts=model.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    claimed = list(
        db.session.scalars(
            tenancy.across_practices(
                sa.select(model)
                .where(model.claim_token == token)
                .order_by(model.id)
                .options(*kind.load_options)
                .execution_options(populate_existing=True)
            )
        )
    )
    abandoned = {row.id for row in found if row.status == OutboxStatus.SENDING}
    for row in claimed:
        if row.id in abandoned:
            log.warning(
                "%s reclaimed after its worker stopped; it may arrive twice", kind.describe(row)
            )
    return claimed


def _claimable_condition(kind: OutboxKind) -> sa.ColumnElement[bool]:
    model, now = kind.model, timeutil.utcnow()
    condition = sa.or_(
        sa.and_(
            model.status == OutboxStatus.PENDING,
            sa.or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
        ),
        sa.and_(model.status == OutboxStatus.SENDING, model.claimed_at < now - kind.lease()),
    )
    cap = kind.in_flight_cap()
    if cap is None:
        return condition
    at_cap = _held_per_practice(kind).having(sa.func.count() >= cap).subquery()
    return sa.and_(condition, model.practice_id.not_in(sa.select(at_cap.c.practice_id)))


def _held_per_practice(kind: OutboxKind) -> sa.Select:
    """Per practice, how many of its rows live workers hold: claimed, lease not run out."""
    held = sa.orm.aliased(kind.model)
    return (
        sa.select(held.practice_id, sa.func.count().label("held"))
        .where(
            held.status == OutboxStatus.SENDING,
            held.claimed_at >= timeutil.utcnow() - kind.lease(),
        )
        .group_by(held.practice_id)
    )


def _within_in_flight_cap(
    kind: OutboxKind, found: Sequence[sa.Row[int, OutboxStatus, int]]
) -> list[sa.Row[int, OutboxStatus, int]]:
    """The candidates that fit under their practice's cap, oldest first. On PostgreSQL the
    practices are locked first (until the claim commits), so two workers never both take
    a practice's last free place; on SQLite writers take turns anyway, and the claim's
    UPDATE checks the cap again as it writes."""
    practices = sorted({row.practice_id for row in found})
    if db.engine.dialect.name == "postgresql":
        namespace = zlib.crc32(kind.model.__tablename__.encode()) & 0x7FFFFFFF
        for practice_id in practices:
            db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(namespace, practice_id)))
    held = _held_per_practice(kind).subquery()
    counts: dict[int, int] = {
        practice_id: number
        for practice_id, number in db.session.execute(
            tenancy.across_practices(
                sa.select(held.c.practice_id, held.c.held).where(held.c.practice_id.in_(practices))
            )
        )
    }
    cap, kept = kind.in_flight_cap() or 0, []
    for row in found:
        if counts.get(row.practice_id, 0) < cap:
            counts[row.practice_id] = counts.get(row.practice_id, 0) + 1
            kept.append(row)
    return kept


def _claimable(kind: OutboxKind) -> sa.Select:
    return sa.select(kind.model).where(_claimable_condition(kind)).order_by(kind.model.id)


# Sending and recording.


def deliver(kind: OutboxKind, ids: list[int]) -> DeliveryReport:
    """Claim these rows and attempt each once, recording every result as soon as it is
    known. Rows already sent, held by another worker or not due are skipped."""
    report = DeliveryReport()
    wanted = list(dict.fromkeys(ids))
    per_claim = kind.claim_size or max(1, len(wanted))
    with kind.open_sender() as send:
        for start in range(0, len(wanted), per_claim):
            # Claimed as late as possible: a slow attempt never eats another row's lease.
            claimed = claim(kind, wanted[start : start + per_claim])
            if kind.prepare_chunk is not None:
                outbox_chunk.attempt_chunk(kind, claimed, send, report)
                continue
            for position, row in enumerate(claimed):
                try:
                    _attempt(kind, row, send, report)
                except SoftTimeLimitExceeded:
                    outbox_chunk.give_back(claimed[position + 1 :])
                    raise
    return report


def _attempt(
    kind: OutboxKind[Row, Message],
    row: Row,
    send: Callable[[Row, Message], Outcome],
    report: DeliveryReport,
) -> None:
    with tenancy.practice_scope(row.practice_id):
        try:
            prepared = kind.prepare(row)
            if isinstance(prepared, Outcome):
                outcome = prepared
            else:
                db.session.commit()  # what composing wrote exists before the message leaves
                outcome = send(row, prepared)
        except SoftTimeLimitExceeded:
            # The task's time is up (a receiver that never finishes answering): this
            # attempt failed and is retried like any other; the task then ends.
            db.session.rollback()
            record(kind, row, Outcome.retry("stopped at the task's time limit"), report)
            db.session.commit()
            raise
        except Exception:  # a bug with one row must not stop the rest of the batch
            log.exception("%s could not be attempted", kind.describe(row))
            db.session.rollback()
            outcome = Outcome.retry("internal error")
        record(kind, row, outcome, report)
        db.session.commit()


def record(kind: OutboxKind, row: OutboxMixin, outcome: Outcome, report: DeliveryReport) -> None:
    """Write what an attempt came to; the row's claim ends with it."""
    row.claim_token = None
    error = (outcome.error or "")[:ERROR_LENGTH] or None
    match outcome.verdict:
        case Verdict.DONE:
            row.status, row.last_error = kind.done_status, None
            report.done.append(row.id)
        case Verdict.CANCEL:
            row.status, row.last_error = OutboxStatus.CANCELLED, error
            report.cancelled.append(row.id)
        case Verdict.LATER:
            # Not an attempt: its claim counted one, given back. No wake-up task; the
            # sweep hands the row over once ``not_before`` has come.
            row.status, row.next_attempt_at = OutboxStatus.PENDING, outcome.not_before
            row.attempts = max(0, row.attempts - 1)
            log.info("%s waits until %s: %s", kind.describe(row), outcome.not_before, error)
            report.later.append(row.id)
        case Verdict.FAIL:
            log.warning("%s failed: %s", kind.describe(row), error)
            _fail(row, error, report)
        case Verdict.RETRY if row.attempts >= kind.max_attempts():
            log.warning("%s failed after %d attempts: %s", kind.describe(row), row.attempts, error)
            _fail(row, error, report)
        case Verdict.RETRY:
            delay = kind.backoff.delay(row.attempts)
            if outcome.not_before is not None:
                delay = max(delay, (outcome.not_before - timeutil.utcnow()).total_seconds())
            row.status, row.last_error = OutboxStatus.PENDING, error
            row.next_attempt_at = timeutil.utcnow() + timedelta(seconds=delay)
            report.retry.append((row.id, delay))
            # Wakes a worker when the row is due; the sweep is the backstop if it is lost.
            after_commit.send_after_commit(kind.deliver_task, [row.id], countdown=delay)


def _fail(row: OutboxMixin, error: str | None, report: DeliveryReport) -> None:
    """Give a row up for good: it is shown as failed and never attempted again."""
    row.status, row.last_error = OutboxStatus.FAILED, error
    report.failed.append(row.id)
