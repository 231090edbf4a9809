"""A counselor who forgot their password asks for a link, opens it from the email the
outbox wrote, chooses a new password and signs in with it; the browser that was signed in
before the reset is signed out. And an invited counselor opens their invitation and joins.
Each page at desktop and phone width."""

from __future__ import annotations

import pytest

import tasks.links
from counselor.extensions import db
from counselor.models import Counselor
from tests.support import factories
from tests.support.account_links import (
    INVITE_LINK,
    RESET_LINK,
    body,
    invited_counselor,
    send_waiting_emails,
    written_emails,
)
from tests.support.browser import assert_fits_a_phone, log_in
from tests.support.send_task import install_send_task

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

NEW = "plum orchard under winter rain"


@pytest.fixture
def owner(app, live_server) -> Counselor:
    app.config["PUBLIC_BASE_URL"] = live_server  # the emailed links point at the test server
    practice = factories.PracticeFactory(name="Riverside Couples Counselling")
    return factories.CounselorFactory(practice=practice, name="Dr. Morgan Lee")


def test_a_counselor_resets_their_password_from_the_emailed_link(
    app, browser, live_server, page, owner, monkeypatch, capture
):
    # A browser signed in before the reset, its cookie kept.
    before = browser.new_context(base_url=live_server)
    earlier = before.new_page()
    earlier.set_default_timeout(10_000)
    log_in(earlier, owner.email, factories.PASSWORD)
    # The request hands the address to a worker; the test is that worker.
    handed = install_send_task(app, monkeypatch)

    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url("**/login/forgot")
    capture(page, "password-forgot")
    assert_fits_a_phone(page)
    page.get_by_label("Your email address").fill(owner.email)
    page.get_by_role("button", name="Email me a link").click()
    page.get_by_text("If that address belongs to a counselor here").wait_for()
    assert "It works once, for 30 minutes." in page.locator("main").inner_text()

    [(_name, [address])] = handed.calls
    tasks.links.request_password_reset.apply(args=[address]).get(propagate=True)
    send_waiting_emails()
    [message] = written_emails(to=owner.email)
    text = body(message)
    assert message["Subject"] == "Choose a new password"
    assert "Hello Dr. Morgan Lee," in text and "for 30 minutes" in text
    link = RESET_LINK.search(text)
    assert link is not None

    page.goto(link.group(0))
    page.get_by_role("heading", name="Choose a new password").wait_for()
    capture(page, "password-reset")
    assert_fits_a_phone(page)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("The new password again").fill("password1234")
    page.get_by_role("button", name="Set my new password").click()
    page.get_by_text("This password would be easy to guess.").wait_for()
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("The new password again").fill(NEW)
    page.get_by_role("button", name="Set my new password").click()
    page.wait_for_url("**/login")
    page.get_by_text("Your new password is set").wait_for()

    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/couples")

    # The browser signed in before the reset is signed out; the link is spent.
    earlier.goto("/couples")
    earlier.wait_for_url("**/login**")
    before.close()
    page.goto(link.group(0))
    page.get_by_text("This link has expired or was already used. Ask for a new one.").wait_for()
    assert_fits_a_phone(page)


def test_an_invited_counselor_joins_from_the_emailed_link(page, owner, capture):
    invited = invited_counselor(owner.practice, inviter=owner, name="Robin Vale")
    send_waiting_emails()
    [message] = written_emails(to=invited.email)
    text = body(message)
    assert message["Subject"] == "Join Riverside Couples Counselling on Ladder homework"
    assert "Dr. Morgan Lee has invited you to join Riverside Couples Counselling" in text
    link = INVITE_LINK.search(text)
    assert link is not None

    page.goto(link.group(0))
    page.get_by_role("heading", name="Join Riverside Couples Counselling").wait_for()
    assert invited.email in page.locator("main").inner_text()
    capture(page, "invitation-join")
    assert_fits_a_phone(page)
    page.get_by_label("New password", exact=True).fill(NEW)
    page.get_by_label("The new password again").fill(NEW)
    page.get_by_role("button", name="Join the practice").click()
    page.wait_for_url("**/couples")
    page.get_by_text("Welcome to Riverside Couples Counselling, Robin Vale.").wait_for()

    db.session.expire_all()
    assert db.session.get(Counselor, invited.id).joined_at is not None
