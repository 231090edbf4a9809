"""The outbox engine's attempt at a whole claim at once, for a kind that composes per
chunk (``OutboxKind.prepare_chunk``: emails): compose the claim's messages together,
commit what composing wrote once before the first message leaves, send each, and record
the results in a constant number of statements.

Results are recorded as they come, in groups: whenever the kind's record interval
(``record_every_setting``, e.g. MAIL_RECORD_EVERY_SECONDS) has passed since the last
record, and once at the end. A fast claim is so still one UPDATE executemany and one
COMMIT; a slow or hanging receiver loses at most about one interval of sends to a hard
kill (they are sent again, as reclaims, once the lease has run out). At the task's soft
limit — while composing, committing, sending or recording — what was sent is recorded,
the row under way is retried, and the rest are given back: the claim is never left
``sending``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from time import monotonic

from celery.exceptions import SoftTimeLimitExceeded
from flask import current_app

from counselor import tenancy
from counselor.extensions import db
from counselor.models import OutboxStatus
from counselor.models.mixins import OutboxMixin
from counselor.services.delivery import outbox

log = logging.getLogger(__name__)


class _Results:
    """A claim's outcomes so far, and how many of them are recorded and committed. Each
    record's report entries join the task's report only once its commit has happened, so
    a record taken back and done again is counted once."""

    def __init__(
        self, kind: outbox.OutboxKind, rows: list[OutboxMixin], report: outbox.DeliveryReport
    ) -> None:
        self.kind, self.rows, self.report = kind, rows, report
        self.outcomes: list[outbox.Outcome] = []
        self.recorded = 0
        self.recording = False  # a record's writes are under way, not yet committed

    def record(self, *, keep_rows: bool) -> None:
        """Record and commit the outcomes not recorded yet (nothing at all, when none)."""
        count = len(self.outcomes)
        if count == self.recorded:
            return
        self.recording = True
        written = outbox.DeliveryReport()
        for row, outcome in zip(
            self.rows[self.recorded : count], self.outcomes[self.recorded :], strict=True
        ):
            outbox.record(self.kind, row, outcome, written)
        if keep_rows:
            commit_keeping_rows()
        else:
            db.session.commit()
        self.recorded, self.recording = count, False
        for name in ("done", "retry", "failed", "cancelled", "later"):
            getattr(self.report, name).extend(getattr(written, name))

    def stop(self, *, in_flight: bool) -> None:
        """The task's time is up: the row under way (if any) is retried, what was sent is
        recorded, the rest are given back — all in one commit."""
        if in_flight:
            self.outcomes.append(outbox.Outcome.retry("stopped at the task's time limit"))
        if self.recording:
            # Stopped inside a record: its writes are taken back and done again here.
            # (Only then is anything rolled back: a sender's own writes on rows sent but
            # not yet recorded, such as an email's ``sent_at``, are kept otherwise.)
            db.session.rollback()
            self.recording = False
        remaining = self.rows[len(self.outcomes) :]
        written = outbox.DeliveryReport()
        for row, outcome in zip(
            self.rows[self.recorded : len(self.outcomes)],
            self.outcomes[self.recorded :],
            strict=True,
        ):
            outbox.record(self.kind, row, outcome, written)
        give_back(remaining)  # commits the results too
        self.recorded = len(self.outcomes)
        for name in ("done", "retry", "failed", "cancelled", "later"):
            getattr(self.report, name).extend(getattr(written, name))


def attempt_chunk(
    kind: outbox.OutboxKind,
    rows: list[OutboxMixin],
    send: Callable,
    report: outbox.DeliveryReport,
) -> None:
    """Attempt a claim's rows together (see the module's docstring)."""
    if not rows:
        return
    results = _Results(kind, rows, report)
    try:
        prepared = kind.prepare_chunk(rows) if kind.prepare_chunk else []
    except SoftTimeLimitExceeded:
        db.session.rollback()
        give_back(rows)
        raise
    except Exception:  # a bug in composing: the claim's rows are retried like any other
        log.exception("a claim of %d rows could not be composed", len(rows))
        db.session.rollback()
        prepared = [outbox.Outcome.retry("internal error")] * len(rows)
    try:
        commit_keeping_rows()  # what composing wrote exists before any message leaves
    except SoftTimeLimitExceeded:
        db.session.rollback()  # nothing has left: the whole claim is given back
        give_back(rows)
        raise
    every = _record_interval(kind)
    last_record = monotonic()
    in_flight = False
    try:
        for row, message in zip(rows, prepared, strict=True):
            if isinstance(message, outbox.Outcome):
                results.outcomes.append(message)
            else:
                in_flight = True
                results.outcomes.append(_send_one(kind, row, message, send))
                in_flight = False
            if every is not None and monotonic() - last_record >= every:
                results.record(keep_rows=True)
                last_record = monotonic()
        results.record(keep_rows=False)
    except SoftTimeLimitExceeded:
        results.stop(in_flight=in_flight)
        raise


def _send_one(
    kind: outbox.OutboxKind, row: OutboxMixin, message: object, send: Callable
) -> outbox.Outcome:
    try:
        with tenancy.practice_scope(row.practice_id):
            return send(row, message)
    except SoftTimeLimitExceeded:
        raise
    except Exception:  # a bug with one row must not stop the rest of the claim
        log.exception("%s could not be attempted", kind.describe(row))
        return outbox.Outcome.retry("internal error")


def _record_interval(kind: outbox.OutboxKind) -> float | None:
    """Seconds between records while a claim is sent; None records only at the end."""
    if kind.record_every_setting is None:
        return None
    return float(current_app.config[kind.record_every_setting])


def commit_keeping_rows() -> None:
    """Commit without expiring what the session holds: the claimed rows were read just
    now and are the worker's until their results are recorded, so reading them again row
    by row (what an expired row costs) would only add statements."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def give_back(rows: list[OutboxMixin]) -> None:
    """Rows claimed but not attempted when the task had to stop: claimable again at once,
    their claim not counted as an attempt."""
    for row in rows:
        row.status, row.claim_token = OutboxStatus.PENDING, None
        row.attempts = max(0, row.attempts - 1)
    db.session.commit()
