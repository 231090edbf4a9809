"""Idempotent POSTs: the first answer to an ``Idempotency-Key`` is replayed to retries.

A request claims its key by inserting a record of its API key before it runs (the
unique constraint on API key and key decides between two concurrent requests; the API
guard commits the claim at once, so that a concurrent request sees it), and notes what it
created when it succeeds. The same key with the same request replays that answer; with
another request, or while the first is still running, it is a conflict. A failed request
releases its key: it changed nothing, so it may be retried.

A record keeps the answer's status and the kind and id of the object the request created —
never the body, which may hold client text (a reflection, a partner's name) or a secret (a
webhook's signing secret) that would otherwise sit in a second table for days. The API
renders the object again from the database for a replay (``counselor/api/replay.py``).
Records live ``IDEMPOTENCY_TTL_HOURS``: a claim purges its practice's expired ones, and
the beat purges every practice's hourly (``purge_expired_everywhere``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import IdempotencyRecord

KEY_MAX = 255
# A claim whose request never finished (its worker died) is given up after this.
ABANDONED_AFTER = timedelta(minutes=2)


class IdempotencyConflict(Exception):
    """The key was used for another request, or its first request is still running."""


@dataclass(frozen=True)
class StoredResponse:
    """What a replay needs of the first answer: its status and what it created."""

    status: int
    kind: str  # the object's kind, as audit events name it ("couple", "webhook_endpoint")
    object_id: int | None


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """A digest of method, path and body; JSON bodies are compared by content, not layout."""
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=True
        ).encode()
    except (ValueError, RecursionError):
        canonical = body
    digest = hashlib.sha256(f"{method.upper()} {path}\n".encode("utf-8", "surrogatepass"))
    digest.update(canonical)
    return digest.hexdigest()


def claim_or_replay(
    practice_id: int, api_key_id: int, key: str, fingerprint: str
) -> int | StoredResponse:
    """Claim ``key`` for this request of this API key (returns the record id to complete
    or release later), or return the stored response to replay. Another API key's use of
    the same ``key`` is another request. Raises ``IdempotencyConflict``. The caller
    commits the claim before the request runs."""
    now = timeutil.utcnow()
    purge_expired(now)
    for _attempt in range(3):
        existing = db.session.scalar(
            sa.select(IdempotencyRecord).where(
                IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.key == key
            )
        )
        if existing is None:
            record_id = _insert_claim(practice_id, api_key_id, key, fingerprint, now)
            if record_id is not None:
                return record_id
            continue  # another request claimed it first: look at theirs
        if existing.request_fingerprint != fingerprint:
            raise IdempotencyConflict(
                "This Idempotency-Key was already used for a different request."
            )
        if existing.response_status is None:
            if existing.created_at > now - ABANDONED_AFTER:
                raise IdempotencyConflict(
                    "A request with this Idempotency-Key is still being processed; retry shortly."
                )
            _delete(existing.id)
            continue
        return stored(existing)
    raise IdempotencyConflict("This Idempotency-Key is in use; retry shortly.")


def complete(record_id: int, status: int, kind: str, object_id: int | None) -> None:
    """Note the status of a claimed request's answer and the object it created."""
    created = json.dumps({"kind": kind, "id": object_id})
    db.session.execute(
        sa.update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(response_status=status, response_body=created)
    )


def stored(record: IdempotencyRecord) -> StoredResponse:
    """A completed record's answer (``response_body`` holds only what was created)."""
    assert record.response_status is not None, "a claim still running has no answer"
    try:
        created = json.loads(record.response_body or "")
        return StoredResponse(record.response_status, str(created["kind"]), created["id"])
    except (ValueError, TypeError, KeyError):
        # Not written by ``complete``: nothing to show again (the API answers 409).
        return StoredResponse(record.response_status, "", None)


def release(record_id: int) -> None:
    """Forget a claim whose request failed: it changed nothing."""
    _delete(record_id)


def purge_expired(now: datetime | None = None) -> int:
    """Delete the acting practice's records older than the TTL; returns how many."""
    return _deleted(sa.delete(IdempotencyRecord).where(_expired(now)))


def purge_expired_everywhere(now: datetime | None = None) -> int:
    """Delete every practice's expired records — a practice that stopped calling the API
    never claims again to purge its own — and those written before records belonged to
    an API key, which no request can replay (they held whole answers); returns how many."""
    expired_or_ownerless = sa.or_(_expired(now), IdempotencyRecord.api_key_id.is_(None))
    statement = sa.delete(IdempotencyRecord).where(expired_or_ownerless)
    return _deleted(tenancy.across_practices(statement))


def _expired(now: datetime | None) -> sa.ColumnElement[bool]:
    hours = current_app.config["IDEMPOTENCY_TTL_HOURS"]
    return IdempotencyRecord.created_at < (now or timeutil.utcnow()) - timedelta(hours=hours)


def _deleted(statement: sa.Delete) -> int:
    # A DELETE's result is a CursorResult, which counts the rows it matched.
    return cast(CursorResult, db.session.execute(statement)).rowcount or 0


def _insert_claim(
    practice_id: int, api_key_id: int, key: str, fingerprint: str, now: datetime
) -> int | None:
    record = IdempotencyRecord(
        practice_id=practice_id,
        api_key_id=api_key_id,
        key=key,
        request_fingerprint=fingerprint,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        return None
    return record.id


def _delete(record_id: int) -> None:
    db.session.execute(sa.delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
