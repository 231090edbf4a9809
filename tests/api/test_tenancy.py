"""Tenant isolation: every route of the OpenAPI document, called with a second practice's
key on the first practice's ids, answers 404 — never 403, never data — and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from counselor import tenancy
from counselor.models import Partner
from counselor.services.couples import links
from counselor.services.homework import acknowledgements
from counselor.services.homework.acknowledgements import AcknowledgementInput
from counselor.services.reports import pre_session
from counselor.tenancy import get_in_practice
from counselor.unit_of_work import unit_of_work
from tests.support.api import API, ApiClient, assert_error, couple_body
from tests.support.helpers import row_counts

# A valid body for every operation that takes one, so that only the object can be wrong.
BODIES: dict[tuple[str, str], Any] = {
    ("patch", "/couples/{couple_id}"): {"label": "Renamed"},
    ("post", "/couples/{couple_id}/sessions"): {"starts_at": "2031-01-01T10:00:00Z"},
    ("patch", "/sessions/{session_id}"): {"agenda": "Money first"},
    ("post", "/couples/{couple_id}/assignments"): {
        "template_key": "TEMPLATE",
        "assignee": "each",
        "notify": False,
        "allow_duplicate": True,  # the fixture assigned it already
    },
    ("patch", "/assignments/{assignment_id}"): {"times_per_week": 2},
    ("post", "/assignments/{assignment_id}/checkins"): {"partner_id": "PARTNER"},
    ("post", "/couples/{couple_id}/reports"): {},
}


@pytest.fixture
def first_practice_ids(api: ApiClient) -> dict[str, Any]:
    return objects_made_by(api)


def objects_made_by(api: ApiClient, *, webhook: bool = True) -> dict[str, Any]:
    """A couple with a step, a session and a ready report, and a webhook, made through the
    API with this client's key; their ids by path parameter (and body placeholder)."""
    couple = api.post("/couples", json=couple_body()).get_json()
    template = api.get("/ladder").get_json()["rungs"][0]["templates"][0]["key"]
    assignment = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": template, "assignee": "each", "notify": False},
    ).get_json()
    session = api.post(
        f"/couples/{couple['id']}/sessions", json={"starts_at": "2031-01-01T10:00:00Z"}
    ).get_json()
    report = api.post(f"/couples/{couple['id']}/reports", json={}).get_json()
    pre_session.generate_report(report["id"])
    checkin_id = _acknowledged_checkin(api, couple)
    ids = {}
    if webhook:
        ids["webhook_id"] = api.post(
            "/webhooks", json={"url": "http://127.0.0.1:9/hooks", "events": ["checkin.created"]}
        ).get_json()["id"]
    return ids | {
        "couple_id": couple["id"],
        "assignment_id": assignment["id"],
        "session_id": session["id"],
        "report_id": report["id"],
        "checkin_id": checkin_id,
        "TEMPLATE": template,
        "PARTNER": couple["partners"][0]["id"],
    }


def _acknowledged_checkin(api: ApiClient, couple: dict[str, Any]) -> int:
    """A check-in of a step that leans on the other partner (rung 2), recorded through the
    API, and that partner's acknowledgement of it (partners write those on their page)."""
    first, second = couple["partners"]
    step = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": "ask-opinion-work-email", "assignee": "each", "notify": False},
    ).get_json()
    checkin = api.post(
        f"/assignments/{step['id']}/checkins", json={"partner_id": first["id"]}
    ).get_json()
    with tenancy.practice_scope(api.practice.id), unit_of_work():
        leaned_on = get_in_practice(Partner, second["id"])
        acknowledgements.acknowledge(
            links.partner_actor(leaned_on), leaned_on, checkin["id"], AcknowledgementInput("yes")
        )
    return checkin["id"]


def operations_with_ids(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """Every operation with an id in its path; a couple's erasure last, so that the calls
    that succeed (with the owning key) still find the couple as it was."""
    operations = [
        (method, path.removeprefix(API))
        for path, item in spec["paths"].items()
        if "{" in path
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    return sorted(operations, key=lambda operation: operation[1].endswith("/erase"))


def call(client: ApiClient, method: str, template: str, ids: dict[str, Any]) -> Any:
    missing = set(re.findall(r"{(\w+)}", template)) - set(ids)
    assert not missing, f"first_practice_ids needs an object for {missing} ({template})"
    path = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), template)
    body = BODIES.get((method, template))
    if isinstance(body, dict):
        body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    return getattr(client.client, method)(API + path, json=body, headers=client.headers())


def test_every_route_answers_404_to_another_practice(api, other_api, first_practice_ids):
    spec = api.client.get(API + "/openapi.json").get_json()
    operations = operations_with_ids(spec)
    assert len(operations) >= 12
    before = row_counts()
    for method, template in operations:
        response = call(other_api, method, template, first_practice_ids)
        assert response.status_code == 404, (method, template)
        assert_error(response, 404)
    after = row_counts()
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }

    # The same calls with the owning practice's key succeed: the 404s were isolation.
    for method, template in operations:
        response = call(api, method, template, first_practice_ids)
        assert response.status_code < 300, (method, template, response.get_json())
