"""counselor/services/couples/calendar_feed.py: a counselor's sessions as iCalendar, read
back with the ``icalendar`` library as a calendar app would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar

from counselor import tenancy
from counselor.extensions import db
from counselor.models import AccountTokenPurpose, AuditEvent, CounselorRole
from counselor.services.accounts import account_links, counselors, team
from counselor.services.couples import calendar_feed, sessions
from tests.support import factories

pytestmark = pytest.mark.usefixtures("clock")

NEW_YORK = ZoneInfo("America/New_York")


def parsed(counselor) -> Calendar:
    tenancy.enter_as_counselor(counselor)
    return Calendar.from_ical(calendar_feed.feed_ics(counselor))


def uid(session) -> str:
    return f"session-{session.id}@{urlsplit(current_app.config['PUBLIC_BASE_URL']).hostname}"


def summaries(calendar: Calendar) -> list[str]:
    return [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]


@pytest.fixture
def new_york_counselor(app):
    practice = factories.PracticeFactory(timezone="America/New_York", name="Hudson Practice")
    return factories.CounselorFactory(practice=practice)


def test_sessions_keep_their_local_time_across_a_daylight_saving_change(clock, new_york_counselor):
    clock.set(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    couple = factories.CoupleFactory(counselor=new_york_counselor, label="Alex & Sam R.")
    for day in (6, 13):  # EST (UTC-5), then EDT (UTC-4)
        factories.SessionFactory(
            couple=couple, starts_at=datetime(2026, 3, day, 10, 0, tzinfo=NEW_YORK)
        )

    calendar = parsed(new_york_counselor)

    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == calendar_feed.PRODUCT_ID
    assert str(calendar["X-WR-CALNAME"]) == "Sessions · Hudson Practice"
    assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    events = calendar.walk("VEVENT")
    assert len(events) == 2
    for event, day, offset in zip(events, (6, 13), (-5, -4), strict=True):
        start = event.decoded("DTSTART")
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert (start.day, start.hour, start.minute) == (day, 10, 0)
        assert start.utcoffset() == timedelta(hours=offset)
        assert event.decoded("DTEND") - start == timedelta(minutes=sessions.SESSION_MINUTES)
        assert str(event["SUMMARY"]) == "Session: Alex & Sam R."
    # The raw text says 10:00 on the practice's clock, as RFC 5545 local time with a TZID.
    text = calendar_feed.feed_ics(new_york_counselor).decode()
    assert "DTSTART;TZID=America/New_York:20260306T100000" in text
    assert "DTSTART;TZID=America/New_York:20260313T100000" in text
    assert "BEGIN:VTIMEZONE" in text


def test_sessions_keep_their_local_time_when_the_clocks_fall_back(app, clock, new_york_counselor):
    """New York leaves daylight saving time on 1 November 2026: one session before, one
    after, both at 10:00 local time, read as a calendar app reads them, from the URL."""
    clock.set(datetime(2026, 10, 20, 12, 0, tzinfo=UTC))
    couple = factories.CoupleFactory(counselor=new_york_counselor, label="Alex & Sam R.")
    before, after = datetime(2026, 10, 30, 10, 0), datetime(2026, 11, 6, 10, 0)  # EDT, EST
    for local in (before, after):
        factories.SessionFactory(couple=couple, starts_at=local.replace(tzinfo=NEW_YORK))
    tenancy.enter_practice(new_york_counselor.practice_id)
    token = calendar_feed.create_feed(new_york_counselor)
    db.session.commit()

    response = app.test_client().get(f"/calendar/{token}.ics")

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "DTSTART;TZID=America/New_York:20261030T100000" in text
    assert "DTSTART;TZID=America/New_York:20261106T100000" in text
    events = Calendar.from_ical(response.data).walk("VEVENT")
    starts = [event.decoded("DTSTART") for event in events]
    assert [(s.month, s.day, s.hour) for s in starts] == [(10, 30, 10), (11, 6, 10)]
    assert [s.utcoffset() for s in starts] == [timedelta(hours=-4), timedelta(hours=-5)]
    assert [s.astimezone(UTC).hour for s in starts] == [14, 15]


def test_the_refresh_hints_are_durations_as_rfc_5545_writes_them(app, counselor):
    tenancy.enter_as_counselor(counselor)
    lines = calendar_feed.feed_ics(counselor).decode().split("\r\n")
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines


def test_uids_are_stable_and_each_event_links_to_the_couple_page(app, new_york_counselor):
    couple = factories.CoupleFactory(counselor=new_york_counselor)
    session = factories.SessionFactory(couple=couple)
    first = parsed(new_york_counselor).walk("VEVENT")[0]
    again = parsed(new_york_counselor).walk("VEVENT")[0]
    assert str(first["UID"]) == str(again["UID"]) == uid(session)
    assert str(first["URL"]).endswith(f"/couples/{couple.id}")
    assert "DESCRIPTION" not in first  # the link once, as its URL
    tenancy.enter_as_counselor(new_york_counselor)
    text = calendar_feed.feed_ics(new_york_counselor).decode()
    assert text.count(f"/couples/{couple.id}") == 1


def test_no_client_text_and_no_partner_detail_in_the_feed(app, counselor):
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="The R. couple",
        partners=[
            {"first_name": "Morgana", "email": "morgana@example.org"},
            {"first_name": "Tristan", "email": "tristan@example.org"},
        ],
    )
    factories.SessionFactory(
        couple=couple,
        starts_at=datetime.now(UTC) - timedelta(days=2),
        agenda="AGENDA-MARKER talk about money",
        notes="NOTES-MARKER she cried",
    )
    step = factories.AssignmentFactory(couple=couple)
    factories.CheckInFactory(assignment=step, reflection="REFLECTION-MARKER")

    tenancy.enter_as_counselor(counselor)
    body = calendar_feed.feed_ics(counselor).decode()

    assert "Session: The R. couple" in body
    for secret in (
        "AGENDA-MARKER",
        "NOTES-MARKER",
        "REFLECTION-MARKER",
        "Morgana",
        "Tristan",
        "@example.org",
    ):
        assert secret not in body


def test_the_window_starts_thirty_days_back_and_removed_sessions_leave(clock, counselor):
    couple = factories.CoupleFactory(counselor=counselor, label="Window")
    now = clock.now
    factories.SessionFactory(couple=couple, starts_at=now - timedelta(days=31))
    kept = factories.SessionFactory(couple=couple, starts_at=now - timedelta(days=29))
    factories.SessionFactory(couple=couple, starts_at=now + timedelta(days=7), removed_at=now)
    upcoming = factories.SessionFactory(couple=couple, starts_at=now + timedelta(days=400))

    uids = [str(e["UID"]) for e in parsed(counselor).walk("VEVENT")]

    assert uids == [uid(kept), uid(upcoming)]


def test_only_the_counselors_own_couples_never_another_practices(app, counselor):
    practice = counselor.practice
    practice.staff_see_all_couples = True  # even where colleagues' couples are visible
    staff = factories.CounselorFactory(practice=practice, role=CounselorRole.COUNSELOR)
    factories.SessionFactory(couple=factories.CoupleFactory(counselor=staff, label="Mine"))
    factories.SessionFactory(couple=factories.CoupleFactory(counselor=counselor, label="Owner's"))
    factories.SessionFactory(couple=factories.CoupleFactory(label="Elsewhere"))

    assert summaries(parsed(staff)) == ["Session: Mine"]
    assert summaries(parsed(counselor)) == ["Session: Owner's"]


def test_a_staff_counselor_kept_to_their_couples_sees_no_colleagues_session(app, counselor):
    staff = factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)
    factories.SessionFactory(couple=factories.CoupleFactory(counselor=staff, label="Mine"))
    factories.SessionFactory(couple=factories.CoupleFactory(counselor=counselor, label="Theirs"))
    assert summaries(parsed(staff)) == ["Session: Mine"]


def test_an_empty_feed_is_a_valid_calendar(app, counselor):
    calendar = parsed(counselor)
    assert calendar.walk("VEVENT") == []
    assert str(calendar["X-WR-TIMEZONE"]) == "America/Chicago"


def test_a_token_opens_the_feed_until_it_is_replaced_or_revoked(app, counselor):
    tenancy.enter_practice(counselor.practice_id)
    first = calendar_feed.create_feed(counselor)
    assert counselor.calendar_feed_hash == calendar_feed.hash_token(first)
    assert first not in counselor.calendar_feed_hash  # only the hash is kept
    assert calendar_feed.counselor_for_feed(first) is counselor

    second = calendar_feed.create_feed(counselor)
    assert calendar_feed.counselor_for_feed(first) is None
    assert calendar_feed.counselor_for_feed(second) is counselor

    calendar_feed.revoke_feed(counselor)
    assert calendar_feed.counselor_for_feed(second) is None
    assert counselor.calendar_feed_created_at is None
    calendar_feed.revoke_feed(counselor)  # nothing to revoke: nothing happens

    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == counselor.id)
    ).all()
    assert actions == ["calendar.feed_created", "calendar.feed_created", "calendar.feed_revoked"]


@pytest.mark.parametrize("token", ["", "x" * 101, "not-a-token"])
def test_unknown_tokens_open_nothing(app, token):
    assert calendar_feed.counselor_for_feed(token) is None


def test_a_deactivated_counselors_feed_is_closed(app, counselor):
    tenancy.enter_practice(counselor.practice_id)
    token = calendar_feed.create_feed(counselor)
    counselor.active = False
    db.session.flush()
    assert calendar_feed.counselor_for_feed(token) is None


# The feed goes with the counselor's access: it never outlives a deactivation, a password
# reset or *Sign out everywhere* (the dashboard's, tests/dashboard/test_calendar_feed.py).


def feed_revocations(counselor) -> list[int | None]:
    """The actors of the counselor's ``calendar.feed_revoked`` events."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent.actor_id).where(
                AuditEvent.action == "calendar.feed_revoked", AuditEvent.object_id == counselor.id
            )
        )
    )


def test_deactivating_revokes_the_feed_and_reactivating_does_not_bring_it_back(app, counselor):
    tenancy.enter_practice(counselor.practice_id)
    staff = factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)
    token = calendar_feed.create_feed(staff)

    team.deactivate(counselor, staff.id)
    team.reactivate(counselor, staff.id)

    assert staff.active and staff.calendar_feed_hash is None
    assert calendar_feed.counselor_for_feed(token) is None
    assert feed_revocations(staff) == [counselor.id]  # by the owner who deactivated them


def test_a_password_reset_by_email_revokes_the_feed(app, counselor):
    tenancy.enter_practice(counselor.practice_id)
    token = calendar_feed.create_feed(counselor)
    link = account_links.issue_token(counselor, AccountTokenPurpose.PASSWORD_RESET)
    found = account_links.live_token(link, AccountTokenPurpose.PASSWORD_RESET)

    account_links.reset_password(found, "A much newer passphrase 9")

    assert calendar_feed.counselor_for_feed(token) is None
    assert feed_revocations(counselor) == [counselor.id]


def test_an_operators_new_password_revokes_the_feed(app, counselor):
    tenancy.enter_practice(counselor.practice_id)
    token = calendar_feed.create_feed(counselor)

    counselors.set_password(counselor, "A much newer passphrase 9")

    assert calendar_feed.counselor_for_feed(token) is None
    assert feed_revocations(counselor) == [None]  # the system's


def test_changing_ones_own_password_keeps_the_feed(app, counselor):
    tenancy.enter_practice(counselor.practice_id)
    token = calendar_feed.create_feed(counselor)
    counselors.change_password(
        counselor, factories.PASSWORD, "A much newer passphrase 9", keep_session_id=None
    )
    assert calendar_feed.counselor_for_feed(token) is counselor
