"""Settings › Counselors in a real browser: an owner invites a counselor (the invitation is
queued, the invitee follows its link and joins), deactivates them after the confirm page
(the browser they were signed in with is refused at once) and reactivates them. Each page
at 1280 and 390 px wide."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Counselor, EmailKind, OutboxEmail
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.account_links import INVITE_LINK, body, send_waiting_emails, written_emails
from tests.support.browser import assert_fits_a_phone, log_in

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

CHOSEN = "plum orchard under winter rain"


@pytest.fixture
def owner(app, live_server) -> Counselor:
    app.config["PUBLIC_BASE_URL"] = live_server  # the emailed links point at the test server
    practice = factories.PracticeFactory(name="Riverside Couples Counselling")
    return factories.CounselorFactory(practice=practice, name="Dr. Morgan Lee")


def stored(email: str) -> Counselor:
    db.session.expire_all()
    return db.session.scalar(across_practices(sa.select(Counselor).where(Counselor.email == email)))


def test_an_owner_invites_deactivates_and_reactivates_a_counselor(
    browser, live_server, page, owner, capture
):
    log_in(page, owner.email, factories.PASSWORD)
    page.goto("/settings")
    tabs = page.get_by_role("navigation", name="Settings")
    tabs.get_by_role("link", name="Counselors").click()
    page.wait_for_url("**/settings/counselors")
    assert_fits_a_phone(page)

    page.get_by_label("Name").fill("Robin Vale")
    page.get_by_label("Email address").fill("robin.vale@example.org")
    page.get_by_label("Counselor: works with their couples").check()
    page.get_by_role("button", name="Send the invitation").click()
    page.get_by_text("We emailed an invitation to robin.vale@example.org.").wait_for()
    row = page.locator("tr", has_text="Robin Vale")
    assert "invited" in row.inner_text()
    capture(page, "settings-counselors")
    assert_fits_a_phone(page)

    invited = stored("robin.vale@example.org")
    assert invited.joined_at is None
    queued = db.session.scalars(
        across_practices(sa.select(OutboxEmail).where(OutboxEmail.counselor_id == invited.id))
    ).all()
    assert [email.kind for email in queued] == [EmailKind.COUNSELOR_INVITE]

    # The invitee, in a browser of their own, follows the emailed link and joins.
    send_waiting_emails()
    [message] = written_emails(to="robin.vale@example.org")
    link = INVITE_LINK.search(body(message))
    assert link is not None
    theirs = browser.new_context(base_url=live_server)
    robin = theirs.new_page()
    robin.set_default_timeout(10_000)
    robin.goto(link.group(0))
    robin.get_by_label("New password", exact=True).fill(CHOSEN)
    robin.get_by_label("The new password again").fill(CHOSEN)
    robin.get_by_role("button", name="Join the practice").click()
    robin.wait_for_url("**/couples")

    page.reload()
    assert "active" in page.locator("tr", has_text="Robin Vale").inner_text()

    # Deactivate: a confirm page first, then Robin's browser is refused at once.
    page.get_by_role("link", name="Deactivate Robin Vale").click()
    page.get_by_role("heading", name="Deactivate Robin Vale?").wait_for()
    assert "Robin Vale treats no couples at the moment." in page.locator("main").inner_text()
    assert_fits_a_phone(page)
    page.get_by_role("button", name="Deactivate Robin Vale").click()
    page.get_by_text("Robin Vale is deactivated and signed out everywhere.").wait_for()
    assert "deactivated" in page.locator("tr", has_text="Robin Vale").inner_text()
    assert not stored("robin.vale@example.org").active

    robin.goto("/couples")
    robin.wait_for_url("**/login**")
    robin.get_by_label("Email").fill("robin.vale@example.org")
    robin.get_by_label("Password").fill(CHOSEN)
    robin.get_by_role("button", name="Log in").click()
    robin.get_by_text("That email and password do not match an account.").wait_for()

    # Reactivate: the undo; Robin signs in again.
    page.get_by_role("button", name="Reactivate Robin Vale").click()
    page.get_by_text("Robin Vale can sign in again.").wait_for()
    assert_fits_a_phone(page)
    log_in(robin, "robin.vale@example.org", CHOSEN)
    theirs.close()
