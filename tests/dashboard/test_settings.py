"""The settings page: a counselor's own preferences, and the owner's practice settings."""

from __future__ import annotations

from counselor.extensions import db
from counselor.models import CounselorRole, EmailDetail, ReminderCadence
from tests.support import factories
from tests.support.helpers import login, row_counts


def test_a_counselor_sets_time_zone_and_turns_the_digest_off(logged_in, counselor):
    response = logged_in.post("/settings", data={"me-timezone": "Europe/Lisbon", "me-submit": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (counselor.timezone, counselor.weekly_digest) == ("Europe/Lisbon", False)


def test_an_unknown_time_zone_is_refused_at_the_field(logged_in, counselor):
    before = row_counts()
    response = logged_in.post("/settings", data={"me-timezone": "Atlantis/Deep", "me-submit": "1"})
    assert response.status_code == 422
    assert 'id="me-timezone-error"' in response.get_data(as_text=True)
    assert row_counts() == before


def test_an_owner_sets_the_practice_cadence_and_email_detail(logged_in, counselor):
    response = logged_in.post(
        "/settings",
        data={
            "practice-practice_timezone": "America/Denver",
            "practice-reminder_cadence": "gentle",
            "practice-email_detail": "titles",
            "practice-submit": "1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    practice = counselor.practice
    assert practice.reminder_cadence == ReminderCadence.GENTLE
    assert practice.email_detail == EmailDetail.TITLES
    assert practice.timezone == "America/Denver"


def test_a_counselor_who_is_not_an_owner_cannot_change_the_practice(client, app):
    owner = factories.CounselorFactory()
    colleague = factories.CounselorFactory(practice=owner.practice, role=CounselorRole.COUNSELOR)
    login(client, colleague.email, factories.PASSWORD)
    assert "An owner of the practice can change these." in client.get("/settings").get_data(
        as_text=True
    )
    response = client.post(
        "/settings",
        data={
            "practice-practice_timezone": "UTC",
            "practice-reminder_cadence": "off",
            "practice-email_detail": "titles",
            "practice-submit": "1",
        },
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert owner.practice.reminder_cadence == ReminderCadence.STANDARD
