"""Settings › Security in a real browser: a counselor signed in on two browsers sees both,
this one marked, ends the other (which lands on the login page saying so), then signs out
everywhere. At 1280 and 390 px. Screenshots under COUNSELOR_SCREENSHOTS=1."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.browser import PHONE, assert_no_sideways_scroll, log_in

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

PHONE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def phone(browser, live_server):
    """The counselor's phone: another browser, with a phone's user agent and screen."""
    context = browser.new_context(base_url=live_server, viewport=PHONE, user_agent=PHONE_AGENT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_counselor_ends_another_session_then_signs_out_everywhere(
    page, phone, counselor, capture
):
    log_in(phone, counselor.email, factories.PASSWORD)
    log_in(page, counselor.email, factories.PASSWORD)

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Security").click()
    page.wait_for_url("**/settings/security")
    rows = page.locator("table.sessions tbody tr")
    assert rows.count() == 2
    this_one = page.locator("tr.this-session")
    assert "This browser" in this_one.inner_text()
    assert this_one.get_by_role("button").count() == 0  # no End on this browser's own row
    assert page.get_by_role("link", name="Change your password").is_visible()
    assert page.get_by_text("Two-step sign-in is off").is_visible()
    capture(page, "settings-security")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    other = page.locator("tr", has_text="Safari on iOS")
    other.get_by_role("button", name="End").click()
    page.get_by_text("is signed out").wait_for()
    assert page.locator("table.sessions tbody tr").count() == 1

    phone.goto("/couples")
    phone.wait_for_url("**/login**")
    phone.get_by_text("This session was ended.").wait_for()
    assert_no_sideways_scroll(phone)

    page.get_by_role("button", name="Sign out everywhere, this browser too").click()
    page.wait_for_url("**/login")
    page.get_by_text("You are signed out everywhere").wait_for()
    page.goto("/couples")
    page.wait_for_url("**/login**")
