"""A partner on a phone opens the link from their email and marks a step done."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import CheckIn, OutboxEmail, Visibility
from counselor.services.audit import Actor
from counselor.services.homework import assignments
from counselor.services.homework.assignments import AssignmentInput
from tests.support import factories
from tests.support.browser import PHONE, assert_no_sideways_scroll

# A live server's threads serve the pages: the rows must be committed for them to see.
pytestmark = [pytest.mark.browser, pytest.mark.committed_db]


def test_partner_marks_a_step_done_from_the_emailed_link(app, browser, live_server, smtp, capture):
    import tasks.outbox

    app.config["PUBLIC_BASE_URL"] = live_server
    couple = factories.CoupleFactory(
        partners=[{"first_name": "Zoë"}, {"first_name": "José"}], label="Zoë & José M."
    )
    actor = Actor.for_counselor(couple.counselor)
    tenancy.enter_practice(couple.practice_id)  # the test acts for the couple's practice
    for key in ("share-a-minor-worry", "hand-over-a-chore"):
        # Send now: the emails go whatever the hour this test runs at (else, at night in
        # the partners' zone, they would wait for the morning).
        assignments.assign_homework(
            actor, couple.id, AssignmentInput(template_key=key, send_now=True)
        )
    db.session.commit()  # as the request that assigns would, for the worker and the server
    tasks.outbox.deliver_emails(list(db.session.scalars(sa.select(OutboxEmail.id))))

    mail = next(m for m in smtp.messages if m.recipients == [couple.partners[0].email])
    assert "Hi Zoë" in mail.text and "2 steps open this week" in mail.text

    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(mail.homework_link)
    step = page.locator("article.step-card", has_text="Share a small worry")
    # Each card starts closed, showing the week's progress: tapping Mark done opens its form.
    # (The target is the week's share of 3 a week for a step assigned today: 3 on a Monday.)
    progress = step.locator(".progress-line").inner_text()
    assert progress.startswith("0 of ") and progress.endswith(" this week")
    target = progress.removeprefix("0 of ").removesuffix(" this week")
    assert not step.get_by_label("4", exact=True).is_visible()
    step.locator("summary", has_text="Mark done").click()
    step.get_by_label("4", exact=True).check()
    step.get_by_label("Anything you noticed? (optional)").fill(
        "I told José about the dentist appointment. It felt lighter <really> & calmer."
    )
    step.get_by_label("Let my partner read this too").check()
    capture(page, "partner-step", full_page=False)
    step.get_by_role("button", name="Mark done").click()

    page.locator("#confirmation").wait_for()
    assert f"1 of {target}" in page.locator("#confirmation").inner_text()
    assert "2 steps still open this week" in page.locator("#confirmation").inner_text()
    capture(page, "partner-done", full_page=False)
    assert_no_sideways_scroll(page)
    context.close()

    check_in = db.session.scalar(sa.select(CheckIn))
    assert check_in.comfort == 4
    assert check_in.visibility == Visibility.SHARED
    assert check_in.reflection.endswith("<really> & calmer.")
