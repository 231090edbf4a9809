"""Counselors' dashboard sessions, kept on the server (``CounselorSession``): the cookie
carries only a random id, so ending the row ends the session wherever the cookie is.

A session lives while it is not ended, has seen activity within the practice's
``session_idle_minutes`` and is younger than its ``session_max_hours`` (absolute: activity
never extends it), and while its counselor is active. ``last_seen_at`` is written at most
once per ``LAST_SEEN_WRITE_EVERY``, not on every request: idle is measured from that stamp,
so a session may end up to that long before the exact idle minute, never after it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import joinedload

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Counselor, CounselorSession
from counselor.services.errors import NotFound
from counselor.tenancy import across_practices

LAST_SEEN_WRITE_EVERY = timedelta(minutes=1)
USER_AGENT_MAX = 300

# Why a session ended (``ended_reason``), and why one was refused.
LOGOUT = "logout"
IDLE = "idle"
EXPIRED = "expired"
DEACTIVATED = "deactivated"
ENDED_BY_USER = "ended_by_user"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
PASSWORD_RESET = "password_reset"  # noqa: S105 - a reason, not a password
ENDED = "ended"  # refused because the row was already ended, whatever the reason


def hash_id(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode()).hexdigest()


def start(
    counselor: Counselor,
    *,
    ip: str | None,
    user_agent: str | None,
    second_factor_done: bool,
) -> tuple[CounselorSession, str]:
    """A new session row for the counselor, and the random id its cookie carries (only
    the id's hash is stored)."""
    raw_id = secrets.token_urlsafe(32)
    now = timeutil.utcnow()
    row = CounselorSession(
        practice_id=counselor.practice_id,
        counselor_id=counselor.id,
        id_hash=hash_id(raw_id),
        created_at=now,
        last_seen_at=now,
        ip=(ip or None) and ip[:45],
        user_agent=(user_agent or None) and user_agent[:USER_AGENT_MAX],
        second_factor_at=now if second_factor_done else None,
    )
    db.session.add(row)
    db.session.flush()
    return row, raw_id


def rotate(row: CounselorSession) -> str:
    """Give the session a new random id (the old cookie stops working); the new id."""
    raw_id = secrets.token_urlsafe(32)
    row.id_hash = hash_id(raw_id)
    return raw_id


def by_cookie_id(raw_id: str) -> CounselorSession | None:
    """The session row a cookie's id names, ended or not. Across practices: the session
    is how a request learns its practice."""
    statement = (
        sa.select(CounselorSession)
        .where(CounselorSession.id_hash == hash_id(raw_id))
        # Every request reads the counselor and their practice's limits: one statement.
        .options(joinedload(CounselorSession.counselor).joinedload(Counselor.practice))
    )
    return db.session.scalar(across_practices(statement))


def why_not_live(row: CounselorSession, now: datetime | None = None) -> str | None:
    """Why the session may not be used any more (``ENDED``, ``DEACTIVATED``, ``EXPIRED``,
    ``IDLE``), or None while it lives."""
    now = now or timeutil.utcnow()
    practice = row.counselor.practice
    if row.ended_at is not None:
        return ENDED
    if not row.counselor.active:
        return DEACTIVATED
    if now - row.created_at >= timedelta(hours=practice.session_max_hours):
        return EXPIRED
    if now - row.last_seen_at >= timedelta(minutes=practice.session_idle_minutes):
        return IDLE
    return None


def touch(row: CounselorSession, now: datetime | None = None) -> None:
    """Note activity: at most one write per ``LAST_SEEN_WRITE_EVERY``."""
    now = now or timeutil.utcnow()
    if now - row.last_seen_at >= LAST_SEEN_WRITE_EVERY:
        row.last_seen_at = now


def end(row: CounselorSession, reason: str) -> None:
    """End one session (no-op if it has ended already)."""
    if row.ended_at is None:
        row.ended_at = timeutil.utcnow()
        row.ended_reason = reason


def end_all(counselor_id: int, reason: str, *, keep_session_id: int | None = None) -> int:
    """End every live session of the counselor (but ``keep_session_id``, the one acting,
    if given) in the current transaction; how many ended. Called on a password change or
    reset, a deactivation, and *Sign out everywhere*."""
    statement = (
        sa.update(CounselorSession)
        .where(CounselorSession.counselor_id == counselor_id, CounselorSession.ended_at.is_(None))
        .values(ended_at=timeutil.utcnow(), ended_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if keep_session_id is not None:
        statement = statement.where(CounselorSession.id != keep_session_id)
    # Across practices: the counselor's id names one practice's rows, and an operator's
    # command (``flask set-password``) runs in none.
    ended = cast(CursorResult, db.session.execute(across_practices(statement))).rowcount or 0
    # Rows already loaded (the request's own session) must not keep answering as live.
    for row in list(db.session.identity_map.values()):
        if (
            isinstance(row, CounselorSession)
            and row.counselor_id == counselor_id
            and row.id != keep_session_id
            and row.ended_at is None
        ):
            db.session.expire(row, ["ended_at", "ended_reason"])
    return ended


def live_sessions(counselor: Counselor) -> list[CounselorSession]:
    """The counselor's sessions that still live, most recently active first (practice in
    scope)."""
    rows = db.session.scalars(
        sa.select(CounselorSession)
        .where(
            CounselorSession.counselor_id == counselor.id,
            CounselorSession.ended_at.is_(None),
        )
        .order_by(CounselorSession.last_seen_at.desc(), CounselorSession.id.desc())
    )
    now = timeutil.utcnow()
    return [row for row in rows if why_not_live(row, now) is None]


def own_live_session(counselor: Counselor, session_id: int) -> CounselorSession:
    """One of the counselor's own live sessions, else ``NotFound`` (another counselor's
    and an ended one look the same)."""
    row = db.session.scalar(
        sa.select(CounselorSession).where(
            CounselorSession.id == session_id,
            CounselorSession.counselor_id == counselor.id,
            CounselorSession.ended_at.is_(None),
        )
    )
    if row is None or why_not_live(row) is not None:
        raise NotFound(f"counselor session {session_id}")
    return row
