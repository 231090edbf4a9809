"""POST /couples/{id}/assignments with a step the couple already has active: 409 unless
``allow_duplicate``; ``send_now`` reaches the new-step email; both are in the document."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Assignment
from counselor.services.delivery import notifications
from tests.support.api import API
from tests.support.helpers import row_counts

TEMPLATE = "hand-over-a-chore"


def assign(api, couple, headers=None, **extra):
    return api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": TEMPLATE, "assignee": "each", "notify": False, **extra},
        headers=headers,
    )


def assignment_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Assignment))


def test_a_template_already_active_answers_409_naming_the_step(api, couple):
    first = assign(api, couple).get_json()
    before = {k: v for k, v in row_counts().items() if k != "audit_events"}

    response = assign(api, couple, times_per_week=2)

    assert response.status_code == 409
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors", "details"}
    assert (body["code"], body["status"]) == (409, "Conflict")
    assert body["message"] == (
        f"This couple already has \u201c{first['title']}\u201d active, since "
        f"{_day(first['starts_on'])} (assignment {first['id']}). "
        'Send "allow_duplicate": true to assign it again.'
    )
    assert list(body["errors"]["json"]) == ["template_key"]
    assert body["details"] == {
        "existing_assignment_id": first["id"],
        "existing_starts_on": first["starts_on"],
    }
    assert {k: v for k, v in row_counts().items() if k != "audit_events"} == before


def test_allow_duplicate_assigns_it_again(api, couple):
    first = assign(api, couple).get_json()

    response = assign(api, couple, allow_duplicate=True)

    assert response.status_code == 201, response.get_json()
    second = response.get_json()
    assert second["id"] != first["id"]
    assert (second["template_key"], second["status"]) == (TEMPLATE, "active")
    assert assignment_count() == 2


def test_a_custom_step_titled_like_an_active_one_on_its_rung_is_409(api, couple):
    rung_key = api.get("/ladder").get_json()["rungs"][3]["key"]
    custom = {
        "title": "Plan the holidays",
        "instructions": "Talk.",
        "rung_key": rung_key,
        "times_per_week": 1,
    }
    first = api.post(f"/couples/{couple['id']}/assignments", json={**custom, "assignee": "each"})
    assert first.status_code == 201, first.get_json()
    again = api.post(
        f"/couples/{couple['id']}/assignments",
        json={**custom, "title": "plan the holidays", "assignee": "together"},
    )
    assert list(assert_error_409(again)["errors"]["json"]) == ["title"]


def test_a_replayed_create_is_still_a_replay_not_a_409(api, couple):
    key = {"Idempotency-Key": "assign-chore-1"}
    first = assign(api, couple, headers=key)
    assert first.status_code == 201

    replay = assign(api, couple, headers=key)

    assert replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first.get_json()
    assert assignment_count() == 1


def test_a_409_releases_its_key_for_the_confirmed_request(api, couple):
    assign(api, couple)
    key = {"Idempotency-Key": "assign-chore-2"}
    assert assign(api, couple, headers=key).status_code == 409

    confirmed = assign(api, couple, headers=key, allow_duplicate=True)

    assert confirmed.status_code == 201, confirmed.get_json()
    assert "Idempotent-Replayed" not in confirmed.headers
    assert assignment_count() == 2


@pytest.mark.parametrize("send_now", [False, True])
def test_send_now_reaches_the_new_step_email(api, couple, monkeypatch, send_now):
    calls = []
    monkeypatch.setattr(
        notifications,
        "notify_new_step",
        lambda assignment, *, send_now=False: calls.append(send_now) or [],
    )
    response = assign(api, couple, notify=True, send_now=send_now)
    assert response.status_code == 201, response.get_json()
    assert calls == [send_now]


def test_send_now_defaults_to_false(api, couple, monkeypatch):
    calls = []
    monkeypatch.setattr(
        notifications,
        "notify_new_step",
        lambda assignment, *, send_now=False: calls.append(send_now) or [],
    )
    assert assign(api, couple, notify=True).status_code == 201
    assert calls == [False]


def test_the_document_has_both_fields_and_the_409(client):
    spec = client.get(API + "/openapi.json").get_json()
    args = spec["components"]["schemas"]["AssignmentArgs"]["properties"]
    assert args["allow_duplicate"]["type"] == "boolean"
    assert args["allow_duplicate"]["default"] is False
    assert args["send_now"]["type"] == "boolean"
    assert args["send_now"]["default"] is False
    operation = spec["paths"][API + "/couples/{couple_id}/assignments"]["post"]
    conflict = operation["responses"]["409"]
    assert "allow_duplicate" in conflict["description"]
    schema_ref = conflict["content"]["application/json"]["schema"]["$ref"]
    error = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[-1]]
    assert {"code", "status", "message", "errors", "details"} <= set(error["properties"])


def assert_error_409(response) -> dict:
    assert response.status_code == 409, response.get_json()
    body = response.get_json()
    assert body["code"] == 409 and body["message"] and body["details"]["existing_assignment_id"]
    return body


def _day(iso: str) -> str:
    """2026-05-13 as the message writes it: 13 May 2026."""
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%b %Y}"
