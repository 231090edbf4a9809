"""Settings › Webhooks: subscriptions and recent deliveries, per practice."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import g

from counselor import tenancy
from counselor.extensions import db
from counselor.models import CounselorRole, OutboxStatus, WebhookDelivery, WebhookEndpoint
from counselor.services.audit import Actor
from counselor.services.delivery import webhooks
from tests.support import factories
from tests.support.helpers import login, row_counts

pytestmark = pytest.mark.usefixtures("actor")  # the test reads the counselor's practice

URL = "http://127.0.0.1:9/hooks/homework"


def add(client, url: str = URL, events=("checkin.created", "report.ready")):
    return client.post(
        "/settings/webhooks", data={"webhook-url": url, "webhook-events": list(events)}
    )


def test_the_settings_page_links_to_webhooks(logged_in):
    assert 'href="/settings/webhooks"' in logged_in.get("/settings").get_data(as_text=True)


def test_an_owner_adds_a_webhook_and_sees_its_secret_once(logged_in, counselor):
    response = add(logged_in)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = re.search(r'<code class="secret">(whsec_[^<]+)</code>', page).group(1)
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert endpoint.secret == secret
    assert webhooks.event_names(endpoint) == ["checkin.created", "report.ready"]
    again = logged_in.get("/settings/webhooks").get_data(as_text=True)
    assert secret not in again
    assert URL in again and "checkin.created, report.ready" in again


def test_bad_input_is_shown_at_its_field_and_writes_nothing(logged_in):
    before = row_counts()
    response = add(logged_in, url="ftp://127.0.0.1/hook", events=())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use an http:// or https:// URL." in page
    assert "Choose at least one event." in page
    assert row_counts() == before


def test_a_counselor_who_is_not_an_owner_sees_but_cannot_change(client, counselor):
    owner_endpoint, _ = webhooks.create_endpoint(
        Actor.for_counselor(counselor), URL, ["report.ready"]
    )
    colleague = factories.CounselorFactory(
        practice=counselor.practice, role=CounselorRole.COUNSELOR
    )
    login(client, colleague.email, factories.PASSWORD)

    page = client.get("/settings/webhooks").get_data(as_text=True)
    assert URL in page
    assert "An owner of the practice can add or remove webhooks." in page
    assert "Add webhook" not in page

    response = add(client, url="http://127.0.0.1:9/other")
    assert response.status_code == 422
    assert "Only an owner of the practice" in response.get_data(as_text=True)
    removed = client.post(f"/settings/webhooks/{owner_endpoint.id}/remove", follow_redirects=True)
    assert "Only an owner of the practice" in removed.get_data(as_text=True)
    assert [e.id for e in webhooks.list_endpoints(Actor.for_counselor(counselor))] == [
        owner_endpoint.id
    ]


def test_an_owner_removes_a_webhook(logged_in, counselor):
    endpoint, _ = webhooks.create_endpoint(Actor.for_counselor(counselor), URL, ["report.ready"])

    response = logged_in.post(f"/settings/webhooks/{endpoint.id}/remove")

    assert response.status_code == 302
    assert webhooks.list_endpoints(Actor.for_counselor(counselor)) == []
    assert URL not in logged_in.get("/settings/webhooks").get_data(as_text=True)


def test_another_practices_webhook_is_not_found(logged_in, counselor):
    stranger = factories.CounselorFactory()
    with tenancy.practice_scope(stranger.practice_id):
        theirs, _ = webhooks.create_endpoint(Actor.for_counselor(stranger), URL, ["report.ready"])
    db.session.commit()

    assert logged_in.post(f"/settings/webhooks/{theirs.id}/remove").status_code == 404
    assert logged_in.post("/settings/webhooks/999999/remove").status_code == 404
    assert URL not in logged_in.get("/settings/webhooks").get_data(as_text=True)
    with tenancy.practice_scope(stranger.practice_id):
        assert webhooks.list_endpoints(Actor.for_counselor(stranger)) == [theirs]


def test_recent_deliveries_show_event_status_attempts_and_answer(logged_in, counselor):
    actor = Actor.for_counselor(counselor)
    endpoint, _ = webhooks.create_endpoint(actor, URL, list(webhooks.EVENTS))
    webhooks.emit(counselor.practice_id, "report.ready", {"report_id": 1})
    webhooks.emit(counselor.practice_id, "checkin.created", {"checkin_id": 1})
    db.session.commit()
    first = db.session.scalar(sa.select(WebhookDelivery).order_by(WebhookDelivery.id))
    first.status, first.attempts, first.last_status_code = OutboxStatus.FAILED, 8, 503
    first.last_error = "the receiver answered 503"
    endpoint.active, endpoint.disabled_reason = False, "The receiver answered 410 Gone."
    db.session.commit()
    stranger = factories.CounselorFactory()
    with tenancy.practice_scope(stranger.practice_id):
        webhooks.create_endpoint(Actor.for_counselor(stranger), URL, ["partner.unsubscribed"])
        webhooks.emit(stranger.practice_id, "partner.unsubscribed", {"partner_id": 1})
    db.session.commit()

    page = logged_in.get("/settings/webhooks").get_data(as_text=True)

    section = page[page.index("Recent deliveries") :]
    assert section.count("<tr>") == 3  # header and our two deliveries
    assert "report.ready" in section and "checkin.created" in section
    assert "partner.unsubscribed" not in section
    assert "HTTP 503" in section and "the receiver answered 503" in section
    assert "Waiting" in section
    assert "Disabled" in page and "410 Gone" in page


@pytest.mark.usefixtures("csrf_checked")
class TestWithCsrf:
    def test_every_form_needs_its_token(self, client, counselor):
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        login_data = {"email": counselor.email, "password": factories.PASSWORD}
        assert client.post("/login", data={**login_data, "csrf_token": token}).status_code == 302
        # The test's app context outlives requests and with it ``g``'s cached token, which
        # the login's fresh session no longer matches; a real request starts without it.
        g.pop("csrf_token", None)
        endpoint, _ = webhooks.create_endpoint(
            Actor.for_counselor(counselor), URL, ["report.ready"]
        )
        db.session.commit()
        before = row_counts()

        assert add(client).status_code == 400
        assert client.post(f"/settings/webhooks/{endpoint.id}/remove").status_code == 400
        assert row_counts() == before

        page = client.get("/settings/webhooks").get_data(as_text=True)
        token = re.search(r'name="webhook-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(
            "/settings/webhooks",
            data={
                "webhook-url": URL,
                "webhook-events": ["report.ready"],
                "webhook-csrf_token": token,
            },
        )
        assert response.status_code == 200
        with tenancy.practice_scope(counselor.practice_id):
            assert len(webhooks.list_endpoints(Actor.for_counselor(counselor))) == 2
