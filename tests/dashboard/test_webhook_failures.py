"""Settings › Webhooks after things went wrong: what the practice sees of a failed delivery
is its class only, never the error (issue 12, finding 7: the delivery log must not work
as a port scanner); a disabled endpoint says why, and an owner enables it again through a
confirm page, audited (finding 1)."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import AuditEvent, CounselorRole, WebhookDelivery
from counselor.services.audit import Actor
from counselor.services.delivery import outbox, webhooks
from counselor.services.delivery.webhook_delivery import WEBHOOKS
from tests.support import factories
from tests.support.helpers import login
from tests.support.webhook_receiver import answering, running_receiver, running_socket_receiver

pytestmark = pytest.mark.usefixtures("actor")  # the test reads the counselor's practice

# What an internal SSH server answers: a port scan would tell it from a closed port.
NOT_HTTP = b"SSH-2.0-OpenSSH_9.6\r\n"


def deliver_once(actor, url: str, event: str = "checkin.created") -> WebhookDelivery:
    """A new endpoint for ``event`` (one event per endpoint of the test), one attempt."""
    webhooks.create_endpoint(actor, url, [event])
    [delivery_id] = webhooks.emit(actor.practice_id, event, {"checkin_id": 1})
    db.session.commit()
    outbox.deliver(WEBHOOKS, [delivery_id])
    db.session.expire_all()
    return db.session.get(WebhookDelivery, delivery_id)


def test_a_refused_connection_and_a_bad_status_line_look_the_same_to_the_practice(
    logged_in, counselor, caplog
):
    actor = Actor.for_counselor(counselor)
    with running_receiver() as closed:
        closed_port = closed.url  # nothing listens there once the receiver stops
    with caplog.at_level(logging.WARNING, logger="counselor.services.delivery"):
        refused = deliver_once(actor, closed_port)
        with running_socket_receiver(answering(NOT_HTTP)) as ssh_like:
            not_http = deliver_once(actor, ssh_like, "report.ready")

    assert refused.last_error == not_http.last_error == "could not connect"
    assert refused.last_status_code is None and not_http.last_status_code is None
    page = logged_in.get("/settings/webhooks").get_data(as_text=True)
    deliveries = page[page.index("Recent deliveries") :]
    assert deliveries.count("could not connect") == 2
    for detail in ("refused", "Refused", "BadStatusLine", "SSH", "Errno", "status line"):
        assert detail not in deliveries
    # The operator's log says what happened, without the URL.
    assert "ConnectionRefusedError" in caplog.text
    assert "BadStatusLine" in caplog.text
    assert "/hooks/homework" not in caplog.text


def test_an_http_refusal_shows_its_status(logged_in, counselor, receiver, clock):
    receiver.status = 503
    delivery = deliver_once(Actor.for_counselor(counselor), receiver.url)

    assert delivery.last_error == "refused by the receiver (HTTP 503)"
    page = logged_in.get("/settings/webhooks").get_data(as_text=True)
    assert "refused by the receiver (HTTP 503)" in page


def disabled_endpoint(counselor):
    endpoint, _ = webhooks.create_endpoint(
        Actor.for_counselor(counselor), "http://127.0.0.1:9/hooks/homework", ["report.ready"]
    )
    endpoint.active = False
    endpoint.consecutive_failures = 20
    endpoint.disabled_reason = "Disabled after 20 failed attempts in a row (the last: timed out)."
    db.session.commit()
    return endpoint


def test_an_owner_enables_a_disabled_webhook_through_a_confirm_page(logged_in, counselor):
    endpoint = disabled_endpoint(counselor)
    enable = f"/settings/webhooks/{endpoint.id}/enable"

    page = logged_in.get("/settings/webhooks").get_data(as_text=True)
    assert "Disabled" in page and "the last: timed out" in page
    assert f'href="{enable}"' in page

    confirm = logged_in.get(enable).get_data(as_text=True)  # a GET changes nothing
    assert "Enable the webhook to 127.0.0.1 again?" in confirm
    assert "the last: timed out" in confirm
    assert "Events that failed while it was disabled are not sent again." in confirm
    assert 'name="confirmed" value="yes"' in confirm
    unconfirmed = logged_in.post(enable)  # no confirmation: the confirm page again
    assert unconfirmed.status_code == 200 and "Enable the webhook" in unconfirmed.text
    db.session.refresh(endpoint)
    assert endpoint.active is False

    response = logged_in.post(enable, data={"confirmed": "yes"})

    assert response.status_code == 302
    db.session.refresh(endpoint)
    assert (endpoint.active, endpoint.disabled_reason, endpoint.consecutive_failures) == (
        True,
        None,
        0,
    )
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == endpoint.id)
    ).all()
    assert "webhook.enable" in actions
    assert f'href="{enable}"' not in logged_in.get("/settings/webhooks").text


def test_a_counselor_who_is_not_an_owner_cannot_enable_one(client, counselor):
    endpoint = disabled_endpoint(counselor)
    colleague = factories.CounselorFactory(
        practice=counselor.practice, role=CounselorRole.COUNSELOR
    )
    login(client, colleague.email, factories.PASSWORD)

    assert "/enable" not in client.get("/settings/webhooks").text
    response = client.post(
        f"/settings/webhooks/{endpoint.id}/enable", data={"confirmed": "yes"}, follow_redirects=True
    )

    assert "Only an owner of the practice" in response.text
    db.session.refresh(endpoint)
    assert endpoint.active is False


def test_another_practices_webhook_cannot_be_enabled(logged_in):
    stranger = factories.CounselorFactory()
    with tenancy.practice_scope(stranger.practice_id):
        theirs = disabled_endpoint(stranger)

    assert logged_in.get(f"/settings/webhooks/{theirs.id}/enable").status_code == 404
    response = logged_in.post(f"/settings/webhooks/{theirs.id}/enable", data={"confirmed": "yes"})
    assert response.status_code == 404
