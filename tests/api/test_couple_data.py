"""GET /couples/{id}/export and POST /couples/{id}/erase."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, Couple
from counselor.services.couples import export
from tests.support import factories
from tests.support.clock import NOW

pytestmark = pytest.mark.usefixtures("clock")


def test_the_export_is_the_dashboard_s_document(api, couple):
    stored = db.session.get(Couple, couple["id"])
    factories.CheckInFactory(
        assignment=factories.AssignmentFactory(couple=stored), reflection="Went well"
    )

    response = api.get(f"/couples/{couple['id']}/export")

    assert response.status_code == 200
    document = response.get_json()
    assert document["exported_at"] == NOW.isoformat()
    assert document["checkins"][0]["reflection"] == "Went well"
    from counselor.services.audit import Actor

    same = json.loads(
        export.to_json(export.export_couple(Actor.system(stored.practice_id), stored))
    )
    assert document == same


def test_the_export_is_documented_in_openapi(api):
    spec = api.get("/openapi.json").get_json()

    operation = spec["paths"]["/api/v1/couples/{couple_id}/export"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/CoupleExport")
    assert "post" in spec["paths"]["/api/v1/couples/{couple_id}/erase"]


def test_erasing_answers_the_same_twice(api, couple, clock):
    first = api.post(f"/couples/{couple['id']}/erase")
    clock.advance(hours=1)
    second = api.post(f"/couples/{couple['id']}/erase")

    assert first.status_code == second.status_code == 200
    assert (
        first.get_json()
        == second.get_json()
        == {
            "couple_id": couple["id"],
            "erased_at": NOW.isoformat(),
        }
    )
    erased = api.get(f"/couples/{couple['id']}").get_json()
    assert erased["label"] == f"Erased couple #{couple['id']}"
    assert [p["first_name"] for p in erased["partners"]] == ["Partner 1", "Partner 2"]
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action == "couple.erase")
    ).all()
    assert actions == ["couple.erase"]


def test_an_erased_couple_cannot_be_reopened_or_given_homework(api, couple):
    api.post(f"/couples/{couple['id']}/erase")

    reopened = api.patch(f"/couples/{couple['id']}", json={"status": "active"})
    assigned = api.post(
        f"/couples/{couple['id']}/assignments", json={"template_key": "hand-over-a-chore"}
    )

    assert reopened.status_code == 422 and "erased" in reopened.get_data(as_text=True)
    assert assigned.status_code == 422


def test_another_practice_s_couple_is_not_found(api, other_api, couple):
    assert other_api.get(f"/couples/{couple['id']}/export").status_code == 404
    assert other_api.post(f"/couples/{couple['id']}/erase").status_code == 404
    assert db.session.get(Couple, couple["id"]).erased_at is None
