"""Issue 15's *done when* for answers revealed together, in a real browser at 390 px: with
*reveal together* on, Sam cannot read Alex's shared reflection before writing their own for
that week, and can once they have; a reflection Sam has not answered shows once Alex's week
has ended (the clock moved past Sunday midnight in Chicago). Then Sam replies once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from counselor import tenancy
from counselor.extensions import db
from counselor.models import LinkPurpose
from counselor.services.audit import Actor
from counselor.services.couples import links
from counselor.services.homework import assignments
from counselor.services.homework.assignments import AssignmentInput
from tests.browser.test_partner_takes_back import record
from tests.support import axe, factories
from tests.support.browser import PHONE, assert_no_sideways_scroll
from tests.support.clock import TODAY

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

WORRY = "I told Sam I was nervous about the call; I almost didn't."
CHORE = "Letting Sam do the shopping their way was harder than I thought."
# Alex's week (Monday 11 – Sunday 17 May 2026) ends at midnight in Chicago, 05:00 UTC.
WEEK_ENDS = datetime(2026, 5, 18, 5, 0, tzinfo=UTC)


def text_of(page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def test_sam_reads_alexs_reflection_only_after_writing_theirs_or_after_the_week(
    browser, live_server, app, counselor, clock, capture
):
    tenancy.enter_practice(counselor.practice_id)
    counselor.practice.reveal_together = True
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="Alex & Sam R.",
        partners=[{"first_name": "Alex"}, {"first_name": "Sam"}],
    )
    alex, sam = couple.partners
    worry, chore = (
        assignments.assign_homework(
            Actor.for_counselor(counselor),
            couple.id,
            AssignmentInput(template_key=key, starts_on=TODAY - timedelta(days=2), notify=False),
        )
        for key in ("share-a-minor-worry", "hand-over-a-chore")
    )
    record(alex, worry.id, 0, comfort=3, reflection=WORRY, share_with_partner=True)
    record(alex, chore.id, 1, comfort=2, reflection=CHORE, share_with_partner=True)
    sam_link = links.issue_link(sam, LinkPurpose.HOMEWORK)
    db.session.commit()

    phone = browser.new_context(base_url=live_server, viewport=PHONE, java_script_enabled=False)
    axe_context = browser.new_context(base_url=live_server, viewport=PHONE)
    axe.install(axe_context)
    try:
        page = phone.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"/p/{sam_link}")
        shared = text_of(page)
        assert WORRY not in shared and CHORE not in shared
        assert (
            "Alex has written something for “Share a small worry you'd usually keep”; you'll "
            "see it once you've written yours, or on Monday, May 18." in shared
        )
        chore_notice = page.locator("#shared-with-me li", has_text="Hand over a chore")
        assert "you'll see it once you've written yours" in chore_notice.inner_text()
        assert_no_sideways_scroll(page)
        shot = axe_context.new_page()  # captures wait on script, off in the phone's context
        shot.goto(f"/p/{sam_link}")
        capture(shot, "partner-held-back", element=shot.locator("#shared-with-me"))

        # Sam writes their own reflection on the worry step (for the counselor only): the
        # notice's "Write yours" opens that step's form, with no script.
        worry_notice = page.locator("#shared-with-me li", has_text="Share a small worry")
        worry_notice.get_by_role("link", name="Write yours").click()
        card = page.locator("article.step-card", has_text="Share a small worry")
        assert card.locator("details.mark-done").get_attribute("open") is not None
        card.get_by_label("Anything you noticed?").fill("I listened without fixing it.")
        card.get_by_role("button", name="Mark done").click()
        page.get_by_text("Marked done — thank you.").wait_for()

        shared = text_of(page)
        assert WORRY in shared  # written theirs: Alex's shows
        assert CHORE not in shared  # not on the chore step
        assert "Alex has written something for “Hand over a chore you usually do”" in shared

        scanned = axe_context.new_page()
        scanned.goto(f"/p/{sam_link}")
        scanned.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert not axe.blocking_findings(scanned)

        # Alex's week ends: the chore reflection shows although Sam wrote nothing there.
        clock.set(WEEK_ENDS - timedelta(minutes=1))
        page.goto(f"/p/{sam_link}")
        assert CHORE not in text_of(page)
        clock.set(WEEK_ENDS)
        page.goto(f"/p/{sam_link}")
        shared = text_of(page)
        assert CHORE in shared and "has written something" not in shared

        # One reply, no chat.
        item = page.locator("#shared-with-me li", has_text=WORRY)
        item.locator("summary").click()
        assert "This isn't a chat" in item.inner_text()
        shot.goto(f"/p/{sam_link}")
        shown = shot.locator("#shared-with-me li", has_text=WORRY)
        shown.locator("summary").click()
        shown.get_by_label("Your reply").fill("Thank you for telling me.")
        capture(shot, "partner-reply", element=shot.locator("#shared-with-me"))
        item.get_by_label("Your reply").fill("Thank you for telling me.")
        item.get_by_role("button", name="Send reply").click()
        page.get_by_text("Sent. Alex will see your reply").wait_for()
        item = page.locator("#shared-with-me li", has_text=WORRY)
        assert "Your reply: Thank you for telling me." in " ".join(item.inner_text().split())
        assert item.get_by_role("button", name="Send reply").count() == 0
        assert_no_sideways_scroll(page)
    finally:
        phone.close()
        axe_context.close()
