"""Do reminders help? on the demo practice, as `make run` leaves it (its reminders measured
at seeding): Settings › Reminders gives the practice's figures, enough to judge, and the
couple page each partner's, enough for Alex & Sam and too few for a newer couple.
Captured for the docs under ``make screenshots``."""

from __future__ import annotations

import pytest

from counselor.extensions import db
from counselor.services import demo
from counselor.services.accounts import counselors
from tests.support import factories
from tests.support.browser import PHONE, assert_no_sideways_scroll, log_in

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

JUDGED = "Reminders: followed by a check-in"
TOO_FEW = "too few to judge"


def test_the_demo_shows_whether_reminders_help(page, app, capture):
    login = demo.seed_demo()
    counselors.set_password(counselors.counselor_by_email(login.email), factories.PASSWORD)
    db.session.commit()
    log_in(page, login.email, factories.PASSWORD)

    page.goto("/settings/reminders")
    figures = page.locator("#reminders-practice")
    assert JUDGED in figures.inner_text()
    assert "A comparison, not proof that reminders cause check-ins." in figures.inner_text()
    assert "Last measured" in page.locator("main").inner_text()
    assert_no_sideways_scroll(page)
    capture(page, "settings-reminders")

    page.goto("/couples")
    page.get_by_role("link", name="Alex & Sam R.").click()
    section = page.locator("#reminders")
    for partner in section.locator("article.partner-reminders").all():
        assert JUDGED in partner.inner_text()
    capture(page, "couple-reminders", element=section)

    # On a phone each count is a sentence that wraps as text, not a squeezed value column.
    page.set_viewport_size(PHONE)
    for line in section.locator(".reminder-counts li").all():
        box = line.bounding_box()
        height = float(line.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
        assert box and box["height"] <= 2.5 * height, line.inner_text()
    assert "(weighted to the reminders' weekdays;" in section.inner_text()
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto("/couples")
    page.get_by_role("link", name="Zoë & José M.").click()
    for partner in page.locator("#reminders article.partner-reminders").all():
        assert TOO_FEW in partner.inner_text()
