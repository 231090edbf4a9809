"""The practice's own ladder in a real browser (issue 17, "Done when"): an owner rewrites a
step on the ladder page, a counselor who is not an owner reads the ladder without edit
buttons and assigns the step in the practice's words, the owner restores the base text
(confirmed, with Undo offered), and the step given before still reads as it was given — at
desktop and phone width."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import Assignment, CounselorRole
from tests.support import factories
from tests.support.browser import assert_no_sideways_scroll, log_in

# A live server's threads serve the pages: the rows must be committed for them to see.
pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

KEY = "share-a-minor-worry"
OURS_TITLE = "Name one small worry each evening"
OURS_TEXT = "Before bed, tell your partner one small thing that worried you today."
NARROW = {"width": 360, "height": 800}


@pytest.fixture
def practice(app):
    """An owner, a counselor who is not an owner, and a couple of the counselor's."""
    owner = factories.CounselorFactory(name="Dr. Morgan Lee")
    staff = factories.CounselorFactory(
        practice=owner.practice, role=CounselorRole.COUNSELOR, name="Sam Rivera"
    )
    couple = factories.CoupleFactory(counselor=staff, label="Alex & Jordan")
    db.session.commit()
    tenancy.enter_practice(owner.practice_id)
    return owner, staff, couple


def second_page(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def test_an_owner_rewrites_a_step_a_counselor_gives_it_and_the_base_comes_back(
    page, browser, live_server, practice, capture
):
    owner, staff, couple = practice
    base_title = factories.template(KEY).title

    # The owner rewrites the step on the ladder page.
    log_in(page, owner.email, factories.PASSWORD)
    page.goto("/ladder")
    step = page.locator(f"#step-{KEY}")
    step.get_by_role("link", name="Edit").click()
    page.get_by_label("Step title").fill(OURS_TITLE)
    page.get_by_label("Instructions to the couple").fill(OURS_TEXT)
    page.get_by_label("Times per week (1–14)").fill("5")
    assert_no_sideways_scroll(page)
    capture(page, "ladder-step-edit")
    page.get_by_role("button", name="Save the practice's text").click()
    page.get_by_text(f"Saved the practice's text: \u201c{OURS_TITLE}\u201d.").wait_for()
    step = page.locator(f"#step-{KEY}")
    assert OURS_TITLE in step.inner_text() and "Practice's text" in step.inner_text()
    history = page.locator("#history").inner_text()
    assert f"Dr. Morgan Lee changed the practice's text of \u201c{OURS_TITLE}\u201d" in history
    assert_no_sideways_scroll(page)
    page.set_viewport_size(NARROW)
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    rung_two = page.locator(f"#rung-{factories.rung(2).key}")
    capture(page, "ladder-practice-text", element=rung_two)

    # A counselor who is not an owner: the ladder without edit buttons, and the step given
    # in the practice's words.
    context, other = second_page(browser, live_server)
    try:
        log_in(other, staff.email, factories.PASSWORD)
        other.goto("/ladder")
        assert other.get_by_text("The practice's owners edit this ladder.").count() == 1
        assert other.get_by_role("link", name="Edit").count() == 0
        assert other.get_by_role("button", name="Retire").count() == 0
        assert OURS_TITLE in other.locator(f"#step-{KEY}").inner_text()
        capture(other, "ladder-read-only", full_page=False)

        other.goto(f"/couples/{couple.id}/assign")
        other.get_by_role("link", name=OURS_TITLE).click()
        assert other.get_by_label("Step title").input_value() == OURS_TITLE
        assert other.get_by_label("Instructions to the couple").input_value() == OURS_TEXT
        other.get_by_role("button", name="Assign step").click()
        other.get_by_text(f"Assigned \u201c{OURS_TITLE}\u201d.").wait_for()

        # The owner restores the base text: asked first, then done, with Undo offered.
        page.goto("/ladder")
        page.locator(f"#step-{KEY}").get_by_role("button", name="Restore the base text").click()
        page.get_by_role(
            "heading", name=f"Restore the base text: \u201c{OURS_TITLE}\u201d?"
        ).wait_for()
        page.get_by_role("button", name="Restore the base text").click()
        page.get_by_text(f"Restored the base text of \u201c{base_title}\u201d.").wait_for()
        step = page.locator(f"#step-{KEY}")
        assert base_title in step.inner_text() and "Practice's text" not in step.inner_text()
        assert step.get_by_role("button", name="Undo").count() == 1
        capture(page, "ladder-restored", element=page.locator(f"#step-{KEY}"))

        # The step given before the restore still reads as it was given.
        other.goto(f"/couples/{couple.id}")
        assert OURS_TITLE in other.content()
        other.goto(f"/couples/{couple.id}/assign")
        assert base_title in other.locator("section.picker").inner_text()
        assert OURS_TITLE in other.locator("#context").inner_text()  # active now, as given
    finally:
        context.close()

    db.session.expire_all()
    given = db.session.scalar(sa.select(Assignment).where(Assignment.couple_id == couple.id))
    assert (given.title, given.instructions, given.times_per_week) == (OURS_TITLE, OURS_TEXT, 5)
    assert given.practice_template_id is not None and given.practice_template_version == 1
