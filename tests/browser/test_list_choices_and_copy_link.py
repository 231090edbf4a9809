"""The couples list's Show / Sort by choices at desk and tablet widths, and *Copy Sam's
link*: the Copy button puts the link on the clipboard."""

from __future__ import annotations

import pytest

from counselor import timeutil
from tests.support import factories
from tests.support.browser import assert_no_sideways_scroll, log_in

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

TABLET = {"width": 768, "height": 1024}


def test_list_choices_fit_and_the_copy_button_copies(page, counselor, live_server):
    couple = factories.CoupleFactory(counselor=counselor, label="Noor & Eli B.")
    zone = counselor.timezone
    noon = timeutil.local_datetime_to_utc(timeutil.local_today(zone), 12, 0, zone)
    factories.SessionFactory(couple=couple, starts_at=noon)  # today, so this week, their clock
    log_in(page, counselor.email, "correct horse battery staple")

    for viewport in ({"width": 1280, "height": 900}, TABLET):
        page.set_viewport_size(viewport)
        page.goto("/couples?sort=next_session")
        chosen = page.locator('.list-choices a[aria-current="page"]')
        assert chosen.all_inner_texts() == ["All couples", "Next session, soonest first"]
        page.get_by_role("link", name="Session this week").click()
        page.wait_for_url("**/couples?when=week&sort=next_session")
        assert page.get_by_role("link", name="Session this week").is_visible()
        assert page.get_by_role("link", name="Noor & Eli B.").is_visible()
        assert_no_sideways_scroll(page)

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto(f"/couples/{couple.id}")
    name = couple.partners[0].first_name
    page.get_by_role("button", name=f"Copy {name}'s link").click()
    page.get_by_role("heading", name=f"{name}'s link").wait_for()
    link = page.get_by_label(f"Link for {name}").input_value()
    assert "/p/" in link
    page.get_by_role("button", name="Copy", exact=True).click()
    page.get_by_text("Copied. Paste it into your message.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert_no_sideways_scroll(page)
