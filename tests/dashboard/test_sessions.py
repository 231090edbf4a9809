"""Upcoming sessions, entered in the practice's local time."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import CoupleSession
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
