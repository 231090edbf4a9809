"""/couples: create, list (paginated), read, change."""

from __future__ import annotations

import pytest

from counselor.extensions import db
from counselor.models import Counselor, CounselorRole, Couple, CoupleStatus
from tests.support import factories
from tests.support.api import API, assert_error, couple_body
from tests.support.helpers import row_counts


def test_create_a_couple_with_its_two_partners(api):
    response = api.post("/couples", json=couple_body())
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"{API}/couples/{body['id']}")
    assert body["label"] == "Alex & Sam R."
    assert body["external_id"] == "pm-123"
    assert body["status"] == "active"
    assert body["counselor_email"] == api.owner.email  # default: the practice's first owner
    assert [(p["position"], p["first_name"], p["email"]) for p in body["partners"]] == [
        (1, "Alex", "alex@example.org"),
        (2, "Sam", "sam@example.org"),
    ]
    assert all(isinstance(p["id"], int) for p in body["partners"])
    assert body["partners"][0]["reminder_hour"] == 18
    assert body["created_at"].endswith("+00:00")
    couple = db.session.get(Couple, body["id"])
    assert couple.practice_id == api.practice.id


def test_counselor_email_names_a_counselor_of_the_practice(api):
    colleague = factories.CounselorFactory(practice=api.practice, role=CounselorRole.COUNSELOR)
    response = api.post("/couples", json=couple_body(counselor_email=colleague.email.upper()))
    assert response.status_code == 201
    assert response.get_json()["counselor_email"] == colleague.email


def test_a_counselor_of_another_practice_cannot_be_named(api):
    stranger = factories.CounselorFactory()
    body = assert_error(api.post("/couples", json=couple_body(counselor_email=stranger.email)), 422)
    assert list(body["errors"]["json"]) == ["counselor_email"]
    assert db.session.query(Couple).count() == 0


def test_field_errors_use_the_contract_field_names(api):
    partners = couple_body()["partners"]
    partners[0]["email"] = "not an email"
    partners[1]["timezone"] = "Mars/Olympus"
    before = row_counts()
    body = assert_error(api.post("/couples", json=couple_body(partners=partners)), 422)
    assert body["message"] == "Validation failed"
    assert body["errors"] == {
        "json": {
            "partners": {
                "0": {"email": ["Not a valid email address."]},
                "1": {"timezone": [body["errors"]["json"]["partners"]["1"]["timezone"][0]]},
            }
        }
    }
    assert row_counts() == {**before, "audit_events": before["audit_events"] + 1}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"partners": couple_body()["partners"][:1]}, "partners"),
        ({"label": ""}, "label"),
        ({"label": "x" * 121}, "label"),
        ({"label": "nul\x00byte"}, "label"),
        ({"external_id": "x" * 129}, "external_id"),
        ({"partners": [{"first_name": "A"}, {"first_name": "B"}]}, "partners"),
    ],
)
def test_invalid_couples_are_refused_field_by_field(api, change, field):
    body = assert_error(api.post("/couples", json=couple_body(**change)), 422)
    assert field in body["errors"]["json"]


def test_a_duplicate_external_id_is_a_validation_error(api):
    assert api.post("/couples", json=couple_body()).status_code == 201
    partners = [{**p, "email": "2" + p["email"]} for p in couple_body()["partners"]]
    body = assert_error(api.post("/couples", json=couple_body(partners=partners)), 422)
    assert "external_id" in body["errors"]["json"]


def test_list_couples_is_paginated(api, other_api):
    owner = db.session.get(Counselor, api.owner.id)
    for _ in range(5):
        factories.CoupleFactory(counselor=owner)
    factories.CoupleFactory(counselor=db.session.get(Counselor, other_api.owner.id))

    first = api.get("/couples", query_string={"page_size": 2}).get_json()
    assert (first["page"], first["page_size"], first["total"]) == (1, 2, 5)
    assert len(first["items"]) == 2
    third = api.get("/couples", query_string={"page": 3, "page_size": 2}).get_json()
    assert len(third["items"]) == 1
    beyond = api.get("/couples", query_string={"page": 9, "page_size": 2}).get_json()
    assert (beyond["items"], beyond["total"]) == ([], 5)
    all_ids = [c["id"] for c in api.get("/couples").get_json()["items"]]
    assert len(all_ids) == 5 and all_ids == sorted(all_ids)
    assert api.get("/couples").get_json()["page_size"] == 20


@pytest.mark.parametrize(
    "query", [{"page_size": 0}, {"page_size": 101}, {"page": 0}, {"page": "x"}]
)
def test_page_bounds_are_validated(api, query):
    body = assert_error(api.get("/couples", query_string=query), 422)
    assert set(body["errors"]["query"]) <= {"page", "page_size"}


def test_read_one_couple(api):
    couple_id = api.post("/couples", json=couple_body()).get_json()["id"]
    response = api.get(f"/couples/{couple_id}")
    assert response.status_code == 200
    assert response.get_json()["id"] == couple_id
    assert_error(api.get(f"/couples/{couple_id + 1000}"), 404)


def test_patch_changes_label_status_counselor_and_reminder_settings(api):
    created = api.post("/couples", json=couple_body()).get_json()
    colleague = factories.CounselorFactory(practice=api.practice, role=CounselorRole.COUNSELOR)
    second = created["partners"][1]["id"]
    response = api.patch(
        f"/couples/{created['id']}",
        json={
            "label": "A & S",
            "status": "paused",
            "counselor_email": colleague.email,
            "partners": [{"id": second, "reminder_hour": 9, "quiet_start_hour": 22}],
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["label"], body["status"], body["counselor_email"]) == (
        "A & S",
        "paused",
        colleague.email,
    )
    assert (body["partners"][1]["reminder_hour"], body["partners"][1]["quiet_start_hour"]) == (
        9,
        22,
    )
    assert body["partners"][0]["reminder_hour"] == 18  # untouched
    assert body["external_id"] == "pm-123"  # left out: kept
    db.session.expire_all()
    assert db.session.get(Couple, created["id"]).status == CoupleStatus.PAUSED


def test_a_reminder_hour_inside_quiet_hours_is_refused_with_the_nearest_hour(api):
    partners = couple_body()["partners"]
    partners[1]["reminder_hour"] = 22
    before = row_counts()

    body = assert_error(api.post("/couples", json=couple_body(partners=partners)), 422)

    assert body["errors"]["json"] == {
        "partners": {
            "1": {
                "reminder_hour": [
                    "22:00 is in Sam's quiet hours (21:00–08:00). "
                    "The nearest hour we can use is 20:00."
                ]
            }
        }
    }
    assert row_counts() == {**before, "audit_events": before["audit_events"] + 1}  # the refusal


def test_patching_quiet_hours_over_the_reminder_hour_is_refused(api):
    created = api.post("/couples", json=couple_body()).get_json()
    first = created["partners"][0]["id"]

    body = assert_error(
        api.patch(
            f"/couples/{created['id']}",
            json={"partners": [{"id": first, "quiet_start_hour": 17}]},
        ),
        422,
    )

    assert body["errors"]["json"]["partners"]["0"]["reminder_hour"] == [
        "18:00 is in Alex's quiet hours (17:00–08:00). The nearest hour we can use is 16:00."
    ]


def test_patch_refuses_a_partner_of_another_couple(api):
    first = api.post("/couples", json=couple_body()).get_json()
    other = api.post(
        "/couples",
        json=couple_body(
            external_id=None,
            partners=[{**p, "email": "x" + p["email"]} for p in couple_body()["partners"]],
        ),
    ).get_json()
    body = assert_error(
        api.patch(
            f"/couples/{first['id']}",
            json={"partners": [{"id": other["partners"][0]["id"], "reminder_hour": 3}]},
        ),
        422,
    )
    assert body["errors"]["json"] == {"partners": {"0": {"id": ["Not a partner of this couple."]}}}


def test_patch_with_an_unknown_status_is_refused(api):
    couple_id = api.post("/couples", json=couple_body()).get_json()["id"]
    body = assert_error(api.patch(f"/couples/{couple_id}", json={"status": "divorced"}), 422)
    assert "status" in body["errors"]["json"]
