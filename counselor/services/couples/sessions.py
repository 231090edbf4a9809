"""Counselling sessions (appointments) of a couple.

Removing a session keeps its row (``removed_at``) so that the removal can be undone. A
removed session is gone for every other purpose: lists, the next session, report
scheduling, the API. Every query for sessions starts from ``live_sessions()`` or loads one
with ``get_session``, the one place that leaves removed sessions out.

A session also carries the counselor's own words: its agenda (what to cover, written with
the date and time, before the session) and private notes (``write_notes``, once it has
started). Both are client text. Their changes are audited without the words
(``session.agenda_changed``, ``session.notes_written``); they are never in an email or a log
line; they are in the couple's export (``export.py``) and erasure clears them
(``erasure.py``). The couple's page and the pre-session report read the notes of the last
session that has some through ``last_session_with_notes``.

When a session has started and when it is over is one rule, here: a session has no end
time of its own and lasts ``SESSION_MINUTES``. It has started at its start
(``has_started``, in SQL ``started_by``): from then on notes may be written. It is over
``SESSION_MINUTES`` later (``is_over``, in SQL ``over_by``): until then it is still the
couple's next session.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Couple, CoupleSession
from counselor.services.audit import Actor, record_event
from counselor.services.couples.erased import refuse_if_erased
from counselor.services.errors import FieldErrors, NotFound
from counselor.services.validation import (
    EARLIEST_MOMENT,
    LATEST_MOMENT,
    SESSION_TEXT_MAX,
    check_external_id,
    check_text,
)
from counselor.tenancy import get_in_practice

# The criterion every query for sessions carries.
NOT_REMOVED = CoupleSession.removed_at.is_(None)
# How long a session lasts: the usual therapy hour (a session has no end time of its own).
SESSION_MINUTES = 50
SESSION_LENGTH = timedelta(minutes=SESSION_MINUTES)
# Invisible control characters a paste can carry; tab and line breaks stay. (A NUL is
# refused with a message instead, as everywhere: ``validation.unstorable``.)
CONTROL_CHARACTERS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
NOTES_BEFORE_SESSION = (
    "This session has not started yet: notes are written after it. What to cover goes in "
    "its agenda."
)
NOTES_KEEP_IT_PAST = (
    "This session has notes, so it has taken place: it can't move to a time still to come. "
    "Add a new session instead, or clear its notes first."
)


def has_started(session: CoupleSession, now: datetime) -> bool:
    """Whether the session has started at ``now``: notes may be written from then on."""
    return _started(session.starts_at, now)


def _started(starts_at: datetime, now: datetime) -> bool:
    """``has_started`` for a start not yet stored (a change being checked)."""
    return starts_at <= now


def is_over(session: CoupleSession, now: datetime) -> bool:
    """Whether the session is over at ``now``, ``SESSION_MINUTES`` after its start; until
    then it is the couple's next session. (Counted back from ``now``, so that a session
    stored at the calendar's last minute does not overflow.)"""
    return session.starts_at <= now - SESSION_LENGTH


def started_by(now: datetime) -> sa.ColumnElement[bool]:
    """``has_started`` in SQL: the sessions that have started at ``now``."""
    return CoupleSession.starts_at <= now


def over_by(now: datetime) -> sa.ColumnElement[bool]:
    """``is_over`` in SQL: the sessions that are over at ``now``."""
    return CoupleSession.starts_at <= now - SESSION_LENGTH


def live_sessions() -> sa.Select[CoupleSession]:
    """A SELECT of the sessions that were not removed; callers add their own filters."""
    return sa.select(CoupleSession).where(NOT_REMOVED)


def get_session(session_id: Any) -> CoupleSession:
    """A session of the practice that was not removed, else ``NotFound`` (as for another
    practice's session)."""
    session = get_in_practice(CoupleSession, session_id)
    if session.removed_at is not None:
        raise NotFound(f"couple session {session_id}")
    return session


def add_session(
    actor: Actor,
    couple_id: int,
    starts_at: datetime | None,
    external_id: str | None = None,
    agenda: str | None = None,
) -> CoupleSession:
    """A new session of the couple, with its agenda if one is given."""
    couple = get_in_practice(Couple, couple_id)
    starts_at, external_id, agenda = _check_session(starts_at, external_id, agenda, session_id=None)
    if agenda:
        refuse_if_erased(couple)
    session = CoupleSession(
        practice_id=actor.practice_id,
        couple_id=couple.id,
        starts_at=starts_at,
        external_id=external_id,
    )
    db.session.add(session)
    db.session.flush()
    record_event(actor, "session.create", "session", session.id)
    _store_agenda(actor, session, agenda)
    return session


def update_session(
    actor: Actor,
    session_id: int,
    starts_at: datetime | None,
    external_id: str | None = None,
    agenda: str | None = None,
) -> CoupleSession:
    """Change a session's time and external id, and its agenda unless ``agenda`` is None
    (blank text clears it). A session with notes has started and stays so: a time still
    to come is refused (``NOTES_KEEP_IT_PAST``)."""
    session = get_session(session_id)
    session.starts_at, session.external_id, checked_agenda = _check_session(
        starts_at, external_id, agenda, session_id=session.id, has_notes=bool(session.notes)
    )
    record_event(actor, "session.update", "session", session.id)
    if agenda is not None:
        _store_agenda(actor, session, checked_agenda)
    return session


def change_agenda(actor: Actor, session_id: int, agenda: str | None) -> CoupleSession:
    """Change only a session's agenda (blank text clears it): audited as
    ``session.agenda_changed`` when it changed, and as nothing else."""
    session = get_session(session_id)
    problems = FieldErrors()
    checked_agenda = session_text(problems, "agenda", agenda)
    problems.raise_if_any()
    _store_agenda(actor, session, checked_agenda)
    return session


def write_notes(actor: Actor, session_id: int, text: str | None) -> CoupleSession:
    """The counselor's private notes on a session that has started (blank text clears
    them). Audited as ``session.notes_written`` when they changed; the words stay out of
    the audit trail, as every client text does."""
    session = get_session(session_id)
    problems = FieldErrors()
    notes = session_text(problems, "notes", text)
    if notes and not has_started(session, timeutil.utcnow()):
        problems.add("notes", NOTES_BEFORE_SESSION)
    problems.raise_if_any()
    if notes:
        refuse_if_erased(session.couple)
    if notes != session.notes:
        session.notes = notes
        record_event(actor, "session.notes_written", "session", session.id)
    return session


def session_text(problems: FieldErrors, field: str, value: str | None) -> str | None:
    """An agenda or notes as stored: line breaks as ``\\n``, invisible control characters
    taken out, trimmed; None when blank. More than ``SESSION_TEXT_MAX`` characters, or a
    character no database stores, is a problem for ``field``."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = check_text(
        problems,
        field,
        CONTROL_CHARACTERS.sub("", text),
        max_length=SESSION_TEXT_MAX,
        required=False,
    )
    return text or None


def _store_agenda(actor: Actor, session: CoupleSession, agenda: str | None) -> None:
    """Audited as ``session.agenda_changed`` when it changed (never the words)."""
    if agenda != session.agenda:
        if agenda:
            refuse_if_erased(session.couple)
        session.agenda = agenda
        record_event(actor, "session.agenda_changed", "session", session.id)


def remove_session(actor: Actor, session_id: int) -> CoupleSession:
    """Take a session off the couple's schedule; ``restore_session`` puts it back."""
    session = get_session(session_id)
    session.removed_at = timeutil.utcnow()
    record_event(actor, "session.remove", "session", session.id)
    return session


def restore_session(actor: Actor, session_id: int) -> CoupleSession:
    """Undo a removal. Restoring a session that is not removed changes nothing.

    A removed session keeps its external id, and no other session may take it meanwhile
    (``_check_session``), so a restored session never clashes with another."""
    session = get_in_practice(CoupleSession, session_id)
    if session.removed_at is None:
        return session
    session.removed_at = None
    record_event(actor, "session.restore", "session", session.id)
    return session


def last_session_with_notes(couple_id: int, before: datetime) -> CoupleSession | None:
    """The couple's latest session that started before ``before`` and has notes, or None:
    the "last time" of the couple's page and of the report for a session at ``before``.
    A session stored at a moment off the calendar (0001-01-01, 9999-12-31, from before the
    edges refused them) is left out: its local day cannot be worked out in every zone."""
    return db.session.scalar(
        live_sessions()
        .where(
            CoupleSession.couple_id == couple_id,
            CoupleSession.starts_at < before,
            CoupleSession.starts_at >= EARLIEST_MOMENT,
            CoupleSession.starts_at <= LATEST_MOMENT,
            CoupleSession.notes.is_not(None),
        )
        .order_by(CoupleSession.starts_at.desc(), CoupleSession.id.desc())
        .limit(1)
    )


def couple_sessions(couple_id: int) -> list[CoupleSession]:
    """Every session of the couple, soonest first."""
    return list(
        db.session.scalars(
            live_sessions()
            .where(CoupleSession.couple_id == couple_id)
            .order_by(CoupleSession.starts_at)
        )
    )


def removed_sessions(couple_id: int) -> list[CoupleSession]:
    """The couple's removed sessions, the latest removed first: what can be restored."""
    return list(
        db.session.scalars(
            sa.select(CoupleSession)
            .where(CoupleSession.couple_id == couple_id, CoupleSession.removed_at.is_not(None))
            .order_by(CoupleSession.removed_at.desc(), CoupleSession.id.desc())
        )
    )


def _held_by_removed_session(external_id: str | None) -> bool:
    """Whether the external id belongs to a removed session (which keeps it, so that
    restoring the session brings it back whole)."""
    held = sa.select(CoupleSession.id).where(
        CoupleSession.external_id == external_id, CoupleSession.removed_at.is_not(None)
    )
    return db.session.scalar(held.limit(1)) is not None


def _check_session(
    starts_at: datetime | None,
    external_id: str | None,
    agenda: str | None,
    session_id: int | None,
    has_notes: bool = False,
) -> tuple[datetime, str | None, str | None]:
    problems = FieldErrors()
    if starts_at is None:
        problems.add("starts_at", "Enter the date and time the session starts.")
    elif starts_at.tzinfo is None:
        problems.add("starts_at", "Include the time zone offset, e.g. 2026-12-01T15:00:00-06:00.")
    elif has_notes and not _started(starts_at, timeutil.utcnow()):
        problems.add("starts_at", NOTES_KEEP_IT_PAST)
    external_id = check_external_id(
        problems, CoupleSession, external_id, own_id=session_id, noun="session"
    )
    if "external_id" in problems.errors and _held_by_removed_session(external_id):
        problems.errors["external_id"] = [
            "A removed session has this external id: restore it from the couple's page "
            "(under Removed sessions), or use another id."
        ]
    checked_agenda = session_text(problems, "agenda", agenda)
    problems.raise_if_any()
    assert starts_at is not None  # else a problem was added above
    return starts_at, external_id, checked_agenda
