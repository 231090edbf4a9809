"""counselor/services/couples/sessions.py: a couple's counselling appointments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import AuditEvent, CoupleSession
from counselor.services.couples import sessions
from counselor.services.couples.sessions import (
    NOTES_BEFORE_SESSION,
    add_session,
    has_started,
    is_over,
    last_session_with_notes,
    update_session,
    write_notes,
)
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.validation import SESSION_TEXT_MAX
from tests.support import factories
from tests.support.clock import NOW
from tests.support.helpers import count_rows

pytestmark = pytest.mark.usefixtures("clock")


@pytest.mark.parametrize("starts_at", [datetime(2026, 6, 1, 15, 0), None])
def test_add_session_needs_an_aware_datetime(actor, couple, starts_at):
    with pytest.raises(InvalidInput) as error:
        add_session(actor, couple.id, starts_at)
    assert "starts_at" in error.value.errors
    assert count_rows(CoupleSession) == 0


def test_add_session_stores_utc(actor, couple):
    chicago_afternoon = datetime(2026, 12, 1, 15, 0, tzinfo=ZoneInfo("America/Chicago"))

    session = add_session(actor, couple.id, chicago_afternoon, external_id="appt-7")
    db.session.expire_all()

    stored = tenancy.get_in_practice(CoupleSession, session.id)
    assert stored.starts_at == datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
    assert stored.starts_at.utcoffset() == timedelta(0)
    assert (stored.couple_id, stored.external_id) == (couple.id, "appt-7")


def test_an_external_id_names_one_session_of_the_practice(actor, couple):
    first = add_session(actor, couple.id, NOW + timedelta(days=2), external_id="appt-7")

    with pytest.raises(InvalidInput) as error:
        add_session(actor, couple.id, NOW + timedelta(days=9), external_id=" appt-7 ")
    assert error.value.errors["external_id"] == ["Another session already has this external id."]
    # Changing a session keeps its own id; a blank one is none.
    update_session(actor, first.id, NOW + timedelta(days=3), external_id="appt-7")
    blank = add_session(actor, couple.id, NOW + timedelta(days=9), external_id=" ")
    assert blank.external_id is None
    assert count_rows(CoupleSession) == 2


def test_add_session_records_an_audit_event(actor, couple):
    session = add_session(actor, couple.id, NOW + timedelta(days=2))
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [(e.action, e.object_id) for e in events] == [("session.create", session.id)]


def test_add_session_to_another_practices_couple_is_not_found(actor):
    theirs = factories.CoupleFactory()
    with pytest.raises(NotFound):
        add_session(actor, theirs.id, NOW + timedelta(days=2))
    assert count_rows(CoupleSession) == 0


def test_session_of_another_practice_is_not_found(actor):
    theirs = factories.SessionFactory(starts_at=NOW + timedelta(days=2))
    with pytest.raises(NotFound):
        tenancy.get_in_practice(CoupleSession, theirs.id)


# --- agenda and notes ---------------------------------------------------------------------


def audit_actions(session_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "session", AuditEvent.object_id == session_id)
            .order_by(AuditEvent.id)
        )
    )


def test_an_agenda_is_stored_cleaned_and_audited_without_its_words(actor, couple):
    session = add_session(
        actor, couple.id, NOW + timedelta(days=2), agenda="  Money\r\nthen\x07 holidays\x1b  "
    )
    assert session.agenda == "Money\nthen holidays"
    update_session(actor, session.id, session.starts_at, agenda="Money\nthen holidays")
    update_session(actor, session.id, session.starts_at)  # None: the agenda stays
    assert session.agenda == "Money\nthen holidays"
    update_session(actor, session.id, session.starts_at, agenda="   ")  # blank clears it
    assert session.agenda is None

    assert audit_actions(session.id) == [
        "session.create",
        "session.agenda_changed",
        "session.update",  # the same words again: no agenda event
        "session.update",
        "session.update",
        "session.agenda_changed",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * (SESSION_TEXT_MAX + 1), "Keep this to 4000 characters or fewer."),
        ("a\x00b", "Text may not contain NUL characters."),
        ("\ud800", "Text must be valid Unicode."),
    ],
)
def test_agenda_and_notes_out_of_bounds_are_refused(actor, couple, text, message):
    with pytest.raises(InvalidInput) as error:
        add_session(actor, couple.id, NOW + timedelta(days=2), agenda=text)
    assert error.value.errors == {"agenda": [message]}
    session = factories.SessionFactory(couple=couple, starts_at=NOW - timedelta(hours=2))
    with pytest.raises(InvalidInput) as error:
        write_notes(actor, session.id, text)
    assert error.value.errors == {"notes": [message]}
    assert count_rows(CoupleSession) == 1
    assert session.notes is None


def test_notes_are_written_once_the_session_has_started(actor, couple, clock):
    session = factories.SessionFactory(couple=couple, starts_at=NOW + timedelta(hours=1))
    with pytest.raises(InvalidInput) as error:
        write_notes(actor, session.id, "Too early")
    assert error.value.errors == {"notes": [NOTES_BEFORE_SESSION]}

    clock.advance(hours=1)
    write_notes(actor, session.id, "  Talked about money.\r\n")
    write_notes(actor, session.id, "Talked about money.")  # the same: nothing to audit
    assert session.notes == "Talked about money."
    write_notes(actor, session.id, "")
    assert session.notes is None
    assert audit_actions(session.id) == ["session.notes_written", "session.notes_written"]


def test_an_erased_couples_session_takes_no_new_text(actor, couple):
    session = factories.SessionFactory(couple=couple, starts_at=NOW - timedelta(days=1))
    couple.erased_at = NOW
    with pytest.raises(InvalidInput):
        write_notes(actor, session.id, "After erasure")
    with pytest.raises(InvalidInput):
        update_session(actor, session.id, session.starts_at, agenda="After erasure")
    assert (session.notes, session.agenda) == (None, None)


def test_the_last_session_with_notes_before_a_moment(actor, couple):
    def at(days: int, notes: str | None = None, **kwargs) -> CoupleSession:
        kwargs.setdefault("couple", couple)
        return factories.SessionFactory(starts_at=NOW + timedelta(days=days), notes=notes, **kwargs)

    at(-21, "Three weeks ago")
    two_weeks = at(-14, "Two weeks ago")
    at(-7)  # no notes
    at(-3, "Removed", removed_at=NOW)
    at(-1, "Another couple's", couple=factories.CoupleFactory(counselor=couple.counselor))
    upcoming = at(7)

    assert last_session_with_notes(couple.id, upcoming.starts_at) == two_weeks
    assert last_session_with_notes(couple.id, two_weeks.starts_at).notes == "Three weeks ago"
    assert last_session_with_notes(couple.id, NOW - timedelta(days=30)) is None


def test_a_session_from_the_calendars_edges_is_no_last_time(actor, couple):
    """Stored before the edges refused such dates: its day falls off the calendar in a
    zone behind UTC, so it is never the "last time" the couple's page and report show."""
    factories.SessionFactory(couple=couple, starts_at=datetime(1, 1, 1, tzinfo=UTC), notes="Old")
    assert last_session_with_notes(couple.id, NOW) is None

    sane = factories.SessionFactory(couple=couple, starts_at=NOW - timedelta(days=7), notes="Ok")
    found = last_session_with_notes(couple.id, NOW)
    assert found == sane
    assert found.starts_at.astimezone(ZoneInfo("America/Chicago")).year == NOW.year


# --- started and over: one rule ------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes_since_start", "started", "over"),
    [(-1, False, False), (0, True, False), (49, True, False), (50, True, True), (90, True, True)],
)
def test_started_and_over_in_python_and_in_sql_agree(
    actor, couple, minutes_since_start, started, over
):
    session = factories.SessionFactory(
        couple=couple, starts_at=NOW - timedelta(minutes=minutes_since_start)
    )
    assert sessions.SESSION_MINUTES == 50
    assert (has_started(session, NOW), is_over(session, NOW)) == (started, over)

    def matches(criterion: sa.ColumnElement[bool]) -> bool:
        found = sa.select(CoupleSession.id).where(CoupleSession.id == session.id, criterion)
        return db.session.scalar(found) is not None

    assert (matches(sessions.started_by(NOW)), matches(sessions.over_by(NOW))) == (started, over)


def test_a_session_at_the_calendars_last_minute_is_not_over():
    last = CoupleSession(starts_at=datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    assert not is_over(last, NOW)
    assert not has_started(last, NOW)


def test_a_session_with_notes_keeps_a_time_that_has_come(actor, couple):
    session = factories.SessionFactory(couple=couple, starts_at=NOW - timedelta(hours=1))
    write_notes(actor, session.id, "Talked about money.")

    with pytest.raises(InvalidInput) as error:
        update_session(actor, session.id, NOW + timedelta(days=7))
    assert error.value.errors == {"starts_at": [sessions.NOTES_KEEP_IT_PAST]}
    assert session.starts_at == NOW - timedelta(hours=1)
    update_session(actor, session.id, NOW)  # now has come: it has started
    assert session.starts_at == NOW


def test_changing_only_the_agenda_is_audited_as_that_alone(actor, couple):
    session = add_session(actor, couple.id, NOW + timedelta(days=2))
    sessions.change_agenda(actor, session.id, " Money ")
    sessions.change_agenda(actor, session.id, "Money")
    assert session.agenda == "Money"
    with pytest.raises(InvalidInput) as error:
        sessions.change_agenda(actor, session.id, "x" * (SESSION_TEXT_MAX + 1))
    assert list(error.value.errors) == ["agenda"]
    assert audit_actions(session.id) == ["session.create", "session.agenda_changed"]
