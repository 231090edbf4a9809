"""Idempotent POSTs: the first response to an ``Idempotency-Key`` is kept and replayed.

A request claims its key by inserting a record of its API key before it runs (the
unique constraint on API key and key decides between two concurrent requests; the API
guard commits the claim at once, so that a concurrent request sees it), and fills in the
response when it succeeds. The same key with the same request replays
that response; with another request, or while the first is still running, it is a
conflict. A failed request releases its key: it changed nothing, so it may be retried.
Records live ``IDEMPOTENCY_TTL_HOURS``.
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

from counselor import timeutil
from counselor.extensions import db
from counselor.models import IdempotencyRecord

KEY_MAX = 255
# A claim whose request never finished (its worker died) is given up after this.
ABANDONED_AFTER = timedelta(minutes=2)


class IdempotencyConflict(Exception):
    """The key was used for another request, or its first request is still running."""


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str


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
        return StoredResponse(existing.response_status, existing.response_body or "")
    raise IdempotencyConflict("This Idempotency-Key is in use; retry shortly.")


def complete(record_id: int, status: int, body: str) -> None:
    """Keep the response of a claimed request for replays."""
    db.session.execute(
        sa.update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(response_status=status, response_body=body)
    )


def release(record_id: int) -> None:
    """Forget a claim whose request failed: it changed nothing."""
    _delete(record_id)


def purge_expired(now: datetime | None = None) -> int:
    """Delete the practice's records older than the TTL; returns how many."""
    now = now or timeutil.utcnow()
    cutoff = now - timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    statement = sa.delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
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
