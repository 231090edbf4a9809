"""A partner on a phone takes back what they did: edits a check-in, deletes another and
takes back a shared reflection. The other partner no longer sees it; the counselor does,
marked as withdrawn."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import CheckIn, CheckInSource, LinkPurpose, Visibility
from counselor.services.audit import Actor
from counselor.services.couples import links
from counselor.services.homework import assignments, checkins
from counselor.services.homework.assignments import AssignmentInput
from counselor.services.homework.checkins import CheckInInput
from tests.browser.test_dashboard_flow import log_in
from tests.support import factories
from tests.support.browser import PHONE, assert_no_sideways_scroll

# A live server's threads serve the pages: the rows must be committed for them to see.
pytestmark = [pytest.mark.browser, pytest.mark.committed_db]
SHARED = "I told José about the dentist appointment. It felt lighter."
PRIVATE = "Told him about the deadline; he just listened."


def record(partner, assignment_id: int, days_ago: int, **fields) -> CheckIn:
    today = timeutil.local_today(partner.timezone)
    data = CheckInInput(
        partner_id=partner.id,
        source=CheckInSource.LINK,
        occurred_on=today - timedelta(days=days_ago),
        **fields,
    )
    check_in, _ = checkins.record_checkin(links.partner_actor(partner), assignment_id, data)
    return check_in


def test_partner_edits_deletes_and_takes_back_on_a_phone(app, browser, live_server, page, capture):
    couple = factories.CoupleFactory(
        partners=[{"first_name": "Zoë"}, {"first_name": "José"}], label="Zoë & José M."
    )
    zoe, jose = couple.partners
    counselor = couple.counselor
    tenancy.enter_practice(couple.practice_id)  # the test acts for the couple's practice
    started = timeutil.local_today(zoe.timezone) - timedelta(days=3)
    worry, chore = (
        assignments.assign_homework(
            Actor.for_counselor(counselor),
            couple.id,
            AssignmentInput(template_key=key, starts_on=started, notify=False),
        )
        for key in ("share-a-minor-worry", "hand-over-a-chore")
    )
    to_edit = record(zoe, chore.id, 0, comfort=2).id
    to_delete = record(zoe, worry.id, 0, comfort=3, reflection=PRIVATE).id
    to_withdraw = record(zoe, worry.id, 1, comfort=4, reflection=SHARED, share_with_partner=True).id
    zoe_link, jose_link = (links.issue_link(p, LinkPurpose.HOMEWORK) for p in (zoe, jose))
    db.session.commit()  # as the requests that did this would, for the live server

    context = browser.new_context(
        base_url=live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True
    )
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(f"/p/{jose_link}")
    assert SHARED in phone.locator("main").inner_text()  # shared with José, for now

    # Zoë's page lists what she recorded under My history (folded), each with Edit and Delete.
    phone.goto(f"/p/{zoe_link}")
    mine = phone.locator("#my-checkins")
    mine.locator("summary").click()
    mine.scroll_into_view_if_needed()
    assert_no_sideways_scroll(phone)
    capture(phone, "partner-my-checkins")

    # Edit: a kinder comfort rating and a few words, for the counselor only.
    mine.locator("li", has_text="Hand over a chore").get_by_role("link", name="Edit").click()
    phone.get_by_role("heading", name="Change your check-in").wait_for()
    phone.get_by_label("4", exact=True).check()
    phone.get_by_label("Anything you noticed? (optional)").fill("We did the shopping his way.")
    assert_no_sideways_scroll(phone)
    capture(phone, "partner-edit-checkin")
    phone.get_by_role("button", name="Save changes").click()
    phone.get_by_text("Saved. Your check-in is updated.").wait_for()

    # Delete: asked first, then gone. (My history comes back open after the change.)
    phone.locator("#my-checkins li", has_text=PRIVATE).get_by_role("link", name="Delete").click()
    phone.get_by_role("heading", name="Delete this check-in?").wait_for()
    assert_no_sideways_scroll(phone)
    capture(phone, "partner-delete")
    phone.get_by_role("button", name="Delete check-in").click()
    phone.get_by_text("Done. That check-in is deleted.").wait_for()
    assert PRIVATE not in phone.locator("main").inner_text()

    # Take back the reflection José could read: asked first as well.
    phone.locator("#shared-by-me").get_by_role("link", name="Take it back").click()
    phone.get_by_role("heading", name="Take back this reflection?").wait_for()
    assert "Your counselor will still see it" in phone.locator("main").inner_text()
    assert_no_sideways_scroll(phone)
    capture(phone, "partner-withdraw")
    phone.get_by_role("button", name="Take it back").click()
    phone.get_by_text("Taken back.").wait_for()
    assert phone.locator("#shared-by-me").count() == 0

    # Stop emails asks first and says who can turn them back on; she keeps them.
    phone.get_by_role("link", name="Stop emails").click()
    phone.get_by_text("Only your counselor can turn them back on.").wait_for()
    assert_no_sideways_scroll(phone)
    capture(phone, "partner-stop-emails")
    phone.get_by_role("link", name="No, keep my emails").click()
    phone.get_by_role("heading", name="Hi Zoë").wait_for()

    # José's page no longer shows it anywhere.
    phone.goto(f"/p/{jose_link}")
    assert SHARED not in phone.content()
    context.close()

    # The counselor still reads it, marked as withdrawn.
    log_in(page, counselor.email, factories.PASSWORD)
    page.goto(f"/couples/{couple.id}")
    reflections = page.locator("section[aria-labelledby=reflections-h]")
    withdrawn = reflections.locator("li.withdrawn")
    assert SHARED in withdrawn.inner_text()
    assert "Withdrawn by Zoë on" in withdrawn.inner_text()
    assert "We did the shopping his way." in reflections.inner_text()
    assert PRIVATE not in reflections.inner_text()
    capture(page, "couple-withdrawn-reflection", element=reflections)

    db.session.expire_all()
    edited = db.session.get(CheckIn, to_edit)
    assert (edited.comfort, edited.visibility) == (4, Visibility.COUNSELOR)
    assert edited.edited_at is not None
    assert db.session.get(CheckIn, to_delete) is None
    assert db.session.get(CheckIn, to_withdraw).reflection_withdrawn_at is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 2
