"""Issue 11's first "done when": a step with three weeks of check-ins is cancelled from the
couple's page, the cancellation is confirmed, *Undo* brings the step back with every
check-in, and the audit log holds both actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import Assignment, AssignmentStatus, AuditEvent, CheckIn
from tests.support import factories
from tests.support.browser import PHONE, assert_no_sideways_scroll, log_in

# A live server's threads serve the pages: the rows must be committed for them to see.
pytestmark = [pytest.mark.browser, pytest.mark.committed_db]
DESKTOP = {"width": 1280, "height": 900}


def week_grid(step) -> list[list[str]]:
    """The step's grid on the couple's page: per partner, each week's "done/target"."""
    rows = step.locator("table.grid tbody tr")
    return [
        [cell.strip() for cell in rows.nth(n).locator("td").all_inner_texts()]
        for n in range(rows.count())
    ]


def test_a_cancelled_step_comes_back_whole_with_undo(page, counselor, capture):
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="Noor & Eli B.",
        partners=[{"first_name": "Noor"}, {"first_name": "Eli"}],
    )
    noor, eli = couple.partners
    this_monday = timeutil.week_start(timeutil.local_today("America/Chicago"))
    first_monday = this_monday - timedelta(weeks=2)
    step = factories.AssignmentFactory(
        couple=couple, title="Ask for a lift", times_per_week=3, starts_on=first_monday
    )
    # Three weeks of check-ins: two, three and one (this Monday, never in the future).
    days = {noor: [0, 2, 7, 8, 10, 14], eli: [1, 9]}
    for partner, offsets in days.items():
        for offset in offsets:
            factories.CheckInFactory(
                assignment=step, partner=partner, occurred_on=first_monday + timedelta(offset)
            )
    log_in(page, counselor.email, factories.PASSWORD)
    page.goto(f"/couples/{couple.id}")
    card = page.locator("div.step", has_text="Ask for a lift")
    before = week_grid(card)
    assert before[0][1:] == ["2/3", "3/3", "1/3"] and before[1][1:] == ["1/3", "1/3", "0/3"]

    card.get_by_role("link", name="Cancel step").click()
    page.get_by_role("heading", name="Cancel “Ask for a lift”?").wait_for()
    assert "Its 8 check-ins over 3 weeks stay on record and you can undo this." in (
        page.inner_text("main")
    )
    assert_no_sideways_scroll(page)
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)
    capture(page, "confirm-cancel-step")
    page.get_by_role("button", name="Cancel the step").click()

    banner = page.locator(".undo-banner")
    banner.wait_for()
    assert "“Ask for a lift” cancelled. Its check-ins stay on record." in banner.inner_text()
    # A cancelled step leaves Active steps for History, folded until asked for.
    assert page.locator("#active-steps div.step").count() == 0
    page.locator(".ended-steps summary").click()
    card = page.locator("div.step", has_text="Ask for a lift")
    assert "Cancelled" in card.locator(".step-head").inner_text()
    assert card.get_by_role("link", name="Cancel step").count() == 0
    assert week_grid(card)[0][1:3] == before[0][1:3]  # the past weeks stay as they were
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page)
    page.set_viewport_size(DESKTOP)
    capture(page, "undo-cancel-step", full_page=False)
    capture(page, "cancelled-step", element=card)

    banner.get_by_role("button", name="Undo").click()
    page.get_by_text("“Ask for a lift” is active again, with all its check-ins.").wait_for()
    card = page.locator("div.step", has_text="Ask for a lift")
    assert card.locator(".badge").count() == 0
    assert card.get_by_role("link", name="Cancel step").count() == 1
    assert week_grid(card) == before

    db.session.expire_all()
    tenancy.enter_practice(couple.practice_id)
    stored = db.session.scalar(sa.select(Assignment).where(Assignment.id == step.id))
    assert (stored.status, stored.ended_on) == (AssignmentStatus.ACTIVE, None)
    checkins = (
        sa.select(sa.func.count()).select_from(CheckIn).where(CheckIn.assignment_id == step.id)
    )
    assert db.session.scalar(checkins) == 8
    audit = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id)
        .where(AuditEvent.object_type == "assignment", AuditEvent.object_id == step.id)
        .order_by(AuditEvent.id)
    ).all()
    assert audit == [("assignment.cancelled", counselor.id), ("assignment.reopen", counselor.id)]
