"""The partner page on a phone (390×844): three closed step cards fit in one and a half
screens, header included; every control is a 44 px tap target; *Mark done* opens its form
from the keyboard with a visible focus ring, and works with JavaScript turned off."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import CheckIn, CheckInSource, LinkPurpose
from counselor.services.audit import Actor
from counselor.services.couples import links
from counselor.services.homework import assignments, checkins
from counselor.services.homework.assignments import AssignmentInput
from counselor.services.homework.checkins import CheckInInput
from tests.support import axe, factories
from tests.support.browser import PHONE, assert_no_sideways_scroll

# A live server's threads serve the pages: the rows must be committed for them to see.
pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

STEPS = ("share-a-minor-worry", "hand-over-a-chore", "welcome-their-turn")
ONE_AND_A_HALF_SCREENS = PHONE["height"] * 1.5  # 1,266 px
TAP_TARGET = 44
# Where each card's bottom edge is, from the top of the page (not of the viewport).
CARD_BOTTOMS = (
    "[...document.querySelectorAll('article.step-card')]"
    ".map(card => card.getBoundingClientRect().bottom + window.scrollY)"
)
# Every visible control in the page's main part, with its height.
CONTROL_HEIGHTS = """
[...document.querySelectorAll(
  'main summary, main button, main a.button, main select, main label.comfort-option,'
  + ' main label.check'
)].filter(el => el.offsetParent !== null)
  .map(el => [el.textContent.trim().slice(0, 40), el.getBoundingClientRect().height])
"""


@pytest.fixture
def zoe_link(app) -> str:
    couple = factories.CoupleFactory(
        partners=[{"first_name": "Zoë"}, {"first_name": "José"}], label="Zoë & José M."
    )
    zoe = couple.partners[0]
    tenancy.enter_practice(couple.practice_id)  # the test acts for the couple's practice
    started = timeutil.local_today(zoe.timezone) - timedelta(days=3)
    steps = [
        assignments.assign_homework(
            Actor.for_counselor(couple.counselor),
            couple.id,
            AssignmentInput(template_key=key, starts_on=started, notify=False),
        )
        for key in STEPS
    ]
    checkins.record_checkin(
        links.partner_actor(zoe),
        steps[0].id,
        CheckInInput(
            partner_id=zoe.id,
            source=CheckInSource.LINK,
            occurred_on=timeutil.local_today(zoe.timezone),
            comfort=4,
        ),
    )
    token = links.issue_link(zoe, LinkPurpose.HOMEWORK)
    db.session.commit()  # as the requests that did this would, for the live server
    return f"/p/{token}"


def test_three_closed_cards_fit_in_one_and_a_half_phone_screens(
    browser, live_server, zoe_link, capture
):
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True
    )
    axe.install(context)
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(zoe_link)

    bottoms = phone.evaluate(CARD_BOTTOMS)
    assert len(bottoms) == 3
    assert bottoms[2] <= ONE_AND_A_HALF_SCREENS, f"the third card ends at {bottoms[2]:.0f}px"
    assert phone.locator("details.mark-done[open]").count() == 0
    assert_no_sideways_scroll(phone)
    small = [(text, h) for text, h in phone.evaluate(CONTROL_HEIGHTS) if h < TAP_TARGET]
    assert small == [], f"tap targets under {TAP_TARGET}px: {small}"
    capture(phone, "partner-page")

    # From the keyboard: the first Tab stops on a card's Mark done, with a visible ring,
    # and Enter opens that card's form (and only that one).
    phone.keyboard.press("Tab")
    focused = phone.evaluate(
        "(() => { const el = document.activeElement, s = getComputedStyle(el);"
        " return [el.tagName, el.textContent.trim(), s.outlineStyle, s.outlineWidth]; })()"
    )
    assert focused[:2] == ["SUMMARY", "Mark done: Share a small worry you'd usually keep"]
    assert focused[2] != "none" and focused[3] != "0px"
    phone.keyboard.press("Enter")
    card = phone.locator("article.step-card").first
    card.get_by_label("4", exact=True).wait_for()
    assert phone.locator("details.mark-done[open]").count() == 1
    small = [(text, h) for text, h in phone.evaluate(CONTROL_HEIGHTS) if h < TAP_TARGET]
    assert small == [], f"tap targets under {TAP_TARGET}px in the open form: {small}"
    findings = axe.blocking_findings(phone)
    assert findings == [], axe.summary(findings)
    context.close()


def test_mark_done_works_with_javascript_turned_off(browser, live_server, zoe_link):
    context = browser.new_context(
        base_url=live_server, viewport=PHONE, java_script_enabled=False, is_mobile=True
    )
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(zoe_link)

    card = phone.locator("article.step-card", has_text="Hand over a chore")
    card.locator("summary").click()  # the browser opens <details> itself
    card.get_by_label("2", exact=True).check()
    card.get_by_role("button", name="Mark done").click()

    phone.locator("#confirmation").wait_for()
    assert "1 of 1" in phone.locator("#confirmation").inner_text()
    assert phone.locator("details.mark-done[open]").count() == 0
    context.close()
    comforts = db.session.scalars(sa.select(CheckIn.comfort).order_by(CheckIn.id)).all()
    assert comforts == [4, 2]
