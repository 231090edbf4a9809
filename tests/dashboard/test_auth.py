"""Logging in and out, and what guards the dashboard."""

from __future__ import annotations

import pytest

from counselor.extensions import db
from tests.support import factories
from tests.support.helpers import login, row_counts


def test_pages_need_a_login(client):
    response = client.get("/couples")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_login_with_right_password_lands_on_couples(client, counselor):
    response = login(client, counselor.email, factories.PASSWORD)
    assert response.status_code == 302
    assert response.location == "/couples"
    assert client.get("/couples").status_code == 200


@pytest.mark.parametrize("email_case", [str.lower, str.upper])
def test_email_is_matched_without_regard_to_case(client, counselor, email_case):
    assert login(client, email_case(counselor.email), factories.PASSWORD).status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, counselor):
    wrong = login(client, counselor.email, "not the password")
    unknown = login(client, "nobody@example.org", factories.PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert b"do not match an account" in wrong.data
    assert b"do not match an account" in unknown.data
    assert client.get("/couples").status_code == 302


def test_inactive_counselor_cannot_log_in(client, app):
    counselor = factories.CounselorFactory(active=False)
    assert login(client, counselor.email, factories.PASSWORD).status_code == 401


def test_deactivating_a_counselor_ends_their_session(logged_in, counselor):
    counselor.active = False
    db.session.commit()
    assert logged_in.get("/couples").status_code == 302


def test_login_redirects_only_within_the_site(client, counselor):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            f"/login?next={target}", data={"email": counselor.email, "password": factories.PASSWORD}
        )
        assert response.location == "/couples"
        client.post("/logout")
    response = client.post(
        "/login?next=/ladder", data={"email": counselor.email, "password": factories.PASSWORD}
    )
    assert response.location == "/ladder"


def test_logout_is_a_post_and_ends_the_session(logged_in):
    assert logged_in.get("/logout").status_code == 405
    assert logged_in.post("/logout").status_code == 302
    assert logged_in.get("/couples").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client, counselor):
    response = login(client, counselor.email, factories.PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_idle_session_is_logged_out(clock, logged_in, counselor):
    """After the practice's session_idle_minutes (30 unless changed) without a request."""
    assert counselor.practice.session_idle_minutes == 30
    clock.advance(minutes=31)
    response = logged_in.get("/couples")
    assert response.status_code == 302
    assert response.location.startswith("/login")
    assert logged_in.get("/couples").status_code == 302


def test_activity_keeps_the_session_alive(clock, logged_in):
    for _ in range(3):
        clock.advance(minutes=20)
        assert logged_in.get("/couples").status_code == 200


def test_pages_carry_security_headers(logged_in):
    response = logged_in.get("/couples")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.usefixtures("csrf_checked")
class TestWithCsrf:
    def test_a_form_without_its_token_is_refused_and_writes_nothing(self, client, counselor):
        page = client.get("/login")
        token = page.data.split(b'name="csrf_token" type="hidden" value="')[1].split(b'"')[0]
        client.post(
            "/login",
            data={"email": counselor.email, "password": factories.PASSWORD, "csrf_token": token},
        )
        before = row_counts()
        response = client.post(
            "/couples/new", data={"label": "No token", "partners-0-first_name": "A"}
        )
        assert response.status_code == 400
        assert b"This form has expired" in response.data
        assert row_counts() == before


class TestLoginRateLimit:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}

    def test_repeated_failures_are_slowed_down(self, client, counselor):
        statuses = [login(client, counselor.email, "wrong").status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        assert "Retry-After" in login(client, counselor.email, "wrong").headers
