"""Settings › API keys on a phone (390 px): the keys table scrolls inside its own box (its
hidden action words with it), so the page never scrolls sideways; each scope's description
sits under its checkbox, inside the card, on the create form and the change-scopes page."""

from __future__ import annotations

import pytest

from counselor.extensions import db
from counselor.services.accounts import api_keys
from counselor.services.audit import Actor
from tests.support import factories
from tests.support.browser import PHONE, assert_no_sideways_scroll, log_in

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]


def assert_scopes_fit_their_card(page) -> None:
    fieldset = page.locator("fieldset.scope-options")
    card = page.locator("section.card", has=fieldset)
    box, card_box = fieldset.bounding_box(), card.bounding_box()
    assert box["x"] + box["width"] <= card_box["x"] + card_box["width"] + 0.5
    for option in fieldset.locator(".scope-option").all():
        checkbox = option.locator("input[type=checkbox]").bounding_box()
        hint = option.locator(".check-hint").bounding_box()
        assert hint["y"] >= checkbox["y"] + checkbox["height"] - 0.5  # under it, not beside


def test_the_api_keys_pages_fit_a_phone(page, app, capture):
    owner = factories.CounselorFactory()
    actor = Actor.for_counselor(owner)
    api_keys.create_api_key(actor, "Practice manager (production)")
    key, _ = api_keys.create_api_key(actor, "Clinical notes system (staging copy)")
    db.session.commit()

    page.set_viewport_size(PHONE)
    log_in(page, owner.email, factories.PASSWORD)
    page.goto("/settings/api-keys")
    page.get_by_role("heading", name="Create a key").wait_for()
    assert_no_sideways_scroll(page)
    assert_scopes_fit_their_card(page)
    capture(page, "api-keys-phone")

    page.get_by_role("link", name="Change scopes of Clinical notes system (staging copy)").click()
    page.wait_for_url(f"**/settings/api-keys/{key.id}/scopes")
    assert_no_sideways_scroll(page)
    assert_scopes_fit_their_card(page)
