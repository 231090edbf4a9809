"""Acknowledgements through the API: read under the check-in they answer and per couple,
announced by the ``acknowledgement.created`` webhook with ids only."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import LinkPurpose, Partner, WebhookDelivery
from counselor.services.couples import links
from tests.support.api import assert_error

NOTE = "A note only the counselor and the API may read"


@pytest.fixture
def leaned(api, couple):
    """Alex's check-in of a rung-2 step, through the API; a webhook listens for answers."""
    api.post(
        "/webhooks",
        json={"url": "http://127.0.0.1:9/hooks", "events": ["acknowledgement.created"]},
    )
    step = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": "ask-opinion-work-email", "assignee": "each", "notify": False},
    ).get_json()
    alex, _sam = couple["partners"]
    return api.post(
        f"/assignments/{step['id']}/checkins", json={"partner_id": alex["id"]}
    ).get_json()


def sam_answers(client, couple, checkin_id: int, **fields):
    sam = db.session.get(Partner, couple["partners"][1]["id"])
    token = links.issue_link(sam, LinkPurpose.HOMEWORK)
    db.session.commit()
    data = {"noticed": "yes", "felt_valued": "5", "note": NOTE, **fields}
    response = client.post(f"/p/{token}/leaned-on/{checkin_id}", data=data)
    assert response.status_code == 302


def test_an_acknowledgement_is_read_under_its_check_in_and_per_couple(api, couple, leaned):
    assert_error(api.get(f"/checkins/{leaned['id']}/acknowledgement"), 404)
    sam_answers(api.client, couple, leaned["id"])

    answer = api.get(f"/checkins/{leaned['id']}/acknowledgement").get_json()

    assert answer == {
        "id": answer["id"],
        "checkin_id": leaned["id"],
        "partner_id": couple["partners"][1]["id"],
        "noticed": "yes",
        "felt_valued": 5,
        "note": NOTE,
        "share_with_partner": False,
        "created_at": answer["created_at"],
    }
    listed = api.get(f"/couples/{couple['id']}/acknowledgements").get_json()
    assert (listed["total"], listed["items"]) == (1, [answer])


def test_the_webhook_carries_ids_only(api, couple, leaned):
    sam_answers(api.client, couple, leaned["id"])
    [delivery] = db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.event == "acknowledgement.created")
    ).all()
    body = json.loads(delivery.payload)
    answer = api.get(f"/checkins/{leaned['id']}/acknowledgement").get_json()
    assert body["data"] == {
        "acknowledgement_id": answer["id"],
        "checkin_id": leaned["id"],
        "couple_id": couple["id"],
        "partner_id": couple["partners"][1]["id"],
    }
    assert NOTE not in delivery.payload


def test_another_practice_gets_404(api, other_api, couple, leaned):
    sam_answers(api.client, couple, leaned["id"])
    assert_error(other_api.get(f"/checkins/{leaned['id']}/acknowledgement"), 404)
    assert_error(other_api.get(f"/couples/{couple['id']}/acknowledgements"), 404)
    assert_error(api.get("/checkins/999999/acknowledgement"), 404)
