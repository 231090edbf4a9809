"""Every time the dashboard shows is on the viewer's clock (the logged-in counselor's zone,
which may differ from the practice's) and labelled with its zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import CoupleSession, EmailKind, OutboxEmail, OutboxStatus
from counselor.services.accounts import api_keys
from tests.support import factories

pytestmark = pytest.mark.usefixtures("actor")  # the test reads the counselor's practice

# The clock (tests/support/clock.py) says Wednesday 13 May 2026, 17:00 UTC.
SESSION_AT = datetime(2026, 5, 15, 14, 0, tzinfo=UTC)  # 15:00 in London, 09:00 in Chicago
SENT_AT = datetime(2026, 5, 13, 16, 5, tzinfo=UTC)  # 17:05 in London, 11:05 in Chicago


@pytest.fixture
def in_london(counselor):
    """The counselor lives in London; their practice (the factory's) is in Chicago."""
    counselor.timezone = "Europe/London"
    db.session.commit()
    assert counselor.practice.timezone == "America/Chicago"
    return counselor


def text_of(response) -> str:
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


# -- the filter ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "fmt", "shown"),
    [
        ("Europe/London", "%a %d %b %Y, %H:%M", "Fri 15 May 2026, 15:00 BST"),
        ("America/Chicago", "%a %d %b %Y, %H:%M", "Fri 15 May 2026, 09:00 CDT"),
        ("Asia/Kolkata", "%H:%M", "19:30 IST"),
        ("Europe/Istanbul", "%a %d %b %H:%M", "Fri 15 May 17:00 UTC+3"),
        # A date alone carries no label: it is the day on that clock, nothing more.
        ("Pacific/Auckland", "%d %b %Y", "16 May 2026"),
    ],
)
def test_the_local_filter_labels_every_time_of_day(app, zone, fmt, shown):
    local = app.jinja_env.filters["local"]
    assert local(SESSION_AT, zone, fmt) == shown


def test_the_local_filter_prints_nothing_for_no_moment(app):
    assert app.jinja_env.filters["local"](None, "UTC") == ""


def test_the_local_filter_follows_daylight_saving(app):
    local = app.jinja_env.filters["local"]
    assert local(datetime(2026, 12, 3, 9, 0, tzinfo=UTC), "Europe/London") == (
        "Thu 03 Dec 2026, 09:00 GMT"
    )
    assert local(datetime(2026, 7, 3, 9, 0, tzinfo=UTC), "Europe/London") == (
        "Fri 03 Jul 2026, 10:00 BST"
    )


# -- the pages -----------------------------------------------------------------------------


def test_the_couple_page_shows_times_on_the_counselor_s_clock_not_the_practice_s(
    logged_in, in_london, clock
):
    couple = factories.CoupleFactory(
        counselor=in_london,
        partners=[{"timezone": "Asia/Tokyo", "reminder_hour": 18}, {"reminder_hour": 10}],
    )
    factories.SessionFactory(couple=couple, starts_at=SESSION_AT)
    db.session.add(
        OutboxEmail(
            practice_id=couple.practice_id,
            partner_id=couple.partners[0].id,
            kind=EmailKind.NEW_STEP,
            status=OutboxStatus.SENT,
            sent_at=SENT_AT,
        )
    )
    db.session.commit()

    page = text_of(logged_in.get(f"/couples/{couple.id}"))

    assert "Times are in your time zone, Europe/London" in page
    # The next session, at the top of the page.
    assert '<p class="next-when"><strong>Fri 15 May 2026, 15:00 BST</strong></p>' in page
    assert "09:00" not in page and "CDT" not in page  # nothing on the practice's clock
    assert "sent Wed 13 May 17:05 BST" in page
    # A partner's reminder hour is on their own clock, and says so.
    assert "Asia/Tokyo · reads English · reminders at 18:00 their time" in page
    assert "America/Chicago · reads English · reminders at 10:00 their time" in page


def test_the_couples_list_shows_the_next_session_on_the_counselor_s_clock(
    logged_in, in_london, clock
):
    couple = factories.CoupleFactory(counselor=in_london)
    factories.SessionFactory(couple=couple, starts_at=SESSION_AT)
    page = text_of(logged_in.get("/couples"))
    assert "Fri 15 May 2026, 15:00 BST" in page
    assert "Times are in your time zone, Europe/London" in page


def test_a_session_is_entered_on_the_counselor_s_clock(logged_in, in_london):
    couple = factories.CoupleFactory(counselor=in_london)
    form = text_of(logged_in.get(f"/couples/{couple.id}/sessions/new"))
    assert "Times are in your time zone, Europe/London" in form
    response = logged_in.post(
        f"/couples/{couple.id}/sessions/new", data={"day": "2031-07-01", "time": "15:30"}
    )
    assert response.status_code == 302
    session = db.session.scalar(sa.select(CoupleSession))
    assert session.starts_at == datetime(2031, 7, 1, 14, 30, tzinfo=UTC)  # BST is UTC+1
    edit = logged_in.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'value="2031-07-01"' in edit and 'value="15:30"' in edit


def test_settings_pages_show_times_on_the_counselor_s_clock(logged_in, in_london, actor, clock):
    key, _secret = api_keys.create_api_key(actor, "Host")
    key.created_at = SENT_AT
    db.session.commit()
    page = text_of(logged_in.get("/settings/api-keys"))
    assert "Wed 13 May 2026, 17:05 BST" in page
    assert "Times are in your time zone, Europe/London" in page
