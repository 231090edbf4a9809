"""Issue 15's *done when* for the partner who is leaned on, in a real browser at 390 px: Alex
marks "Ask their view on a work email" done through their link; Sam opens their link, sees
the invitation and answers *noticed: yes, felt valued 5*; the counselor finds the pair on
the couple page and in the pre-session report's text."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import LinkPurpose
from counselor.services.audit import Actor
from counselor.services.couples import links
from counselor.services.homework import assignments
from counselor.services.homework.assignments import AssignmentInput
from tests.browser.test_agenda_to_report_flow import prepare_report
from tests.support import axe, factories
from tests.support.browser import PHONE, assert_no_sideways_scroll, log_in
from tests.support.pdf_text import all_text

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

INVITATION = (
    "Alex says they leaned on you today (asked your view on a work email). "
    "Did you notice? How did it feel to be asked?"
)
PAIR = "Alex leaned on Sam 1 time; Sam answered 1 (noticed 1)"
ANSWER = "noticed: yes · felt valued 5/5 · counselor only"


def scan(context, url: str) -> None:
    """No serious or critical axe finding on ``url``, every ``<details>`` open."""
    page = context.new_page()
    page.goto(url)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    findings = axe.blocking_findings(page)
    assert not findings, axe.summary(findings)
    page.close()


def test_sam_answers_alex_s_leaning_and_the_counselor_sees_the_pair(
    browser, live_server, page, app, counselor, send_task, capture
):
    tenancy.enter_practice(counselor.practice_id)
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="Alex & Sam R.",
        partners=[{"first_name": "Alex"}, {"first_name": "Sam"}],
    )
    alex, sam = couple.partners
    assignments.assign_homework(
        Actor.for_counselor(counselor),
        couple.id,
        AssignmentInput(
            template_key="ask-opinion-work-email",
            starts_on=timeutil.local_today(alex.timezone) - timedelta(days=3),
            notify=False,
        ),
    )
    factories.SessionFactory(couple=couple, starts_at=timeutil.utcnow() + timedelta(days=2))
    alex_link = links.issue_link(alex, LinkPurpose.HOMEWORK)
    sam_link = links.issue_link(sam, LinkPurpose.HOMEWORK)
    db.session.commit()

    phone = browser.new_context(base_url=live_server, viewport=PHONE, java_script_enabled=False)
    axe_context = browser.new_context(base_url=live_server, viewport=PHONE)
    axe.install(axe_context)
    try:
        partner_page = phone.new_page()
        partner_page.goto(f"/p/{alex_link}")
        partner_page.get_by_text(re.compile("^Mark done")).first.click()
        partner_page.locator("article.step-card form button[type=submit]").first.click()
        partner_page.get_by_text("Marked done — thank you.").wait_for()

        scan(axe_context, f"/p/{sam_link}")  # the invitation, its form open
        shot = axe_context.new_page()  # captures wait on script, off in the phone's context
        shot.goto(f"/p/{sam_link}")
        shot.locator("#leaned-on summary").first.click()
        shot.locator("#leaned-on").get_by_label("Yes", exact=True).check()
        shot.locator("#leaned-on").get_by_label("5 – very").check()
        capture(shot, "partner-leaning-invitation", element=shot.locator("#leaned-on"))
        partner_page.goto(f"/p/{sam_link}")
        invitation = partner_page.locator("#leaned-on")
        assert INVITATION in " ".join(invitation.inner_text().split())
        assert_no_sideways_scroll(partner_page)
        invitation.locator("summary").first.click()
        invitation.get_by_label("Yes", exact=True).check()
        invitation.get_by_label("5 – very").check()
        invitation.get_by_role("button", name="Send my answer").click()
        partner_page.get_by_text("Thank you for answering.").wait_for()
        assert partner_page.locator("#leaned-on").count() == 0  # answered: no longer asked
        assert "felt valued 5 out of 5" in partner_page.locator("#my-leaning-answers").inner_text()

        scan(axe_context, f"/p/{sam_link}")  # the answer, with Stop sharing
        shot.goto(f"/p/{sam_link}")
        capture(shot, "partner-leaning-answer", element=shot.locator("#my-leaning-answers"))
    finally:
        phone.close()
        axe_context.close()

    log_in(page, counselor.email, factories.PASSWORD)
    page.goto(f"/couples/{couple.id}")
    section = " ".join(page.locator("#leaning").inner_text().split())
    assert PAIR in section
    assert f"Sam: {ANSWER}" in section
    capture(page, "couple-leaning", element=page.locator("#leaning"))

    prepare_report(page, send_task)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").first.click()
    text = " ".join(all_text(download.value.path().read_bytes()).split())
    assert PAIR in text
    assert f"Ask their view on a work email — {ANSWER}" in text
