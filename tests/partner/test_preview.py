"""*Preview Sam's page* (dashboard.partner_preview): the counselor sees the partner's page,
read-only under a banner. Nothing in it can be submitted, no token is anywhere in it, no
link row is minted, and the one write is the audit trail's record of the read."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    AuditEvent,
    ClientLink,
    CounselorRole,
    CoupleStatus,
    LinkPurpose,
    Visibility,
)
from counselor.services.couples import links
from tests.support import factories
from tests.support.clock import NOW, TODAY
from tests.support.helpers import count_rows, login, row_counts

pytestmark = pytest.mark.usefixtures("clock", "actor")


@pytest.fixture
def busy(couple, partner):
    """Everything the partner's page can offer a form or a link for: a step, a check-in
    they may still change, a reflection each way, paused reminders and a working link."""
    step = factories.AssignmentFactory(
        couple=couple,
        title="Share a minor worry",
        instructions="Tell your partner about one small worry.",
        times_per_week=3,
        starts_on=TODAY - timedelta(weeks=2),
    )
    mine = factories.CheckInFactory(
        assignment=step,
        partner=partner,
        occurred_on=TODAY,
        comfort=4,
        reflection="My own words.",
        visibility=Visibility.SHARED,
    )
    factories.CheckInFactory(
        assignment=step,
        partner=couple.partners[1],
        occurred_on=TODAY,
        reflection="Their shared words.",
        visibility=Visibility.SHARED,
    )
    # The other partner's words this partner may not read: for the counselor only, and
    # shared then taken back.
    factories.CheckInFactory(
        assignment=step,
        partner=couple.partners[1],
        occurred_on=TODAY - timedelta(days=1),
        reflection="Their words for the counselor.",
        visibility=Visibility.COUNSELOR,
    )
    factories.CheckInFactory(
        assignment=step,
        partner=couple.partners[1],
        occurred_on=TODAY - timedelta(days=2),
        reflection="Their words taken back.",
        visibility=Visibility.SHARED,
        reflection_withdrawn_at=NOW - timedelta(hours=1),
    )
    partner.snoozed_until = NOW + timedelta(days=3)
    token = links.issue_link(partner, LinkPurpose.HOMEWORK)
    db.session.commit()
    return {"step": step, "mine": mine, "token": token}


def preview(client, partner) -> str:
    response = client.get(f"/partners/{partner.id}/preview")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_preview_shows_the_partners_page_under_a_banner(logged_in, couple, partner, busy):
    html = preview(logged_in, partner)

    name = partner.first_name
    assert f"Preview of what {name} sees." in html
    assert f"Nothing here can be submitted; this is not {name}'s link." in html
    assert f'href="/couples/{couple.id}">Back to' in html
    # The partner's page itself, as they see it.
    assert f"Hi {name}" in html
    assert "Share a minor worry" in html and "Tell your partner about one small worry." in html
    assert "My history" in html and "My own words." in html
    assert "Their shared words." in html
    assert "Reminders are paused until" in html and "Resume now" in html


def test_the_preview_leaks_nothing_the_partner_may_not_read(logged_in, partner, busy):
    html = preview(logged_in, partner)

    assert "Their shared words." in html  # what they may read is there…
    assert "Their words for the counselor." not in html  # …the other's private words not,
    assert "Their words taken back." not in html  # nor what was shared and taken back


def test_nothing_in_the_preview_can_submit_or_carries_a_token(logged_in, partner, busy):
    html = preview(logged_in, partner)

    assert "<form" not in html
    assert "/p/" not in html and "/u/" not in html
    assert busy["token"] not in html
    assert 'type="submit"' not in html
    assert "csrf_token" not in html and "checkin_key" not in html
    # The buttons are there to see, disabled and of a type that submits nothing.
    assert '<button type="button" class="button primary wide" disabled>Mark done' in html
    assert "aria-disabled" not in html and '<span class="button' not in html
    buttons = re.findall(r"<button[^>]*>", html)
    assert buttons and all('type="button"' in b and " disabled" in b for b in buttons)
    assert html.count('<fieldset class="preview-form') >= 3  # mark done, hour, resume


def test_the_preview_mints_no_link_and_writes_only_its_audit_read(
    logged_in, counselor, partner, busy
):
    before = row_counts()
    links_before = count_rows(ClientLink)

    preview(logged_in, partner)

    db.session.expire_all()
    after = row_counts()
    assert count_rows(ClientLink) == links_before
    assert after.pop("audit_events") == before.pop("audit_events") + 1
    assert after == before
    event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.actor_type, event.actor_id) == (
        "partner.previewed",
        "counselor",
        counselor.id,
    )
    assert (event.object_type, event.object_id) == ("partner", partner.id)


def test_another_practices_partner_is_not_found(logged_in):
    theirs = factories.CoupleFactory().partners[0]
    before = row_counts()

    response = logged_in.get(f"/partners/{theirs.id}/preview")

    assert response.status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("state", ["paused", "closed", "erased"])
def test_while_the_link_would_not_open_the_preview_shows_what_the_partner_gets(
    logged_in, couple, partner, busy, state
):
    """``links.resolve_link`` refuses a homework link of a couple that is not active: the
    partner sees the page saying their link no longer works, and so does the preview —
    drawn without its form."""
    couple.status = CoupleStatus.CLOSED if state != "paused" else CoupleStatus.PAUSED
    if state == "erased":
        couple.erased_at = NOW
    db.session.commit()
    assert links.resolve_link(busy["token"], LinkPurpose.HOMEWORK) is None

    html = preview(logged_in, partner)

    assert f"Preview of what {partner.first_name} sees." in html
    assert f"is {state}: {partner.first_name}'s link does not open their page now" in html
    assert "This link no longer works" in html
    assert "Share a minor worry" not in html and "My own words." not in html
    assert "<form" not in html and "csrf_token" not in html and 'type="submit"' not in html
    assert '<button type="button" class="button primary wide" disabled>Send me a fresh link' in html


def test_a_colleague_who_does_not_treat_the_couple_gets_404(app, couple, partner, busy):
    """A counselor of the same practice, not an owner, where counselors see only the couples
    they treat (``staff_see_all_couples`` off, the default)."""
    colleague = factories.CounselorFactory(practice=couple.practice, role=CounselorRole.COUNSELOR)
    assert couple.practice.staff_see_all_couples is False
    client = app.test_client()
    login(client, colleague.email, factories.PASSWORD)
    before = row_counts()

    response = client.get(f"/partners/{partner.id}/preview")

    assert response.status_code == 404
    assert "My own words." not in response.get_data(as_text=True)
    assert row_counts() == before


def test_the_preview_needs_a_login(client, partner):
    response = client.get(f"/partners/{partner.id}/preview")

    assert response.status_code in (302, 401)
    assert "Hi " + partner.first_name not in response.get_data(as_text=True)
