"""*Erase couple* from the couple's page: the confirm page says it can't be undone and
offers *Export first*; a wrong name refuses and writes nothing; the right one erases. At
1280 and 390 px wide."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import AuditEvent, Couple, CoupleStatus
from tests.support import factories
from tests.support.browser import PHONE, assert_no_sideways_scroll, log_in
from tests.support.helpers import row_counts

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]
DESKTOP = {"width": 1280, "height": 900}


def stored_couple(couple_id: int) -> Couple:
    db.session.expire_all()
    return db.session.get(Couple, couple_id, execution_options={tenancy.ACROSS_PRACTICES: True})


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "390px"])
def test_erasing_a_couple_takes_its_typed_name(page, counselor, capture, viewport):
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="Noor & Eli B.",
        partners=[{"first_name": "Noor"}, {"first_name": "Eli"}],
    )
    page.set_viewport_size(viewport)
    log_in(page, counselor.email, factories.PASSWORD)
    page.goto(f"/couples/{couple.id}")
    page.get_by_role("link", name="Erase couple…").click()
    page.get_by_role("heading", name="Erase Noor & Eli B.?").wait_for()
    main = page.inner_text("main")
    assert "This can't be undone." in main
    assert page.get_by_role("link", name="Export first").get_attribute("href") == (
        f"/couples/{couple.id}/export"
    )
    assert_no_sideways_scroll(page)
    capture(page, f"erase-confirm-{viewport['width']}")

    before = row_counts()
    page.get_by_label("Type the couple's name to confirm").fill("Noor and Eli")
    page.get_by_role("button", name="Erase this couple's data").click()
    page.get_by_text("nothing was erased").wait_for()
    assert_no_sideways_scroll(page)
    assert row_counts() == before
    assert stored_couple(couple.id).erased_at is None

    page.get_by_label("Type the couple's name to confirm").fill("Noor & Eli B.")
    page.get_by_role("button", name="Erase this couple's data").click()
    page.get_by_text("The couple's data was erased.").wait_for()
    assert_no_sideways_scroll(page)
    capture(page, f"erased-couple-{viewport['width']}")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert f"Erased couple #{couple.id}" in heading
    assert "Noor" not in page.inner_text("main")

    erased = stored_couple(couple.id)
    assert erased.erased_at is not None and erased.status == CoupleStatus.CLOSED
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.object_id == couple.id, AuditEvent.action == "couple.erase"
        ),
        execution_options={tenancy.ACROSS_PRACTICES: True},
    ).all()
    assert actions == ["couple.erase"]
