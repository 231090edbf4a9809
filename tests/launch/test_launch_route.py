"""GET /launch: a host system opens the dashboard for one of its counselors."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from counselor import timeutil
from counselor.dashboard.auth import SESSION_KEY
from counselor.services.accounts import launch, sessions
from tests.support import factories
from tests.support.guide import guide_snippet
from tests.support.launch_tokens import mint, unsigned

REFUSED_TEXT = "This link cannot open the dashboard"


def assert_no_session(client) -> None:
    response = client.get("/couples")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_a_valid_token_logs_in_and_lands_on_the_couple(client, counselor, secret):
    couple = factories.CoupleFactory(counselor=counselor)

    response = client.get(
        "/launch", query_string={"token": mint(secret, counselor.email, couple_id=couple.id)}
    )

    assert response.status_code == 302
    assert response.location == f"/couples/{couple.id}"
    page = client.get(response.location)
    assert page.status_code == 200
    assert couple.label in page.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session  # only the session row's id signs in
        row = sessions.by_cookie_id(session[SESSION_KEY])
    assert row.counselor_id == counselor.id
    assert row.ended_at is None
    assert row.second_factor_at is not None  # no second factor set up: none owed
    assert abs(row.last_seen_at.timestamp() - time.time()) < 60


def test_without_a_couple_it_lands_on_the_couples_list(client, counselor, secret):
    response = client.get(f"/launch?token={mint(secret, counselor.email)}")
    assert response.status_code == 302
    assert response.location == "/couples"
    assert client.get("/couples").status_code == 200


def test_the_launch_session_has_the_usual_idle_timeout(client, counselor, secret, monkeypatch):
    client.get(f"/launch?token={mint(secret, counselor.email)}")
    later = datetime.now(UTC) + timedelta(minutes=31)
    monkeypatch.setattr(timeutil, "utcnow", lambda: later)
    assert_no_session(client)


def now() -> int:
    return int(time.time())


BAD_TOKENS = {
    "expired": lambda secret, email: mint(secret, email, iat=now() - 400, exp=now() - 100),
    "wrong signature": lambda secret, email: mint(launch.new_launch_secret(), email),
    "alg none": lambda secret, email: unsigned(email),
    "missing jti": lambda secret, email: mint(secret, email, jti=None),
    "exp too far": lambda secret, email: mint(secret, email, lifetime=3600),
    "unknown counselor": lambda secret, email: mint(secret, "nobody@example.org"),
}


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
def test_a_bad_token_gets_a_clear_page_and_no_session(client, counselor, secret, kind):
    response = client.get(
        "/launch", query_string={"token": BAD_TOKENS[kind](secret, counselor.email)}
    )

    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert REFUSED_TEXT in page
    assert "open the homework dashboard from there again" in page
    assert_no_session(client)


def test_another_practices_couple_gets_the_page_and_no_session(client, counselor, secret):
    theirs = factories.CoupleFactory()
    response = client.get(f"/launch?token={mint(secret, counselor.email, couple_id=theirs.id)}")
    assert response.status_code == 401
    assert REFUSED_TEXT in response.get_data(as_text=True)
    assert_no_session(client)


def test_a_replayed_token_gets_the_page_and_no_session(app, counselor, secret):
    token = mint(secret, counselor.email)
    first, second = app.test_client(), app.test_client()
    assert first.get(f"/launch?token={token}").status_code == 302

    response = second.get(f"/launch?token={token}")

    assert response.status_code == 401
    assert REFUSED_TEXT in response.get_data(as_text=True)
    assert_no_session(second)


@pytest.mark.parametrize("query", ["", "?token=", "?token=garbage"])
def test_a_missing_or_garbled_token_is_a_bad_request(client, query):
    response = client.get(f"/launch{query}")
    assert response.status_code == 400
    assert REFUSED_TEXT in response.get_data(as_text=True)
    assert_no_session(client)


def test_the_token_is_neither_cached_nor_passed_on(client, counselor, secret):
    for token in (mint(secret, counselor.email), "garbage"):
        response = client.get(f"/launch?token={token}")
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_guides_snippets_mint_working_launch_urls(app, counselor, secret):
    couple = factories.CoupleFactory(counselor=counselor)
    launch_url = guide_snippet("launch_url")["launch_url"]
    launch_token = guide_snippet("launch_token")["launch_token"]

    with_pyjwt = app.test_client().get(launch_url("", secret, counselor.email, couple.id))
    by_hand = app.test_client().get(f"/launch?token={launch_token(secret, counselor.email)}")

    assert (with_pyjwt.status_code, with_pyjwt.location) == (302, f"/couples/{couple.id}")
    assert (by_hand.status_code, by_hand.location) == (302, "/couples")
