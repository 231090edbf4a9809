"""Counselling sessions (appointments) of a couple."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Couple, CoupleSession
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors
from counselor.services.validation import check_external_id
from counselor.tenancy import get_in_practice


def add_session(
    actor: Actor, couple_id: int, starts_at: datetime | None, external_id: str | None = None
) -> CoupleSession:
    couple = get_in_practice(Couple, couple_id)
    starts_at, external_id = _check_session(starts_at, external_id, session_id=None)
    session = CoupleSession(
        practice_id=actor.practice_id,
        couple_id=couple.id,
        starts_at=starts_at,
        external_id=external_id,
    )
    db.session.add(session)
    db.session.flush()
    record_event(actor, "session.create", "session", session.id)
    return session


def update_session(
    actor: Actor, session_id: int, starts_at: datetime | None, external_id: str | None = None
) -> CoupleSession:
    session = get_in_practice(CoupleSession, session_id)
    session.starts_at, session.external_id = _check_session(
        starts_at, external_id, session_id=session.id
    )
    record_event(actor, "session.update", "session", session.id)
    return session


def delete_session(actor: Actor, session_id: int) -> None:
    session = get_in_practice(CoupleSession, session_id)
    record_event(actor, "session.delete", "session", session.id)
    db.session.delete(session)


def couple_sessions(couple_id: int) -> list[CoupleSession]:
    """Every session of the couple, soonest first."""
    return list(
        db.session.scalars(
            sa.select(CoupleSession)
            .where(CoupleSession.couple_id == couple_id)
            .order_by(CoupleSession.starts_at)
        )
    )


def next_sessions(couple_ids: list[int]) -> dict[int, datetime]:
    """The next upcoming session time per couple, in one query."""
    if not couple_ids:
        return {}
    rows = db.session.execute(
        sa.select(CoupleSession.couple_id, sa.func.min(CoupleSession.starts_at))
        .where(
            CoupleSession.couple_id.in_(couple_ids),
            CoupleSession.starts_at >= timeutil.utcnow(),
        )
        .group_by(CoupleSession.couple_id)
    )
    return dict(rows.all())


def _check_session(
    starts_at: datetime | None, external_id: str | None, session_id: int | None
) -> tuple[datetime, str | None]:
    problems = FieldErrors()
    if starts_at is None:
        problems.add("starts_at", "Enter the date and time the session starts.")
    elif starts_at.tzinfo is None:
        problems.add("starts_at", "Include the time zone offset, e.g. 2026-12-01T15:00:00-06:00.")
    external_id = check_external_id(
        problems, CoupleSession, external_id, own_id=session_id, noun="session"
    )
    problems.raise_if_any()
    assert starts_at is not None  # else a problem was added above
    return starts_at, external_id
