"""counselor/services/couples/sessions.py: a couple's counselling appointments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import AuditEvent, CoupleSession
from counselor.services.couples.sessions import add_session, next_sessions, update_session
from counselor.services.errors import InvalidInput, NotFound
from tests.support import factories
from tests.support.clock import NOW
from tests.support.helpers import count_rows, count_statements

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


def test_next_sessions_gives_the_soonest_future_session_per_couple(actor, couple, counselor):
    other = factories.CoupleFactory(counselor=counselor)
    soon, later = NOW + timedelta(days=2), NOW + timedelta(days=9)
    for starts_at in (later, NOW - timedelta(days=1), soon):
        factories.SessionFactory(couple=couple, starts_at=starts_at)
    factories.SessionFactory(couple=other, starts_at=later)

    upcoming = next_sessions([couple.id, other.id])

    assert upcoming == {couple.id: soon, other.id: later}


def test_next_sessions_leaves_out_couples_with_only_past_sessions(actor, couple):
    factories.SessionFactory(couple=couple, starts_at=NOW - timedelta(hours=1))
    assert next_sessions([couple.id]) == {}


def test_next_sessions_ignores_other_practices(couple):
    factories.SessionFactory(couple=couple, starts_at=NOW + timedelta(days=1))
    with tenancy.practice_scope(factories.CounselorFactory().practice_id):
        assert next_sessions([couple.id]) == {}


def test_next_sessions_is_one_query(actor, counselor):
    couples = [factories.CoupleFactory(counselor=counselor) for _ in range(4)]
    for n, couple in enumerate(couples, start=1):
        factories.SessionFactory(couple=couple, starts_at=NOW + timedelta(days=n))
        factories.SessionFactory(couple=couple, starts_at=NOW + timedelta(days=n + 7))
    ids = [couple.id for couple in couples]
    with count_statements() as counter:
        upcoming = next_sessions(ids)

    assert counter.count == 1, counter.statements
    assert upcoming == {c.id: NOW + timedelta(days=n) for n, c in enumerate(couples, start=1)}
