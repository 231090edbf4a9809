"""Upcoming sessions, entered in the practice's local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, CoupleSession
from tests.support import factories
from tests.support.helpers import row_counts


def test_adding_a_session_stores_utc_from_practice_time(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)  # practice in America/Chicago
    response = logged_in.post(
        f"/couples/{couple.id}/sessions/new",
        data={"day": "2031-07-01", "time": "15:30", "external_id": "appt-1"},
    )
    assert response.status_code == 302
    session = db.session.scalar(sa.select(CoupleSession))
    assert session.starts_at == datetime(2031, 7, 1, 20, 30, tzinfo=UTC)  # CDT is UTC-5
    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Tue 01 Jul 2031, 15:30" in page


def test_editing_and_removing_a_session(logged_in, counselor):
    session = factories.SessionFactory(couple=factories.CoupleFactory(counselor=counselor))
    form = logged_in.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'name="day"' in form
    response = logged_in.post(
        f"/sessions/{session.id}/edit", data={"day": "2031-01-10", "time": "09:00"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert session.starts_at == datetime(2031, 1, 10, 15, 0, tzinfo=UTC)  # CST is UTC-6
    response = logged_in.post(f"/sessions/{session.id}/delete", data={"confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert session.removed_at is not None  # kept, so that the removal can be undone
    assert logged_in.get(f"/sessions/{session.id}/edit").status_code == 404


def test_a_session_without_a_time_is_refused(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    before = row_counts()
    response = logged_in.post(
        f"/couples/{couple.id}/sessions/new", data={"day": "2031-07-01", "time": ""}
    )
    assert response.status_code == 422
    assert 'id="time-error">Enter the time.' in response.get_data(as_text=True)
    assert row_counts() == before


def test_an_agenda_is_written_with_the_session_and_leads_back_to_the_next_session(
    logged_in, counselor
):
    couple = factories.CoupleFactory(counselor=counselor)
    response = logged_in.post(
        f"/couples/{couple.id}/sessions/new",
        data={"day": "2031-07-01", "time": "15:30", "agenda": "Money first,\r\nthen holidays"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/couples/{couple.id}#next-session")
    session = db.session.scalar(sa.select(CoupleSession))
    assert session.agenda == "Money first,\nthen holidays"

    form = logged_in.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    assert "Money first,\nthen holidays</textarea>" in form
    assert "it is never emailed" in form
    assert f'href="/sessions/{session.id}/notes"' in form


def test_notes_are_written_after_the_session_on_their_own_page(logged_in, counselor):
    session = factories.SessionFactory(
        couple=factories.CoupleFactory(counselor=counselor),
        starts_at=datetime.now(UTC) - timedelta(hours=3),
        agenda="Money first",
    )
    page = logged_in.get(f"/sessions/{session.id}/notes").get_data(as_text=True)
    assert "After the session: private, only counselors of the practice read these" in page
    assert "never emailed" in page
    assert "Money first" in page  # the agenda, to write the notes against
    assert "has not started yet" not in page

    response = logged_in.post(
        f"/sessions/{session.id}/notes", data={"notes": "Talked about money."}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/couples/{session.couple_id}#history")
    db.session.expire_all()
    assert session.notes == "Talked about money."
    assert "Talked about money.</textarea>" in logged_in.get(
        f"/sessions/{session.id}/notes"
    ).get_data(as_text=True)
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "session", AuditEvent.object_id == session.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["session.view_notes", "session.notes_written", "session.view_notes"]


def test_notes_before_the_session_and_text_too_long_are_refused(logged_in, counselor):
    session = factories.SessionFactory(couple=factories.CoupleFactory(counselor=counselor))
    page = logged_in.get(f"/sessions/{session.id}/notes").get_data(as_text=True)
    assert "This session has not started yet." in page
    before = row_counts()

    early = logged_in.post(f"/sessions/{session.id}/notes", data={"notes": "Too early"})
    assert early.status_code == 422
    assert "notes are written after it" in early.get_data(as_text=True)
    long = logged_in.post(
        f"/sessions/{session.id}/edit",
        data={"day": "2031-01-10", "time": "09:00", "agenda": "x" * 4001},
    )
    assert long.status_code == 422
    assert "Keep this to 4000 characters or fewer." in long.get_data(as_text=True)

    db.session.expire_all()
    assert (session.notes, session.agenda) == (None, None)
    assert row_counts() == before
