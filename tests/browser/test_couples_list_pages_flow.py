"""The couples list in Chromium at desk and phone widths: *Next* and *Previous* walk the
keyset pages, a reload is answered 304 and the browser still shows the page, and a check-in
made meanwhile shows on the next reload."""

from __future__ import annotations

import pytest

from counselor import timeutil
from counselor.dashboard import page_versions
from counselor.extensions import db
from tests.support import factories
from tests.support.browser import assert_no_sideways_scroll, log_in

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

WIDTHS = ({"width": 1280, "height": 900}, {"width": 390, "height": 844})


def row_labels(page) -> list[str]:
    return page.locator("table.couples tbody th[scope=row] > a").all_inner_texts()


def test_pages_walk_and_a_reload_revalidates(page, app, counselor, capture, monkeypatch):
    app.config["COUPLES_PER_PAGE"] = 4
    couples = [
        factories.CoupleFactory(counselor=counselor, label=f"Couple {n:02d}") for n in range(10)
    ]
    step = factories.AssignmentFactory(couple=couples[0])
    log_in(page, counselor.email, factories.PASSWORD)

    answered_304: list[str] = []
    not_modified = page_versions.not_modified

    def spy(etag: str):
        answered_304.append(etag)
        return not_modified(etag)

    monkeypatch.setattr(page_versions, "not_modified", spy)
    for viewport in WIDTHS:
        page.set_viewport_size(viewport)
        page.goto("/couples")
        assert row_labels(page) == [f"Couple {n:02d}" for n in range(4)]
        assert page.get_by_text("Page 1 of 3 · 10 couples").is_visible()
        page.get_by_role("link", name="Next →").click()
        page.wait_for_url("**after=*")
        assert row_labels(page) == [f"Couple {n:02d}" for n in range(4, 8)]
        page.get_by_role("link", name="Next →").click()
        assert row_labels(page) == ["Couple 08", "Couple 09"]
        assert page.get_by_text("Page 3 of 3 · 10 couples").is_visible()
        assert page.get_by_role("link", name="Next →").count() == 0
        page.get_by_role("link", name="← Previous").click()
        assert row_labels(page) == [f"Couple {n:02d}" for n in range(4, 8)]
        assert_no_sideways_scroll(page)

    page.goto("/couples")
    answered_304.clear()
    page.reload()  # the browser revalidates its copy: 304, and shows the page it kept
    assert len(answered_304) == 1
    assert row_labels(page) == [f"Couple {n:02d}" for n in range(4)]
    assert "0/3" in page.locator("table.couples").inner_text()

    today = timeutil.local_today(couples[0].partners[0].timezone)
    factories.CheckInFactory(assignment=step, occurred_on=today)
    db.session.commit()
    answered_304.clear()
    page.reload()
    assert answered_304 == []
    assert "1/3" in page.locator("table.couples").inner_text()
    capture(page, "couples-list-keyset")
