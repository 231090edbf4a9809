"""Removing a session keeps it, out of every list and schedule, until it is restored."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, CoupleSession
from counselor.services.couples import sessions
from counselor.services.delivery import email_content
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.pages import api_lists, dashboard
from counselor.services.reports import pre_session
from tests.support import factories
from tests.support.clock import NOW
from tests.support.helpers import count_rows

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def session(actor, couple):
    return sessions.add_session(actor, couple.id, NOW + timedelta(hours=10), external_id="appt-1")


def next_session_listed(couple_id: int):
    """The next session the couples list shows for the couple."""
    [row] = [r for r in dashboard.read_page().page().rows if r.couple.id == couple_id]
    return row.session_at


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_removed_session_is_kept_but_gone_from_every_list(actor, couple, session):
    sessions.remove_session(actor, session.id)

    assert count_rows(CoupleSession) == 1
    assert session.removed_at == NOW
    assert sessions.couple_sessions(couple.id) == []
    assert next_session_listed(couple.id) is None
    assert api_lists.sessions_page(couple.id, 1, 20).items == []
    assert sessions.removed_sessions(couple.id) == [session]
    with pytest.raises(NotFound):
        sessions.get_session(session.id)
    with pytest.raises(NotFound):
        sessions.update_session(actor, session.id, NOW + timedelta(days=1))
    with pytest.raises(NotFound):
        sessions.remove_session(actor, session.id)  # removing it twice: it is not there


def test_no_report_is_prepared_or_requested_for_a_removed_session(actor, couple, session):
    sessions.remove_session(actor, session.id)

    assert pre_session.prepare_upcoming_reports() == []
    with pytest.raises(NotFound):
        pre_session.request_report(actor, couple.id, session.id)


def test_restoring_brings_the_session_back_whole(actor, couple, session):
    sessions.remove_session(actor, session.id)
    sessions.restore_session(actor, session.id)

    assert session.removed_at is None
    assert sessions.couple_sessions(couple.id) == [session]
    assert next_session_listed(couple.id) == session.starts_at
    assert session.external_id == "appt-1"
    assert sessions.removed_sessions(couple.id) == []
    assert len(pre_session.prepare_upcoming_reports()) == 1
    assert actions() == ["session.create", "session.remove", "session.restore"]


def test_restoring_a_session_that_is_not_removed_changes_nothing(actor, session):
    sessions.restore_session(actor, session.id)
    assert actions() == ["session.create"]


def test_a_removed_session_keeps_its_external_id_for_its_restore(actor, couple, session):
    sessions.remove_session(actor, session.id)

    with pytest.raises(InvalidInput) as error:
        sessions.add_session(actor, couple.id, NOW + timedelta(days=2), external_id="appt-1")
    assert error.value.errors["external_id"] == [
        "A removed session has this external id: restore it from the couple's page "
        "(under Removed sessions), or use another id."
    ]
    sessions.restore_session(actor, session.id)
    assert sessions.get_session(session.id).external_id == "appt-1"


def test_another_practices_session_is_neither_removed_nor_restored(actor):
    foreign = factories.SessionFactory()
    with pytest.raises(NotFound):
        sessions.remove_session(actor, foreign.id)
    with pytest.raises(NotFound):
        sessions.restore_session(actor, foreign.id)
    with pytest.raises(NotFound):
        sessions.get_session(foreign.id)
    assert actions() == []


def test_a_removed_sessions_report_is_not_counted_as_ready(actor, counselor, couple, session):
    report = pre_session.request_report(actor, couple.id, session.id)
    pre_session.generate_report(report.id)
    assert email_content.ready_report_couples(counselor.id) == [couple.id]

    sessions.remove_session(actor, session.id)

    assert email_content.ready_report_couples(counselor.id) == []
