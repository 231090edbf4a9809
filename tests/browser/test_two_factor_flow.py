"""Two-step sign-in in Chromium: an authenticator app set up from the page (the key read
off it, the codes computed here with pyotp) and then asked for at sign-in; a passkey added
with a virtual authenticator (DevTools' WebAuthn domain) and used both as the second step
and alone from the login page; and a practice that requires a second step holding a
counselor on the enrolment page until they have one.

Passkeys need a name, not an address: the pages are visited as ``http://localhost:<port>``
(the relying party id is ``localhost``), the live server listening on 127.0.0.1."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pyotp
import pytest

from counselor.extensions import db
from counselor.models import Counselor
from tests.support import factories
from tests.support.browser import assert_fits_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

PAGE = "/settings/security/two-factor"


@pytest.fixture
def site(browser, live_server) -> Iterator[object]:
    """A page of a fresh browser context on http://localhost:<port>."""
    context = browser.new_context(
        base_url=live_server.replace("127.0.0.1", "localhost"),
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def counselor(app) -> Counselor:
    practice = factories.PracticeFactory(name="Riverside Couples Counselling")
    return factories.CounselorFactory(practice=practice, name="Dr. Morgan Lee")


def virtual_authenticator(page) -> None:
    """A platform authenticator that holds discoverable passkeys and verifies its user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )


def password_step(page, counselor: Counselor) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(counselor.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()


def reach(page, path: str) -> None:
    """Wait until the page is at ``path`` (a glob would match it in a ``next=`` too)."""
    page.wait_for_url(lambda url: urlsplit(url).path == path)


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    reach(page, "/login")


def fresh_code(secret: str) -> str:
    """A code for the next time step: never the step the last code used, and within the
    one step either side that the service accepts."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_an_authenticator_app_is_set_up_and_then_asked_for(site, counselor, capture):
    page = site
    password_step(page, counselor)
    reach(page, "/couples")
    page.goto("/settings/security")
    page.get_by_role("link", name="Set up two-step sign-in").click()
    reach(page, PAGE)
    assert_fits_a_phone(page)
    capture(page, "two-factor")
    page.get_by_role("button", name="Set up an authenticator app").click()
    reach(page, f"{PAGE}/app")
    assert page.locator("svg.qr-code").is_visible()
    assert page.locator("svg.qr-code").bounding_box()["width"] >= 150  # big enough to scan
    assert_fits_a_phone(page)
    capture(page, "two-factor-app")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")

    page.get_by_label("Code from the app").fill(
        "000000" if fresh_code(secret) != "000000" else "111111"
    )
    page.get_by_role("button", name="Turn on").click()
    page.get_by_text("That code doesn't match").wait_for()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    assert_fits_a_phone(page)
    page.get_by_role("link", name="I've kept them safe").click()
    page.get_by_text("Two-step sign-in is on.").wait_for()
    log_out(page)

    password_step(page, counselor)
    reach(page, "/login/second-factor")
    page.get_by_role("heading", name="One more step").wait_for()
    assert_fits_a_phone(page)
    capture(page, "second-factor")
    page.goto("/couples")  # nothing else opens before the second step
    reach(page, "/login/second-factor")
    page.get_by_label("Code").fill(fresh_code(secret))
    page.get_by_role("button", name="Continue").click()
    reach(page, "/couples")
    log_out(page)

    password_step(page, counselor)  # a recovery code instead, once
    reach(page, "/login/second-factor")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    reach(page, "/couples")
    page.get_by_text("You used a recovery code; 9 left.").wait_for()


def test_a_passkey_is_added_and_signs_in_as_second_step_and_alone(site, counselor, capture):
    page = site
    virtual_authenticator(page)
    password_step(page, counselor)
    reach(page, "/couples")
    page.goto(PAGE)
    page.get_by_label("Name for the new passkey").fill("This laptop")
    page.get_by_role("button", name="Add a passkey").click()
    page.get_by_text("Passkey “This laptop” added").wait_for()
    assert page.locator(".passkey-name", has_text="This laptop").is_visible()
    assert_fits_a_phone(page)
    capture(page, "two-factor-passkeys")
    log_out(page)

    password_step(page, counselor)  # the passkey as the second step
    reach(page, "/login/second-factor")
    page.get_by_role("button", name="Use your passkey").click()
    reach(page, "/couples")
    log_out(page)

    page.goto("/login?next=/settings")  # the passkey alone, no password
    assert_fits_a_phone(page)
    capture(page, "login-passkey")
    page.get_by_role("button", name="Sign in with a passkey").click()
    reach(page, "/settings")
    assert page.locator(".who").inner_text().startswith(counselor.name)
    page.goto(PAGE)
    listed = page.locator(".passkey-list li", has_text="This laptop").inner_text()
    assert "last used never" not in listed


def test_a_required_second_step_holds_the_counselor_until_they_enrol(site, counselor):
    page = site
    counselor.practice.require_second_factor = True
    couple = factories.CoupleFactory(counselor=counselor)
    db.session.commit()
    virtual_authenticator(page)

    password_step(page, counselor)
    reach(page, PAGE)
    page.get_by_text("Your practice asks every counselor to sign in in two steps").first.wait_for()
    page.goto(f"/couples/{couple.id}")
    reach(page, PAGE)
    page.goto("/couples")
    reach(page, PAGE)

    page.get_by_label("Name for the new passkey").fill("Work phone")
    page.get_by_role("button", name="Add a passkey").click()
    page.get_by_text("Passkey “Work phone” added").wait_for()
    page.goto(f"/couples/{couple.id}")
    reach(page, f"/couples/{couple.id}")
    assert page.get_by_role("heading", name=couple.label).is_visible()
