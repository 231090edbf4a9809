"""A counselor logs in, adds a couple, assigns a ladder step and sees it, in a real browser."""

from __future__ import annotations

import pytest

from counselor.extensions import db
from counselor.services import demo
from counselor.services.accounts import counselors
from counselor.services.progress.compile import compile_progress
from tests.support import factories
from tests.support.browser import assert_no_sideways_scroll, log_in

# A live server's threads serve the pages: the rows must be committed for them to see.
pytestmark = [pytest.mark.browser, pytest.mark.committed_db]


def test_counselor_adds_a_couple_and_assigns_a_ladder_step(page, counselor):
    log_in(page, counselor.email, factories.PASSWORD)
    page.get_by_role("link", name="Add your first couple").click()

    page.get_by_label("Couple label").fill("Noor & Eli B.")
    partner_one = page.get_by_role("group", name="Partner 1")
    partner_one.get_by_label("First name").fill("Noor")
    partner_one.get_by_label("Email", exact=True).fill("noor@example.org")
    partner_two = page.get_by_role("group", name="Partner 2")
    partner_two.get_by_label("First name").fill("Eli")
    partner_two.get_by_label("Email", exact=True).fill("eli@example.org")
    partner_two.get_by_label("Time zone").select_option("Europe/Madrid")
    page.get_by_role("button", name="Add couple").click()

    page.get_by_role("heading", name="Noor & Eli B.").wait_for()
    assert "No active steps yet" in page.content()
    page.get_by_role("link", name="Assign a step").click()
    page.get_by_role("link", name="Ask their view on a work email").click()
    page.get_by_label("Times per week (1–14)").fill("3")
    page.get_by_label("Both together (one joint step)").check()
    page.get_by_role("button", name="Assign step").click()

    page.get_by_text("Assigned “Ask their view on a work email”.").wait_for()
    rung_two = page.locator("li.rung", has_text="Small turns toward your partner")
    assert "Ask their view on a work email" in rung_two.inner_text()
    assert "Together · 3× a week" in rung_two.inner_text()
    assert "Current rung: 2. Small turns toward your partner" in page.inner_text("main")


def test_bad_input_is_shown_next_to_the_field(page, counselor):
    log_in(page, counselor.email, factories.PASSWORD)
    page.goto("/couples/new")
    page.get_by_label("Couple label").fill("Half a couple")
    page.get_by_role("button", name="Add couple").click()
    first_name = page.get_by_role("group", name="Partner 1").get_by_label("First name")
    assert first_name.get_attribute("aria-invalid") == "true"
    assert page.locator("#partners-0-first_name-error").inner_text() == "This field is required."


def test_keyboard_only_login(page, counselor):
    page.goto("/login")
    for _ in range(5):  # skip link, brand, then the first field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    page.keyboard.type(counselor.email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/couples")


def test_demo_pages_fit_a_tablet_and_the_list_is_captured(page, app, capture):
    login = demo.seed_demo()
    compile_progress()  # what the nightly job would have done
    counselors.set_password(counselors.counselor_by_email(login.email), factories.PASSWORD)
    db.session.commit()  # as the commands would, for the live server's threads
    log_in(page, login.email, factories.PASSWORD)

    shots = {}
    for width, height in ((1280, 900), (768, 1024)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/couples")
        assert page.locator("table.couples tbody tr").count() == 3
        shots[f"couples-list-{width}"] = page.url
        assert_no_sideways_scroll(page)
        if width == 1280:
            capture(page, "couples-list")
        page.get_by_role("link", name="Alex & Sam R.").click()
        page.get_by_role("heading", name="The ladder").wait_for()
        assert_no_sideways_scroll(page)  # captured by test_couple_figures
        page.get_by_role("link", name="Assign a step").click()
        page.get_by_role("link", name="Share a small worry you'd usually keep").click()
        page.get_by_label("Step title").wait_for()
        assert_no_sideways_scroll(page)  # captured by test_assign_flow
