"""The settings area in a real browser: the tab bar, the time-zone picker (with and without
script, at desktop and phone width), the practice's email settings, and the integration
guide the webhooks page links to. Screenshots for docs/screenshots/ under
COUNSELOR_SCREENSHOTS=1 (``make screenshots``)."""

from __future__ import annotations

import pytest

from counselor.extensions import db
from counselor.models import Counselor
from tests.support import factories
from tests.support.browser import PHONE, assert_no_sideways_scroll, log_in

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]


@pytest.fixture
def owner(app) -> Counselor:
    practice = factories.PracticeFactory(name="Riverside Couples Counselling")
    return factories.CounselorFactory(practice=practice, name="Dr. Morgan Lee")


def stored(counselor: Counselor) -> Counselor:
    db.session.expire_all()
    return db.session.get(Counselor, counselor.id)


def test_an_owner_picks_a_zone_by_searching_and_sets_the_practice_emails(page, owner, capture):
    log_in(page, owner.email, factories.PASSWORD)
    page.get_by_role("link", name="Settings").click()
    tabs = page.get_by_role("navigation", name="Settings")
    assert tabs.get_by_role("link", name="Your account").get_attribute("aria-current") == "page"
    tabs.get_by_role("link", name="Practice").click()
    page.wait_for_url("**/settings/practice")
    assert tabs.get_by_role("link", name="Practice").get_attribute("aria-current") == "page"
    assert tabs.get_by_role("link", name="Your account").get_attribute("aria-current") is None

    zone = page.get_by_label("Practice time zone")
    assert zone.input_value() == "America/Chicago"
    search = page.get_by_label("Search the list")
    search.fill("lisb")  # one zone matches: it is selected, and the page says so
    assert zone.input_value() == "Europe/Lisbon"
    status = page.locator("#practice-practice_timezone-search-status")
    assert status.inner_text() == "One match, now selected: Europe/Lisbon."
    search.fill("pacific")  # a region narrows the list to its zones (and the chosen one)
    values = zone.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert "Pacific/Auckland" in values and "Europe/Lisbon" in values
    assert "Asia/Tokyo" not in values and len(values) < 60
    assert zone.input_value() == "Europe/Lisbon"  # narrowing alone changes nothing
    search.press("Enter")  # goes to the list, does not submit the form
    assert page.evaluate("document.activeElement.id") == "practice-practice_timezone"
    assert page.url.endswith("/settings/practice")

    page.get_by_label("Reply-to address (optional)").fill("office@riverside.example")
    page.get_by_label("Name the counselor in emails to partners").check()
    page.get_by_role("button", name="Save practice settings").click()
    page.get_by_text("The practice's settings are saved.").wait_for()
    practice = stored(owner).practice
    assert (practice.timezone, practice.reply_to, practice.email_names_counselor) == (
        "Europe/Lisbon",
        "office@riverside.example",
        True,
    )
    page.get_by_label("Search the list").fill("europe")
    capture(page, "settings")

    page.set_viewport_size(PHONE)
    page.reload()
    assert_no_sideways_scroll(page)
    for name in ("Your account", "Practice", "API keys", "Webhooks"):
        box = tabs.get_by_role("link", name=name).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
        assert box["height"] >= 44, name  # a finger's width


def test_the_picker_works_by_keyboard_and_without_script(browser, live_server, owner):
    for script in (True, False):
        context = browser.new_context(
            base_url=live_server, viewport=PHONE, java_script_enabled=script
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, owner.email, factories.PASSWORD)
        page.goto("/settings")
        assert page.get_by_label("Search the list").count() == (1 if script else 0)
        zone = page.get_by_label("My time zone")
        zone.focus()
        page.keyboard.type("Tokyo")  # a select's type-ahead finds the city
        assert zone.input_value() == "Asia/Tokyo"
        group = zone.locator("option:checked").evaluate("o => o.parentElement.label")
        assert group == "Asia"
        page.get_by_role("button", name="Save my settings").click()
        page.get_by_text("Your settings are saved.").wait_for()
        assert stored(owner).timezone == "Asia/Tokyo"
        assert_no_sideways_scroll(page)
        context.close()
        stored(owner).timezone = "America/Chicago"
        db.session.commit()


def test_the_webhooks_tab_links_to_the_guide_served_by_the_app(page, owner, capture):
    log_in(page, owner.email, factories.PASSWORD)
    page.goto("/settings/webhooks")
    tabs = page.get_by_role("navigation", name="Settings")
    assert tabs.get_by_role("link", name="Webhooks").get_attribute("aria-current") == "page"
    page.get_by_role("link", name="integration guide").click()
    page.wait_for_url("**/api/v1/guide#webhooks")
    page.get_by_role("heading", name="Integrating a practice system", level=1).wait_for()
    assert page.get_by_role("heading", name="Webhooks", level=2).is_visible()
    page.goto("/api/v1/guide")
    capture(page, "guide", full_page=False)
    page.set_viewport_size(PHONE)
    page.reload()
    assert_no_sideways_scroll(page)
