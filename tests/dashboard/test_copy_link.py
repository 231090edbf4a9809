"""*Copy Sam's link*: a fresh homework link, audited, shown once on the POST's own answer
(never in a URL the browser keeps), for a counselor who sends it through their own channel."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, ClientLink, CoupleStatus, LinkPurpose
from counselor.services.couples import links
from tests.support import factories
from tests.support.helpers import count_rows, login, row_counts

pytestmark = pytest.mark.usefixtures("clock")


def copy(client, partner):
    return client.post(f"/partners/{partner.id}/copy-link")


def shown_link(page: str) -> str:
    found = re.search(r'<input id="partner-link" type="text" value="([^"]+)" readonly', page)
    assert found is not None, page
    return found.group(1)


def test_copying_makes_one_link_and_one_event_and_shows_the_link_once(logged_in, couple, caplog):
    sam = couple.partners[0]
    links_before, events_before = count_rows(ClientLink), count_rows(AuditEvent)
    with caplog.at_level(logging.DEBUG):
        response = copy(logged_in, sam)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    link = shown_link(page)
    token = link.rsplit("/p/", 1)[1]
    assert count_rows(ClientLink) == links_before + 1
    made = db.session.scalar(sa.select(ClientLink).order_by(ClientLink.id.desc()).limit(1))
    assert (made.partner_id, made.purpose) == (sam.id, LinkPurpose.HOMEWORK)
    assert made.token_hash == links.hash_token(token)
    assert count_rows(AuditEvent) == events_before + 1
    event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert (event.action, event.object_type, event.object_id) == (
        "partner.link_copied",
        "partner",
        sam.id,
    )
    assert token not in repr([getattr(event, c.key) for c in AuditEvent.__table__.columns])
    assert all(token not in record.getMessage() for record in caplog.records)
    assert f"Anyone with this link can see and check off {sam.first_name}'s steps." in page
    assert "It is shown only this once." in page
    assert f'href="/couples/{couple.id}"' in page
    assert "copy-link.js" in page


def test_the_link_shown_opens_the_partner_s_page(logged_in, couple, app):
    sam = couple.partners[0]
    link = shown_link(copy(logged_in, sam).get_data(as_text=True))
    assert link.startswith(app.config["PUBLIC_BASE_URL"].rstrip("/") + "/p/")
    partner_page = logged_in.get(link.removeprefix(app.config["PUBLIC_BASE_URL"].rstrip("/")))
    assert partner_page.status_code == 200
    assert f"Hi {sam.first_name}" in partner_page.get_data(as_text=True)


def test_get_is_not_allowed(logged_in, couple):
    assert logged_in.get(f"/partners/{couple.partners[0].id}/copy-link").status_code == 405


def test_another_practice_s_partner_is_not_found(logged_in):
    theirs = factories.CoupleFactory()
    before = row_counts()
    assert copy(logged_in, theirs.partners[0]).status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("status", [CoupleStatus.PAUSED, CoupleStatus.CLOSED])
def test_a_paused_or_closed_couple_gets_a_message_and_no_link(logged_in, counselor, status):
    couple = factories.CoupleFactory(counselor=counselor, status=status)
    before = row_counts()
    response = copy(logged_in, couple.partners[0])
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/couples/{couple.id}")
    assert row_counts() == before
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert f"is {status.value}: links work only while the couple is active" in page
    assert "partner-link" not in page


def test_the_copy_needs_its_csrf_token(logged_in, couple, csrf_checked):
    before = row_counts()
    assert copy(logged_in, couple.partners[0]).status_code == 400
    assert row_counts() == before


class TestCopyLinkRateLimit:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"RATELIMIT_ENABLED": True}

    def test_a_counselor_copies_ten_links_an_hour_then_none(self, app, logged_in, couple):
        sam = couple.partners[0]
        statuses = [copy(logged_in, sam).status_code for _ in range(10)]
        links_before = count_rows(ClientLink)

        refused = copy(logged_in, sam)

        assert statuses == [200] * 10
        assert refused.status_code == 429
        assert "Too many attempts" in refused.get_data(as_text=True)
        assert count_rows(ClientLink) == links_before
        colleague = factories.CounselorFactory(practice=couple.practice)
        theirs = app.test_client()
        login(theirs, colleague.email, factories.PASSWORD)
        assert copy(theirs, sam).status_code == 200  # per counselor, not per couple
