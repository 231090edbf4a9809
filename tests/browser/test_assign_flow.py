"""The assign form in a real browser: it shows where the couple stands, and assigning a
step they already have active asks "Assign it again?" first — at desktop and phone width."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import Assignment, AssignmentStatus, Couple
from counselor.services import demo
from counselor.services.accounts import counselors
from tests.support import factories
from tests.support.browser import assert_no_sideways_scroll, log_in

# A live server's threads serve the pages: the rows must be committed for them to see.
pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

CHORE = "Hand over a chore you usually do"  # Alex & Sam have it active in the demo


@pytest.fixture
def demo_couple(app):
    """The demo practice, logged in as its counselor; returns Alex & Sam's id."""
    login = demo.seed_demo()
    counselor = counselors.counselor_by_email(login.email)
    counselors.set_password(counselor, factories.PASSWORD)
    db.session.commit()  # as the commands would, for the live server's threads
    tenancy.enter_practice(counselor.practice_id)
    couple_id = db.session.scalar(sa.select(Couple.id).where(Couple.label == "Alex & Sam R."))
    return login.email, couple_id


def chore_steps(couple_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Assignment)
        .where(
            Assignment.couple_id == couple_id,
            Assignment.title == CHORE,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
    )


def ask_to_assign_the_chore_again(page, couple_id):
    page.goto(f"/couples/{couple_id}/assign")
    page.get_by_role("link", name=CHORE).click()
    page.get_by_label("Step title").wait_for()
    page.get_by_role("button", name="Assign step").click()
    question = page.get_by_role("alert").filter(has_text="Assign it again?")
    question.wait_for()
    return question


def test_the_form_shows_the_couple_and_asks_before_assigning_a_step_twice(
    page, demo_couple, capture
):
    email, couple_id = demo_couple
    log_in(page, email, factories.PASSWORD)

    # Desktop: the question, and nothing written until it is answered.
    question = ask_to_assign_the_chore_again(page, couple_id)
    assert f"already has \u201c{CHORE}\u201d active, since" in question.inner_text()
    context = page.locator("#context")
    assert "Current rung: 2. Small turns toward your partner" in context.inner_text()
    assert page.locator("li.is-duplicate", has_text=CHORE).count() == 1
    assert "What to watch for on rung 2, their current rung." in page.inner_text("#step-form")
    assert_no_sideways_scroll(page)
    capture(page, "assign-again")
    assert chore_steps(couple_id) == 1

    # Phone: the context comes first, then the form, then the ladder.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/couples/{couple_id}/assign")
    page.get_by_role("link", name="Share a small worry you'd usually keep").click()
    page.get_by_label("Step title").wait_for()
    context_box = page.locator("#context").bounding_box()
    form_box = page.locator("#step-form").bounding_box()
    ladder_box = page.locator("section.picker").bounding_box()
    assert context_box["y"] < form_box["y"] < ladder_box["y"]
    active = page.locator("#context").inner_text()
    assert "Active now" in active and CHORE in active and "Ask their view on a work email" in active
    assert "Keep a log of your solo moments" in active  # completed last week
    assert_no_sideways_scroll(page)
    capture(page, "assign-form")

    ask_to_assign_the_chore_again(page, couple_id)
    assert_no_sideways_scroll(page)  # captured above, at both widths
    assert chore_steps(couple_id) == 1

    page.get_by_role("button", name="Assign it again").click()
    page.get_by_text(f"Assigned \u201c{CHORE}\u201d.").wait_for()
    assert chore_steps(couple_id) == 2
