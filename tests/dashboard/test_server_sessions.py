"""Server-side sessions (issue 13, item 1): the cookie carries only a random id; a session
ends on logout, *Sign out everywhere*, a password change (``sessions.end_all``), idleness
past the practice's minutes, age past its hours, and deactivation — and a cookie captured
before any of those is refused when replayed afterwards, from another client."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.dashboard.auth import SESSION_KEY
from counselor.dashboard.security import describe_browser
from counselor.extensions import db
from counselor.models import AuditEvent, CounselorSession
from counselor.services.accounts import sessions
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.helpers import count_rows, login

COOKIE = "session"


def captured_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def replay(app, cookie: str):
    """A fresh client (another machine) sending exactly the captured cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie)
    return thief.get("/couples")


def assert_refused(response) -> None:
    assert response.status_code == 302
    assert response.location.startswith("/login")


def assert_refused_and_cache_cleared(response) -> None:
    """Refused, and the browser told to drop the pages it kept of the session (the couples
    list, which it may keep to revalidate, would otherwise stay in its disk cache for Back
    to show)."""
    assert_refused(response)
    assert response.headers["Clear-Site-Data"] == '"cache"'


def all_sessions() -> list[CounselorSession]:
    db.session.expire_all()
    statement = sa.select(CounselorSession).order_by(CounselorSession.id)
    return list(db.session.scalars(across_practices(statement)))


def actions() -> list[str]:
    statement = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    return list(db.session.scalars(across_practices(statement)))


def test_the_cookie_holds_only_a_random_id_whose_hash_the_row_keeps(logged_in, counselor):
    with logged_in.session_transaction() as session:
        contents = dict(session)
    assert set(contents) == {SESSION_KEY}
    raw_id = contents[SESSION_KEY]
    assert len(raw_id) >= 43  # 32 random bytes
    [row] = all_sessions()
    assert row.counselor_id == counselor.id
    assert row.id_hash == hashlib.sha256(raw_id.encode()).hexdigest()
    assert raw_id not in str([row.id_hash, row.ip, row.user_agent])
    assert row.ip == "127.0.0.1"
    assert row.second_factor_at is not None


def test_the_user_agent_is_kept_to_300_characters(client, counselor):
    client.post(
        "/login",
        data={"email": counselor.email, "password": factories.PASSWORD},
        headers={"User-Agent": "Mozilla/5.0 " + "x" * 1000},
    )
    [row] = all_sessions()
    assert len(row.user_agent) == 300


def test_a_login_never_keeps_a_planted_session_id(client, counselor):
    with client.session_transaction() as session:
        session[SESSION_KEY] = "chosen-by-an-attacker"
    login(client, counselor.email, factories.PASSWORD)
    with client.session_transaction() as session:
        assert session[SESSION_KEY] != "chosen-by-an-attacker"
    assert client.get("/couples").status_code == 200


def test_a_cookie_captured_before_logout_is_refused_afterwards(app, logged_in):
    cookie = captured_cookie(logged_in)
    assert replay(app, cookie).status_code == 200
    logged_in.post("/logout")
    assert_refused(replay(app, cookie))
    [row] = all_sessions()
    assert row.ended_reason == sessions.LOGOUT


def test_a_cookie_captured_before_sign_out_everywhere_is_refused_afterwards(
    app, logged_in, counselor
):
    other_browser = app.test_client()
    login(other_browser, counselor.email, factories.PASSWORD)
    cookies = [captured_cookie(logged_in), captured_cookie(other_browser)]

    response = logged_in.post("/settings/security/sign-out-everywhere")

    assert response.status_code == 302
    assert response.location == "/login"
    assert response.headers["Clear-Site-Data"] == '"cache"'
    for cookie in cookies:
        assert_refused(replay(app, cookie))
    assert {row.ended_reason for row in all_sessions()} == {sessions.SIGNED_OUT_EVERYWHERE}
    assert "session.end_all" in actions()
    page = logged_in.get("/login").get_data(as_text=True)
    assert "signed out everywhere" in page


def test_a_cookie_captured_before_end_all_is_refused_afterwards(app, logged_in, counselor):
    """What a password change or reset does (services/accounts/counselors.py)."""
    cookie = captured_cookie(logged_in)
    sessions.end_all(counselor.id, sessions.PASSWORD_CHANGED)
    db.session.commit()
    response = replay(app, cookie)
    assert_refused_and_cache_cleared(response)
    assert_refused_and_cache_cleared(logged_in.get("/couples"))
    page = logged_in.get("/login").get_data(as_text=True)
    assert "This session was ended." in page


def test_end_all_can_keep_the_session_asking(app, logged_in, counselor):
    other_browser = app.test_client()
    login(other_browser, counselor.email, factories.PASSWORD)
    keep, _other = all_sessions()
    assert sessions.end_all(counselor.id, sessions.PASSWORD_CHANGED, keep_session_id=keep.id) == 1
    db.session.commit()
    assert logged_in.get("/couples").status_code == 200
    assert_refused(other_browser.get("/couples"))


def test_idle_past_the_practices_minutes_signs_out(clock, logged_in, counselor):
    counselor.practice.session_idle_minutes = 10
    db.session.commit()
    for _ in range(3):  # activity keeps it alive, well past 10 minutes in all
        clock.advance(minutes=9)
        assert logged_in.get("/couples").status_code == 200
    clock.advance(minutes=10)
    response = logged_in.get("/couples")
    assert_refused_and_cache_cleared(response)
    assert "next=" in response.location
    login_page = logged_in.get("/login")
    assert "You were signed out after 10 minutes without activity." in login_page.get_data(
        as_text=True
    )
    assert "Clear-Site-Data" not in login_page.headers  # once, with the refusal
    [row] = all_sessions()
    assert row.ended_reason == sessions.IDLE


def test_last_seen_is_written_at_most_once_a_minute(clock, logged_in):
    [row] = all_sessions()
    started = row.last_seen_at
    clock.advance(seconds=40)
    assert logged_in.get("/couples").status_code == 200
    assert all_sessions()[0].last_seen_at == started
    clock.advance(seconds=40)
    assert logged_in.get("/couples").status_code == 200
    assert all_sessions()[0].last_seen_at == started + timedelta(seconds=80)


def test_a_session_never_outlives_the_practices_hours(clock, logged_in, counselor):
    counselor.practice.session_max_hours = 2
    db.session.commit()
    for _ in range(4):
        clock.advance(minutes=29)
        assert logged_in.get("/couples").status_code == 200
    clock.advance(minutes=5)  # 2 h 1 min after login, active a moment ago
    assert_refused_and_cache_cleared(logged_in.get("/couples"))
    page = logged_in.get("/login").get_data(as_text=True)
    assert "a session lasts at most 2 hours" in page
    [row] = all_sessions()
    assert row.ended_reason == sessions.EXPIRED


def test_deactivation_mid_session_refuses_and_ends_it(app, logged_in, counselor):
    cookie = captured_cookie(logged_in)
    counselor.active = False
    db.session.commit()
    assert_refused_and_cache_cleared(logged_in.get("/couples"))
    [row] = all_sessions()
    assert row.ended_reason == sessions.DEACTIVATED
    counselor.active = True  # even once reactivated, the old cookie stays dead
    db.session.commit()
    assert_refused(replay(app, cookie))


def test_a_cookie_naming_no_session_is_refused(client, counselor):
    with client.session_transaction() as session:
        session[SESSION_KEY] = "no-such-session"
    assert_refused(client.get("/couples"))
    with client.session_transaction() as session:
        assert SESSION_KEY not in session


class TestAudit:
    def test_login_and_logout(self, logged_in, counselor):
        logged_in.post("/logout")
        events = db.session.scalars(
            across_practices(sa.select(AuditEvent).order_by(AuditEvent.id))
        ).all()
        login_event, logout_event = (e for e in events if e.action.startswith("auth."))
        assert (login_event.action, login_event.actor_type, login_event.actor_id) == (
            "auth.login",
            "counselor",
            counselor.id,
        )
        assert logout_event.action == "auth.logout"
        assert logout_event.practice_id == counselor.practice_id

    def test_a_failed_login_names_the_account_never_the_address(self, client, counselor):
        login(client, counselor.email, "not the password")
        login(client, "nobody-at-all@example.org", "whatever it is")
        failed = db.session.scalars(
            across_practices(
                sa.select(AuditEvent)
                .where(AuditEvent.action == "auth.login_failed")
                .order_by(AuditEvent.id)
            )
        ).all()
        assert [(e.practice_id, e.object_id, e.actor_type) for e in failed] == [
            (counselor.practice_id, counselor.id, "anonymous"),
            (None, None, "anonymous"),
        ]
        assert count_rows(CounselorSession) == 0


class TestSecurityPage:
    def test_it_lists_the_counselors_sessions_and_marks_this_browser(
        self, app, logged_in, counselor
    ):
        phone = app.test_client()
        phone.post(
            "/login",
            data={"email": counselor.email, "password": factories.PASSWORD},
            headers={
                "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
                "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 "
                "Safari/604.1"
            },
        )
        colleague = factories.CounselorFactory(practice=counselor.practice)
        login(app.test_client(), colleague.email, factories.PASSWORD)

        page = logged_in.get("/settings/security").get_data(as_text=True)

        assert page.count("This browser</span>") == 1
        assert "Safari on iOS" in page
        assert page.count('/end"') == 1  # an End button for the other one only
        mine = [r for r in all_sessions() if r.counselor_id == counselor.id]
        assert len(mine) == 2

    def test_ending_another_session_signs_that_browser_out(self, app, logged_in, counselor):
        other_browser = app.test_client()
        login(other_browser, counselor.email, factories.PASSWORD)
        other = all_sessions()[-1]

        response = logged_in.post(f"/settings/security/sessions/{other.id}/end")

        assert response.location == "/settings/security"
        assert "Clear-Site-Data" not in response.headers  # this browser stays signed in
        assert_refused_and_cache_cleared(other_browser.get("/couples"))
        assert "Clear-Site-Data" not in logged_in.get("/couples").headers
        assert all_sessions()[-1].ended_reason == sessions.ENDED_BY_USER
        assert "session.end" in actions()

    def test_another_counselors_session_is_not_found(self, app, logged_in, counselor):
        colleague = factories.CounselorFactory(practice=counselor.practice)
        theirs = app.test_client()
        login(theirs, colleague.email, factories.PASSWORD)
        their_row = all_sessions()[-1]

        response = logged_in.post(f"/settings/security/sessions/{their_row.id}/end")

        assert response.status_code == 404
        assert theirs.get("/couples").status_code == 200

    def test_ending_this_browsers_own_session_logs_out(self, logged_in):
        [row] = all_sessions()
        response = logged_in.post(f"/settings/security/sessions/{row.id}/end")
        assert response.location == "/login"
        assert response.headers["Clear-Site-Data"] == '"cache"'
        assert_refused(logged_in.get("/couples"))


@pytest.mark.parametrize(
    ("agent", "summary"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
            "Firefox on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("curl/8.5.0", "An unknown browser"),
        (None, "An unknown browser"),
    ],
)
def test_a_user_agent_reads_as_browser_and_system(agent, summary):
    assert describe_browser(agent) == summary
