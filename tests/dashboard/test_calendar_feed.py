"""The calendar feed end to end: made on Settings › Your account (its address shown once),
fetched by a calendar app at /calendar/<token>.ics without signing in, replaced and stopped
through a confirm page; an address that no longer works answers a plain 404."""

from __future__ import annotations

import logging
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from icalendar import Calendar

from counselor import tenancy
from counselor.extensions import db
from counselor.models import AuditEvent
from counselor.services.couples import calendar_feed
from tests.support import factories
from tests.support.helpers import row_counts
from tests.support.web_server import SQLITE_ONLY

ADDRESS = re.compile(r'id="calendar-url" type="text" value="([^"]+)"')


def make_address(logged_in: FlaskClient) -> str:
    """Press *Make my calendar address*; the path of the address the page shows."""
    response = logged_in.post("/settings/calendar-feed")
    assert response.status_code == 201
    found = ADDRESS.search(response.get_data(as_text=True))
    assert found, "the new address is on the page"
    return urlsplit(found.group(1)).path


def actions(counselor) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.action.like("calendar.%"), AuditEvent.actor_id == counselor.id)
            .order_by(AuditEvent.id)
        )
    )


def test_the_address_is_shown_once_and_opens_the_feed_without_signing_in(app, logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor, label="Alex & Sam R.")
    factories.SessionFactory(couple=couple, agenda="AGENDA-MARKER", notes=None)
    page = logged_in.get("/settings").get_data(as_text=True)
    assert "Make my calendar address" in page

    path = make_address(logged_in)
    assert re.fullmatch(r"/calendar/[A-Za-z0-9_-]{43}\.ics", path)
    again = logged_in.get("/settings").get_data(as_text=True)
    assert path not in again  # kept only as a hash: never shown again
    assert "Your feed's address was made" in again

    response = app.test_client().get(path)  # a calendar app: no cookie
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    calendar = Calendar.from_ical(response.data)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Session: Alex & Sam R."]
    assert b"AGENDA-MARKER" not in response.data
    assert actions(counselor) == ["calendar.feed_created", "calendar.feed_read"]


def test_a_new_address_replaces_the_old_one_after_a_confirm_page(app, logged_in, counselor):
    old = make_address(logged_in)
    asked = logged_in.post("/settings/calendar-feed")
    assert asked.status_code == 200
    assert "Make a new address for your calendar feed?" in asked.get_data(as_text=True)
    assert app.test_client().get(old).status_code == 200  # asking changed nothing

    confirmed = logged_in.post("/settings/calendar-feed", data={"confirmed": "yes"})
    new = urlsplit(ADDRESS.search(confirmed.get_data(as_text=True)).group(1)).path

    assert new != old
    assert app.test_client().get(old).status_code == 404
    assert app.test_client().get(new).status_code == 200


def test_stopping_the_feed_is_confirmed_and_its_address_answers_404(app, logged_in, counselor):
    path = make_address(logged_in)
    confirm = logged_in.get("/settings/calendar-feed/revoke").get_data(as_text=True)
    assert "Stop your calendar feed?" in confirm
    assert "This can&#39;t be undone" in confirm
    unconfirmed = logged_in.post("/settings/calendar-feed/revoke")
    assert unconfirmed.status_code == 200  # the confirm page again
    assert app.test_client().get(path).status_code == 200

    response = logged_in.post("/settings/calendar-feed/revoke", data={"confirmed": "yes"})
    assert response.status_code == 303

    gone = app.test_client().get(path)
    assert gone.status_code == 404
    assert gone.content_type.startswith("text/html")  # the plain 404 page: no hint
    assert "calendar" not in gone.get_data(as_text=True).lower()
    assert "Make my calendar address" in logged_in.get("/settings").get_data(as_text=True)
    assert actions(counselor) == [
        "calendar.feed_created",
        "calendar.feed_read",
        "calendar.feed_revoked",
    ]


@pytest.mark.parametrize("token", ["unknown", "x" * 43, "x" * 500])
def test_unknown_addresses_answer_404_and_write_nothing(client, counselor, token):
    before = row_counts()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert row_counts() == before


def test_another_practices_sessions_never_reach_the_feed(app, logged_in, counselor):
    factories.SessionFactory(couple=factories.CoupleFactory(counselor=counselor, label="Ours"))
    elsewhere = factories.CoupleFactory(label="Theirs")
    factories.SessionFactory(couple=elsewhere, starts_at=datetime.now(UTC) + timedelta(days=1))
    path = make_address(logged_in)
    body = app.test_client().get(path).get_data(as_text=True)
    assert "Session: Ours" in body
    assert "Theirs" not in body


@SQLITE_ONLY
@pytest.mark.committed_db
def test_the_token_never_reaches_the_request_log(app, live_server, counselor, caplog):
    """A real request through werkzeug's server (``make dev``'s, the same as
    ``live_server``), with the log redaction ``create_app`` installs: the request line is
    logged, its token is not (gunicorn's access log: tests/test_logs_canary.py)."""
    tenancy.enter_practice(counselor.practice_id)
    token = calendar_feed.create_feed(counselor)
    db.session.commit()
    caplog.set_level(logging.DEBUG)

    with urllib.request.urlopen(f"{live_server}/calendar/{token}.ics", timeout=10) as answer:  # noqa: S310 - 127.0.0.1
        assert answer.status == 200

    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /calendar/[token] HTTP/1.1" in line for line in lines), lines
    assert token not in caplog.text


def test_a_counselor_signed_out_can_not_make_or_stop_a_feed(client, counselor):
    assert client.post("/settings/calendar-feed").status_code == 302
    assert client.post("/settings/calendar-feed/revoke").status_code == 302
    db.session.refresh(counselor)
    assert counselor.calendar_feed_hash is None


class TestFeedRateLimit:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"RATELIMIT_ENABLED": True, "CLIENT_TOKEN_RATE_LIMIT": "2 per minute"}

    def test_a_feed_fetched_too_often_is_slowed_down(self, app, client, counselor, actor):
        token = calendar_feed.create_feed(counselor)
        db.session.commit()
        statuses = [client.get(f"/calendar/{token}.ics").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]


def test_signing_out_everywhere_stops_the_feed(app, logged_in, counselor):
    path = make_address(logged_in)

    response = logged_in.post("/settings/security/sign-out-everywhere", follow_redirects=True)

    assert "Your calendar feed address is stopped too" in response.get_data(as_text=True)
    assert app.test_client().get(path).status_code == 404
    assert actions(counselor)[-1] == "calendar.feed_revoked"


def test_reads_are_audited_once_a_day_and_a_head_is_no_read(app, clock, logged_in, counselor):
    path = make_address(logged_in)
    calendar_app = app.test_client()

    head = calendar_app.head(path)
    assert head.status_code == 200 and head.content_type.startswith("text/calendar")
    assert actions(counselor) == ["calendar.feed_created"]
    for _ in range(3):  # an app fetching every hour
        assert calendar_app.get(path).status_code == 200
        clock.advance(hours=1)
    assert actions(counselor) == ["calendar.feed_created", "calendar.feed_read"]

    clock.advance(days=1)
    calendar_app.get(path)
    assert actions(counselor).count("calendar.feed_read") == 2
