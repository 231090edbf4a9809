"""A launch while another counselor is signed in asks before switching (issue 12: any
GET to /launch logged out the current counselor). The GET writes nothing — not even the
token's jti, which only the confirming POST uses up — and a cancel, a refused token or a
second look at the page keep the counselor who is signed in."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from counselor.dashboard.auth import SESSION_KEY
from counselor.extensions import db
from counselor.models import AuditEvent, UsedLaunchToken
from counselor.services.accounts import launch, sessions
from counselor.tenancy import across_practices
from counselor.unit_of_work import unit_of_work
from tests.support import factories
from tests.support.helpers import count_rows, login, row_counts
from tests.support.launch_tokens import mint, unsigned

REFUSED_TEXT = "This link cannot open the dashboard"


@pytest.fixture
def colleague(counselor):
    """A second counselor of the practice, signed in on the browser the host opens."""
    return factories.CounselorFactory(practice=counselor.practice, name="Casey Colleague")


@pytest.fixture
def browser(client, colleague):
    assert login(client, colleague.email, factories.PASSWORD).status_code == 302
    return client


def signed_in_as(client) -> str | None:
    """The counselor (id, as text) of the live session row this browser's cookie names."""
    with client.session_transaction() as session:
        raw_id = session.get(SESSION_KEY)
    row = sessions.by_cookie_id(raw_id) if raw_id else None
    return str(row.counselor_id) if row is not None and row.ended_at is None else None


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))


def test_the_get_asks_first_and_changes_nothing(browser, counselor, colleague, secret):
    couple = factories.CoupleFactory(counselor=counselor)
    db.session.commit()
    before = row_counts()

    response = browser.get(
        "/launch", query_string={"token": mint(secret, counselor.email, couple_id=couple.id)}
    )

    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert f"You are signed in as {colleague.name}" in page
    assert f"Continue as {counselor.name}" in page
    assert 'method="post"' in page
    assert row_counts() == before  # no jti used up, no audit, no login stamp
    assert signed_in_as(browser) == str(colleague.id)
    assert browser.get("/couples").status_code == 200  # the colleague carries on
    assert response.headers["Cache-Control"] == "no-store"


def test_continuing_switches_and_uses_the_token_up(browser, counselor, secret):
    couple = factories.CoupleFactory(counselor=counselor)
    db.session.commit()
    token = mint(secret, counselor.email, couple_id=couple.id)
    form = hidden_fields(browser.get("/launch", query_string={"token": token}).get_data(True))

    response = browser.post("/launch", data=form)

    assert response.status_code == 302
    assert response.location == f"/couples/{couple.id}"
    assert signed_in_as(browser) == str(counselor.id)
    assert count_rows(UsedLaunchToken) == 1
    actions = db.session.scalars(across_practices(sa.select(AuditEvent.action))).all()
    assert "counselor.launch" in actions
    # The token worked once: the same form again is refused, and the new session stays.
    again = browser.post("/launch", data=form)
    assert again.status_code == 401
    assert signed_in_as(browser) == str(counselor.id)


def test_cancelling_keeps_the_counselor_who_was_signed_in(browser, counselor, colleague, secret):
    page = browser.get("/launch", query_string={"token": mint(secret, counselor.email)})
    cancel = re.search(r'<a[^>]*href="([^"]+)"[^>]*>Stay signed in as', page.get_data(True))

    assert cancel is not None
    assert browser.get(cancel.group(1)).status_code == 200
    assert signed_in_as(browser) == str(colleague.id)
    assert count_rows(UsedLaunchToken) == 0


def test_the_switch_is_a_form_with_a_csrf_token(app, browser, counselor, secret, csrf_checked):
    token = mint(secret, counselor.email)
    form = hidden_fields(browser.get("/launch", query_string={"token": token}).get_data(True))
    assert form.get("csrf_token")

    forged = browser.post("/launch", data={"token": token})  # a cross-site form has no csrf

    assert forged.status_code == 400
    assert signed_in_as(browser) != str(counselor.id)
    assert browser.post("/launch", data=form).status_code == 302
    assert signed_in_as(browser) == str(counselor.id)


def test_a_token_used_meanwhile_is_refused_on_continue(app, browser, counselor, colleague, secret):
    token = mint(secret, counselor.email)
    form = hidden_fields(browser.get("/launch", query_string={"token": token}).get_data(True))
    assert app.test_client().get("/launch", query_string={"token": token}).status_code == 302

    response = browser.post("/launch", data=form)

    assert response.status_code == 401
    assert REFUSED_TEXT in response.get_data(as_text=True)
    assert signed_in_as(browser) == str(colleague.id)


def test_an_already_used_token_is_refused_without_asking(browser, counselor, colleague, secret):
    token = mint(secret, counselor.email)
    with unit_of_work():
        launch.verify_launch(token)

    response = browser.get("/launch", query_string={"token": token})

    assert response.status_code == 401
    assert signed_in_as(browser) == str(colleague.id)


@pytest.mark.parametrize("kind", ["forged", "garbage", "none"])
def test_a_refused_launch_keeps_the_counselor_who_was_signed_in(
    browser, counselor, colleague, secret, kind
):
    token = {"forged": unsigned(counselor.email), "garbage": "garbage", "none": ""}[kind]

    response = browser.get("/launch", query_string={"token": token})

    assert response.status_code in (400, 401)
    page = html.unescape(response.get_data(as_text=True))
    assert REFUSED_TEXT in page
    assert f"You are still signed in as {colleague.name}" in page
    assert signed_in_as(browser) == str(colleague.id)
    assert browser.get("/couples").status_code == 200


def test_a_launch_for_whoever_is_signed_in_goes_straight_through(client, counselor, secret):
    login(client, counselor.email, factories.PASSWORD)

    response = client.get("/launch", query_string={"token": mint(secret, counselor.email)})

    assert response.status_code == 302
    assert response.location == "/couples"
    assert signed_in_as(client) == str(counselor.id)
    assert count_rows(UsedLaunchToken) == 1


def test_a_launch_with_nobody_signed_in_goes_straight_through(client, counselor, secret):
    response = client.get("/launch", query_string={"token": mint(secret, counselor.email)})

    assert response.status_code == 302
    assert signed_in_as(client) == str(counselor.id)


def test_a_counselor_of_another_practice_signed_in_is_asked_too(client, counselor, secret):
    stranger = factories.CounselorFactory(name="Sam Stranger")
    login(client, stranger.email, factories.PASSWORD)

    response = client.get("/launch", query_string={"token": mint(secret, counselor.email)})

    assert response.status_code == 200
    assert "You are signed in as Sam Stranger" in html.unescape(response.get_data(as_text=True))
    assert signed_in_as(client) == str(stranger.id)
