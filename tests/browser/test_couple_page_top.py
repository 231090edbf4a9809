"""The couple page in a real browser: at 1280×800 what happened since the last session (each
partner's figures) and the next session (its time and agenda) are wholly in view as the page
opens; at 768 px the page does not scroll sideways; nothing of it needs JavaScript."""

from __future__ import annotations

import pytest

from counselor import timeutil
from tests.support import factories
from tests.support.browser import assert_no_sideways_scroll, log_in
from tests.support.couple_page_data import couple_before_a_session

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]
DESK = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}


def top_of(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"]


def bottom_of(page, selector: str) -> float:
    boxes = [
        page.locator(selector).nth(n).bounding_box() for n in range(page.locator(selector).count())
    ]
    assert boxes and all(boxes), f"{selector} is not shown"
    return max(box["y"] + box["height"] for box in boxes if box)


def test_the_summary_and_the_next_session_are_in_view_on_load(browser, live_server, counselor):
    seeded = couple_before_a_session(counselor, timeutil.utcnow())
    context = browser.new_context(base_url=live_server, viewport=DESK, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, counselor.email, factories.PASSWORD)
        page.goto(f"/couples/{seeded.couple.id}")

        assert page.evaluate("window.scrollY") == 0
        height = DESK["height"]
        # Without scrolling: whole, not just begun. Each partner's figures since the last
        # session (done against target, before, comfort with its ratings, this week) and
        # the next session's time and agenda end above the fold; what needs attention and
        # the reflections may run on below it.
        assert bottom_of(page, "#since-last-session .period-partner") <= height
        assert "ratings" in page.locator("#since-last-session .period-partner").first.inner_text()
        assert bottom_of(page, "#next-session .next-when") <= height
        assert bottom_of(page, "#next-session .agenda") <= height
        assert "Check in on the week" in page.locator("#next-session .agenda").inner_text()
        assert_no_sideways_scroll(page)

        page.set_viewport_size(TABLET)
        assert_no_sideways_scroll(page)
        # One column: the summary first, the next session right after it.
        assert top_of(page, "#since-last-session") < top_of(page, "#next-session")
    finally:
        context.close()
