"""Settings › Audit trail in a real browser, at desktop and phone width: an owner opens the
tab, filters by couple and kind, pages through, and downloads the CSV, which opens as text
with the formula-looking label quoted. Screenshots under COUNSELOR_SCREENSHOTS=1."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Counselor
from counselor.services.audit import Actor, record_event
from tests.support import factories
from tests.support.browser import assert_no_sideways_scroll, log_in

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

WIDTHS = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]


@pytest.fixture
def owner(app) -> Counselor:
    practice = factories.PracticeFactory(name="Riverside Couples Counselling")
    owner = factories.CounselorFactory(practice=practice, name="Dr. Morgan Lee")
    colleague = factories.CounselorFactory(practice=practice, name="Jo Park")
    couple = factories.CoupleFactory(counselor=owner, label="+cmd|' /C calc'!A0")
    other = factories.CoupleFactory(counselor=owner, label="Okafor")
    start = timeutil.utcnow() - timedelta(days=2)
    for minute in range(55):
        record_event(
            Actor.for_counselor(colleague),
            "couple.view",
            "couple",
            couple.id,
            at=start + timedelta(minutes=minute),
        )
    record_event(Actor.for_counselor(colleague), "couple.update", "couple", other.id, at=start)
    db.session.commit()
    return owner


@pytest.mark.parametrize("viewport", WIDTHS, ids=["desktop", "phone"])
def test_an_owner_filters_pages_through_and_downloads_the_trail(page, owner, viewport, capture):
    page.set_viewport_size(viewport)
    log_in(page, owner.email, factories.PASSWORD)
    page.goto("/settings")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Audit trail").click()
    page.wait_for_url("**/settings/audit")
    page.get_by_role("heading", name="Audit trail").wait_for()
    assert_no_sideways_scroll(page)
    if viewport["width"] == 1280:  # capture writes both widths: one writer per file
        capture(page, "audit-trail", full_page=False)

    page.get_by_label("Couple").fill("calc")
    page.get_by_label("What").select_option(label="Views of client data")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/settings/audit?*couple=calc*")
    rows = page.locator("table.audit tbody tr")
    assert rows.count() == 50
    assert "Okafor" not in page.locator("table.audit").inner_text()
    first = rows.first.inner_text()
    assert "Jo Park" in first and "Viewed the couple page" in first
    assert_no_sideways_scroll(page)

    page.get_by_role("link", name="Older →").click()
    page.wait_for_url("**before=*")
    assert rows.count() == 5
    assert page.get_by_label("Couple").input_value() == "calc"  # the filters stay
    page.get_by_role("link", name="← Newer").click()
    page.wait_for_url("**after=*")
    assert rows.count() == 50

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download CSV").click()
    download = waiting.value
    assert download.suggested_filename.startswith("audit-trail-")
    text = download.path().read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(lines) == 55
    assert {line["couple_label"] for line in lines} == {"'+cmd|' /C calc'!A0"}
    assert {line["actor_name"] for line in lines} == {"Jo Park"}
