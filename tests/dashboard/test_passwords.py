"""dashboard/passwords.py: asking for a reset link (/login/forgot), choosing a new password
with it (/login/reset/<token>), accepting an invitation (/join/<token>) and changing one's
own password (/settings/security/password)."""

from __future__ import annotations

import html
import logging
import statistics
import time

import pytest
import sqlalchemy as sa

from counselor import task_names, tenancy, timeutil
from counselor.dashboard.auth import SESSION_KEY
from counselor.extensions import db
from counselor.models import AccountTokenPurpose, AuditEvent, EmailKind, OutboxEmail
from counselor.services.accounts import account_links, counselors
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.account_links import (
    INVITE_LINK,
    invited_counselor,
    link_token,
    send_waiting_emails,
    written_emails,
)
from tests.support.helpers import count_statements, login, row_counts
from tests.support.send_task import SendTaskRecorder, install_send_task

NEW = "plum orchard under winter rain"
UNKNOWN = "nobody@example.org"
EXPIRED_TEXT = "This link has expired or was already used. Ask for a new one."
ROUNDS = 60

pytestmark = pytest.mark.usefixtures("clock")


def reset_token(counselor) -> str:
    with tenancy.practice_scope(counselor.practice_id):
        token = account_links.issue_token(counselor, AccountTokenPurpose.PASSWORD_RESET)
    db.session.commit()
    return token


def new_password(password: str = NEW, repeat: str | None = None) -> dict[str, str]:
    return {"password": password, "repeat": password if repeat is None else repeat}


def actions() -> list[str]:
    return list(db.session.scalars(across_practices(sa.select(AuditEvent.action))))


# Asking for a link.


def test_the_login_page_offers_a_reset(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/login/forgot"' in page and "Forgot your password?" in page


def test_an_address_on_file_and_one_that_is_not_get_the_same_answer(client, counselor, send_task):
    form = client.get("/login/forgot")
    assert form.status_code == 200

    known = client.post("/login/forgot", data={"email": f" {counselor.email.upper()} "})
    unknown = client.post("/login/forgot", data={"email": UNKNOWN})

    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert (
        "If that address belongs to a counselor here, we've sent a link. "
        "It works once, for 30 minutes."
    ) in html.unescape(known.get_data(as_text=True))
    assert send_task.calls == [
        (task_names.REQUEST_PASSWORD_RESET, [counselor.email.lower()]),
        (task_names.REQUEST_PASSWORD_RESET, [UNKNOWN]),
    ]
    assert {o["argsrepr"] for o in send_task.options} == {"('[address]',)"}


def test_the_request_writes_nothing_and_sends_the_same_statements(client, counselor, send_task):
    client.post("/login/forgot", data={"email": counselor.email})  # once-per-process work
    before = row_counts()
    statements = {}
    for address in (counselor.email, UNKNOWN):
        with count_statements() as counter:
            client.post("/login/forgot", data={"email": address})
        statements[address] = counter.statements

    assert statements[counselor.email] == statements[UNKNOWN]
    assert row_counts() == before  # the worker writes, if anyone


def timed_post(client, address: str) -> float:
    start = time.perf_counter()
    response = client.post("/login/forgot", data={"email": address})
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    return elapsed


def test_an_address_on_file_takes_as_long_as_one_that_is_not(client, counselor, send_task):
    """The median of each round's ratio, the two requests of a round back to back in
    alternating order, so what the machine does meanwhile weighs on both alike; the band
    is generous, for a loaded, shared machine."""
    for address in (counselor.email, UNKNOWN):  # warm up both paths
        timed_post(client, address)
    ratios = []
    for round_number in range(ROUNDS):
        order = [counselor.email, UNKNOWN] if round_number % 2 else [UNKNOWN, counselor.email]
        timings = {address: timed_post(client, address) for address in order}
        ratios.append(timings[counselor.email] / timings[UNKNOWN])

    assert 0.67 < statistics.median(ratios) < 1.5


@pytest.mark.parametrize("text", ["", "not an address", "a\x00@example.org"])
def test_text_that_is_no_address_is_refused_and_sends_nothing(client, send_task, text):
    response = client.post("/login/forgot", data={"email": text})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert send_task.calls == []


def test_with_the_broker_down_the_request_queues_the_email_itself(
    app, client, counselor, monkeypatch
):
    install_send_task(app, monkeypatch, SendTaskRecorder(error=ConnectionRefusedError("down")))
    known = client.post("/login/forgot", data={"email": counselor.email})
    unknown = client.post("/login/forgot", data={"email": UNKNOWN})

    assert known.get_data() == unknown.get_data()
    emails = db.session.scalars(across_practices(sa.select(OutboxEmail))).all()
    assert [(e.counselor_id, e.kind) for e in emails] == [(counselor.id, EmailKind.PASSWORD_RESET)]


class TestForgotRateLimited:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2 per minute"}

    def test_requests_past_the_limit_are_refused_for_any_address(
        self, client, counselor, send_task
    ):
        statuses = [
            client.post("/login/forgot", data={"email": address}).status_code
            for address in (counselor.email, UNKNOWN, UNKNOWN, counselor.email)
        ]
        assert statuses == [200, 200, 429, 429]
        assert len(send_task.calls) == 2


class TestLinkPagesRateLimited:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "2 per minute"}

    @pytest.mark.parametrize("path", ["/login/reset/", "/join/"])
    def test_posts_past_the_limit_are_refused_and_still_send_no_referrer(self, client, path):
        answers = [client.post(f"{path}guess{n}", data=new_password()) for n in range(3)]

        assert [a.status_code for a in answers] == [404, 404, 429]
        assert {a.headers["Referrer-Policy"] for a in answers} == {"no-referrer"}


# Using the link.


def test_opening_the_link_shows_the_form_and_uses_nothing(client, counselor):
    token = reset_token(counselor)
    before = row_counts()

    for _ in range(2):
        page = client.get(f"/login/reset/{token}")
        assert page.status_code == 200
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert "Choose a new password" in page.get_data(as_text=True)

    assert row_counts() == before
    assert account_links.live_token(token, AccountTokenPurpose.PASSWORD_RESET) is not None


def test_a_new_password_ends_every_session_and_sends_them_to_the_login(app, logged_in, counselor):
    token = reset_token(counselor)
    other_browser = app.test_client()

    response = other_browser.post(f"/login/reset/{token}", data=new_password())

    assert response.status_code == 303
    assert response.location == "/login"
    assert "Your new password is set" in other_browser.get("/login").get_data(as_text=True)
    assert logged_in.get("/couples").status_code == 302  # the session from before: ended
    assert login(other_browser, counselor.email, factories.PASSWORD).status_code == 401
    assert login(other_browser, counselor.email, NEW).status_code == 302
    assert "password.reset" in actions()
    assert counselor.password_changed_at == timeutil.utcnow()


def test_the_link_works_once(client, counselor):
    token = reset_token(counselor)
    assert client.post(f"/login/reset/{token}", data=new_password()).status_code == 303

    again = client.post(f"/login/reset/{token}", data=new_password("another fine pass phrase"))

    assert again.status_code == 404
    assert EXPIRED_TEXT in again.get_data(as_text=True)
    assert counselors.authenticate(counselor.email, NEW)


def test_a_weak_password_is_refused_with_the_estimators_words(client, counselor):
    token = reset_token(counselor)
    before = row_counts()

    response = client.post(f"/login/reset/{token}", data=new_password("aaaaaaaaaaaa"))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This password would be easy to guess." in page
    assert "Repeats like &#34;aaa&#34; are easy to guess." in page
    assert row_counts() == before
    assert client.get(f"/login/reset/{token}").status_code == 200  # the link still works


def test_two_different_passwords_are_refused(client, counselor):
    token = reset_token(counselor)
    response = client.post(f"/login/reset/{token}", data=new_password(NEW, NEW + "!"))
    assert response.status_code == 422
    assert "The two passwords are not the same." in response.get_data(as_text=True)


@pytest.mark.parametrize("state", ["unknown", "expired", "retired"])
def test_a_link_that_does_not_work_gets_one_plain_page(client, counselor, clock, state):
    token = reset_token(counselor)
    if state == "unknown":
        token = ("y" if token[0] == "x" else "x") + token[1:]  # never the token itself
    elif state == "expired":
        clock.advance(minutes=30)
    else:
        reset_token(counselor)  # asked again: the older link stops

    for response in (
        client.get(f"/login/reset/{token}"),
        client.post(f"/login/reset/{token}", data=new_password()),
    ):
        page = response.get_data(as_text=True)
        assert response.status_code == 404
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert EXPIRED_TEXT in page
        assert 'href="/login/forgot"' in page
    assert counselors.verify_password(counselor, factories.PASSWORD)


def test_no_token_or_password_reaches_a_log(app, client, counselor, caplog, monkeypatch):
    """The whole way, every logger at DEBUG: asked (the broker down, so the request does
    the worker's part), sent (.eml, outbox mode), opened, used."""
    caplog.set_level(logging.DEBUG)
    with monkeypatch.context() as broker_down:
        install_send_task(app, broker_down, SendTaskRecorder(error=ConnectionRefusedError("down")))
        client.post("/login/forgot", data={"email": counselor.email})
    send_waiting_emails()
    token = link_token(written_emails(to=counselor.email)[0])
    client.get(f"/login/reset/{token}")
    client.post(f"/login/reset/{token}", data=new_password())

    assert counselors.authenticate(counselor.email, NEW)
    assert token not in caplog.text
    assert NEW not in caplog.text
    assert counselor.email not in caplog.text


# Invitations.


def test_the_invitation_page_shows_who_they_are_and_uses_nothing(client, counselor):
    invited = invited_counselor(counselor.practice, inviter=counselor, name="Robin Vale")
    send_waiting_emails()
    token = link_token(written_emails(to=invited.email)[0], INVITE_LINK)
    before = row_counts()

    page = client.get(f"/join/{token}")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert f"Join {counselor.practice.name}" in text
    assert "Welcome, Robin Vale." in text and invited.email in text
    assert row_counts() == before


def test_accepting_signs_them_in_and_the_link_is_spent(app, client, counselor):
    invited = invited_counselor(counselor.practice, inviter=counselor)
    send_waiting_emails()
    token = link_token(written_emails(to=invited.email)[0], INVITE_LINK)
    assert login(app.test_client(), invited.email, factories.PASSWORD).status_code == 401

    response = client.post(f"/join/{token}", data=new_password())

    assert response.status_code == 303
    assert response.location == "/couples"
    assert client.get("/couples").status_code == 200
    assert invited.joined_at == timeutil.utcnow()
    assert "counselor.join" in actions()
    spent = app.test_client().get(f"/join/{token}")
    assert spent.status_code == 404 and EXPIRED_TEXT in spent.get_data(as_text=True)
    assert login(app.test_client(), invited.email, NEW).status_code == 302


def test_a_weak_password_is_refused_on_the_invitation_page(client, counselor):
    invited = invited_counselor(counselor.practice, inviter=counselor, name="Robin Vale")
    send_waiting_emails()
    token = link_token(written_emails(to=invited.email)[0], INVITE_LINK)

    response = client.post(f"/join/{token}", data=new_password("Robin's garden party"))

    assert response.status_code == 422
    assert "Don&#39;t use your name or email address" in response.get_data(as_text=True)
    assert invited.joined_at is None


# Changing one's own password.


def test_the_change_page_asks_for_the_current_password(logged_in):
    page = logged_in.get("/settings/security/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page
    assert page.count('autocomplete="new-password"') == 2


def change(client, current: str = factories.PASSWORD, new: str = NEW, repeat: str | None = None):
    return client.post(
        "/settings/security/password",
        data={"current_password": current, "new_password": new, "repeat": repeat or new},
    )


def test_a_wrong_current_password_is_refused_and_changes_nothing(logged_in, counselor):
    before = row_counts()

    response = change(logged_in, current="not my password")

    assert response.status_code == 422
    assert "That is not your current password." in response.get_data(as_text=True)
    assert row_counts() == before
    assert counselors.verify_password(counselor, factories.PASSWORD)


def test_a_change_keeps_this_browser_and_ends_the_others(app, logged_in, counselor):
    elsewhere = app.test_client()
    assert login(elsewhere, counselor.email, factories.PASSWORD).status_code == 302

    response = change(logged_in)

    assert response.status_code == 303
    assert "1 other browser signed in as you was signed out" in logged_in.get(
        response.location
    ).get_data(as_text=True)
    assert logged_in.get("/couples").status_code == 200
    assert elsewhere.get("/couples").status_code == 302
    assert counselors.verify_password(counselor, NEW)
    assert counselor.password_changed_at == timeutil.utcnow()
    assert "password.change" in actions()


def test_a_copy_of_this_browsers_cookie_from_before_the_change_stops_working(app, logged_in):
    with logged_in.session_transaction() as session:
        before = session[SESSION_KEY]

    assert change(logged_in).status_code == 303

    with logged_in.session_transaction() as session:
        assert session[SESSION_KEY] != before
    assert logged_in.get("/couples").status_code == 200
    copied = app.test_client()
    with copied.session_transaction() as session:
        session[SESSION_KEY] = before
    assert copied.get("/couples").status_code == 302


def test_a_weak_new_password_is_refused_with_the_estimators_words(logged_in, counselor):
    response = change(logged_in, new="password1234")
    assert response.status_code == 422
    assert "This password would be easy to guess." in response.get_data(as_text=True)
    assert counselors.verify_password(counselor, factories.PASSWORD)


class TestChangeRateLimited:
    """Only wrong current passwords count: a refused new password is no guess."""

    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "5 per minute"}

    def test_wrong_current_passwords_are_slowed_down(self, logged_in, counselor):
        weak = [change(logged_in, new="password1234").status_code for _ in range(5)]
        wrong = [change(logged_in, current=f"guess {n}").status_code for n in range(6)]

        assert weak == [422] * 5
        assert wrong == [422] * 5 + [429]
        assert counselors.verify_password(counselor, factories.PASSWORD)
