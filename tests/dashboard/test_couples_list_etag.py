"""The couples list answers a repeat view with 304 Not Modified while nothing on it changed
(its ETag names everything the page is built from: dashboard/page_versions.py), under
``Cache-Control: private, no-cache``; any change the page shows gives a new ETag and the
new page; nobody else's ETag ever matches; a page with a notice waiting gets none."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g

from counselor import timeutil
from counselor.extensions import db
from counselor.models import AuditEvent, CounselorRole, CoupleSession
from tests.support import factories
from tests.support.helpers import count_statements, login

PAGE_STATEMENTS = 5


@pytest.fixture
def listed_couple(counselor):
    couple = factories.CoupleFactory(counselor=counselor, label="Robin & Kai")
    factories.AssignmentFactory(couple=couple)
    factories.SessionFactory(couple=couple, starts_at=timeutil.utcnow() + timedelta(days=2))
    return couple


def first_view(client, path: str = "/couples"):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "Cookie" in response.headers.get("Vary", "")
    etag = response.headers["ETag"]
    return etag, response.get_data(as_text=True)


def repeat(client, etag: str, path: str = "/couples"):
    return client.get(path, headers={"If-None-Match": etag})


def list_views() -> int:
    return len(
        db.session.scalars(sa.select(AuditEvent.id).where(AuditEvent.action == "couple.list")).all()
    )


def test_a_repeat_view_answers_304_with_no_body_and_is_still_a_view(logged_in, listed_couple):
    etag, page = first_view(logged_in)
    assert "Robin &amp; Kai" in page
    views = list_views()
    with count_statements() as counter:
        again = repeat(logged_in, etag)
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert counter.count <= PAGE_STATEMENTS, counter.statements
    assert list_views() == views + 1
    # Each page of the list, each filter and order, is a page of its own.
    for other in ("/couples?sort=last_checkin", "/couples?page=2", "/couples?q=robin"):
        assert repeat(logged_in, etag, other).status_code == 200, other


def _check_in(couple):
    step = couple_step(couple)
    today = timeutil.local_today(couple.partners[1].timezone)
    factories.CheckInFactory(assignment=step, partner=couple.partners[1], occurred_on=today)


def couple_step(couple):
    from counselor.models import Assignment

    return db.session.scalar(sa.select(Assignment).where(Assignment.couple_id == couple.id))


def _rename_partner(couple):
    couple.partners[0].first_name = "Robyn"
    db.session.commit()


def _remove_session(couple):
    session = db.session.scalar(
        sa.select(CoupleSession).where(CoupleSession.couple_id == couple.id)
    )
    session.removed_at = timeutil.utcnow()
    db.session.commit()


def _new_couple(couple):
    factories.CoupleFactory(counselor=couple.counselor, label="Zed & Yan")


def _end_step(couple):
    step = couple_step(couple)
    step.times_per_week = 5
    db.session.commit()


def _pause(couple):
    couple.status = "paused"
    db.session.commit()


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (_check_in, "1/3"),
        (_rename_partner, "Robyn"),
        (_remove_session, "—</td>\n    </tr>"),
        (_new_couple, "Zed &amp; Yan"),
        (_end_step, "0/5"),
        (_pause, "badge-paused"),
    ],
)
def test_a_change_the_page_shows_gives_a_new_etag_and_the_new_page(
    logged_in, listed_couple, change, shown
):
    etag, page = first_view(logged_in)
    assert shown not in page
    change(listed_couple)
    fresh = repeat(logged_in, etag)
    assert fresh.status_code == 200
    assert shown in fresh.get_data(as_text=True)
    assert fresh.headers["ETag"] != etag
    assert repeat(logged_in, fresh.headers["ETag"]).status_code == 304


def test_time_passing_into_a_new_week_gives_a_new_etag(logged_in, listed_couple, clock):
    etag, _ = first_view(logged_in)
    clock.advance(hours=1)
    assert repeat(logged_in, etag).status_code == 304  # the same week, the same page
    clock.advance(days=7)
    assert repeat(logged_in, etag).status_code == 200


def csrf_token_on(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def test_with_a_csrf_time_limit_the_page_is_drawn_again_before_its_token_expires(
    app, logged_in, listed_couple, csrf_checked, monkeypatch
):
    """``WTF_CSRF_TIME_LIMIT`` (config_table) dates the page's token: a 304 must never
    vouch for a page whose *Log out* token has expired. The ETag names the half of the
    limit it was drawn in, so the token of a page answered 304 is under half its life."""
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    start = (int(time.time()) // 1800 + 1) * 1800 + 1  # just into a half-hour
    offset = [0]
    monkeypatch.setattr(time, "time", lambda: float(start + offset[0]))

    etag, page = first_view(logged_in)
    first_token = csrf_token_on(page)
    offset[0] = 1700
    assert repeat(logged_in, etag).status_code == 304  # the same half of the limit
    offset[0] = 1800
    # Flask-WTF keeps a request's token in ``g``, which the suite's app context outlives.
    g.pop(app.config["WTF_CSRF_FIELD_NAME"], None)
    fresh = repeat(logged_in, etag)
    assert fresh.status_code == 200  # the next half: drawn again, with a fresh token
    fresh_token = csrf_token_on(fresh.get_data(as_text=True))
    assert fresh_token != first_token
    offset[0] = 3700  # the first page's token has expired; the fresh one has not
    assert logged_in.post("/logout", data={"csrf_token": first_token}).status_code == 400
    response = logged_in.post("/logout", data={"csrf_token": fresh_token})
    assert response.status_code == 302
    assert response.location == "/login"


def test_without_a_csrf_time_limit_time_alone_changes_nothing(
    logged_in, listed_couple, monkeypatch
):
    real = time.time
    etag, _ = first_view(logged_in)
    monkeypatch.setattr(time, "time", lambda: real() + 30 * 24 * 3600)
    assert repeat(logged_in, etag).status_code == 304


def test_the_viewer_s_own_changes_give_a_new_etag(logged_in, counselor, listed_couple):
    etag, _ = first_view(logged_in)
    counselor.timezone = "Europe/Berlin"  # every time on the page reads differently
    db.session.commit()
    assert repeat(logged_in, etag).status_code == 200


def test_nobody_else_gets_this_page_s_etag(app, logged_in, counselor, listed_couple):
    etag, _ = first_view(logged_in)
    colleague = factories.CounselorFactory(
        practice=counselor.practice, role=CounselorRole.COUNSELOR
    )
    neighbour = factories.CounselorFactory()  # another practice
    for other in (colleague, neighbour):
        client = app.test_client()
        login(client, other.email, factories.PASSWORD)
        response = repeat(client, etag)
        assert response.status_code == 200, other
        assert "Robin &amp; Kai" not in response.get_data(as_text=True)
        assert response.headers["ETag"] != etag
    # The same counselor signed in again (a new session, a new CSRF token): a new page.
    again = app.test_client()
    login(again, counselor.email, factories.PASSWORD)
    assert repeat(again, etag).status_code == 200


def test_a_page_with_a_notice_waiting_is_shown_with_it_and_gets_no_etag(logged_in, listed_couple):
    etag, _ = first_view(logged_in)
    with logged_in.session_transaction() as browser:
        browser["_flashes"] = [("success", "Changes saved.")]
    shown = repeat(logged_in, etag)
    assert shown.status_code == 200
    assert "Changes saved." in shown.get_data(as_text=True)
    assert "ETag" not in shown.headers
    assert shown.headers["Cache-Control"] == "no-store"
    # Shown once: the next view is the plain page again, the one the browser had.
    assert repeat(logged_in, etag).status_code == 304


def test_every_other_dashboard_page_stays_no_store(logged_in, listed_couple):
    for path in (f"/couples/{listed_couple.id}", "/ladder", "/settings"):
        response = logged_in.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert "ETag" not in response.headers, path


def test_signing_out_clears_what_the_browser_kept(logged_in, listed_couple):
    first_view(logged_in)
    response = logged_in.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert "Clear-Site-Data" not in logged_in.get("/login").headers
