"""Keys, the error envelope, and the audit trail: what every API request goes through."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import ApiKey, AuditEvent
from counselor.services.accounts import api_keys
from counselor.services.audit import Actor
from tests.support.api import API, assert_error, couple_body
from tests.support.helpers import row_counts


def test_no_key_answers_401_with_the_envelope(client):
    response = client.get(API + "/couples")
    body = assert_error(response, 401)
    assert "Bearer" in body["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer chk_not-a-real-key",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "chk_no-scheme",
        "Bearer \u00e9",
    ],
)
def test_a_wrong_key_answers_401(client, api, header):
    assert_error(client.get(API + "/couples", headers={"Authorization": header}), 401)


def test_a_revoked_key_answers_401(api):
    assert api.get("/couples").status_code == 200
    api_keys.revoke_api_key(Actor.system(api.practice.id), api.key_id)
    body = assert_error(api.get("/couples"), 401)
    assert "revoked" in body["message"]


def test_malformed_json_is_400_and_changes_nothing(api):
    before = row_counts()
    response = api.post(
        "/couples", data='{"label": "x",', headers={"Content-Type": "application/json"}
    )
    body = assert_error(response, 400)
    assert body["errors"] == {"json": ["Invalid JSON body."]}
    assert row_counts() == {**before, "audit_events": before["audit_events"] + 1}


def test_json_nested_deeper_than_python_allows_is_400_not_500(api):
    response = api.post(
        "/couples", data="[" * 100_000, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400)


def test_an_unknown_field_is_rejected_with_its_name(api):
    body = assert_error(api.post("/couples", json=couple_body(nickname="x")), 422)
    assert body["errors"] == {"json": {"nickname": ["Unknown field."]}}
    assert body["message"] == "Validation failed"


def test_a_server_owned_field_cannot_be_sent(api):
    body = assert_error(api.post("/couples", json=couple_body(id=5, status="closed")), 422)
    assert set(body["errors"]["json"]) == {"id", "status"}


def test_unknown_paths_and_methods_answer_in_the_envelope(api):
    assert_error(api.get("/no-such-thing"), 404)
    assert_error(api.get("/couples/0"), 404)  # ids start at 1
    assert_error(api.get("/couples/99999999999999999999"), 404)  # beyond any id
    response = api.client.delete(API + "/couples", headers=api.headers())
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_pages_outside_the_api_keep_their_html_error_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_every_request_is_audited_with_key_route_and_object(api):
    couple_id = api.post("/couples", json=couple_body()).get_json()["id"]
    api.get(f"/couples/{couple_id}")
    api.get("/couples/424242")
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action.like("api.%")).order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_type, e.actor_id, e.action, e.object_type, e.object_id) for e in events] == [
        ("api_key", api.key_id, "api.POST /couples", "couple", couple_id),
        ("api_key", api.key_id, "api.GET /couples/{couple_id}", "couple", couple_id),
        ("api_key", api.key_id, "api.GET /couples/{couple_id}", "couple", 424242),
    ]
    assert {e.practice_id for e in events} == {api.practice.id}


def test_a_key_records_when_it_was_last_used(api):
    assert db.session.get(ApiKey, api.key_id).last_used_at is None
    api.get("/ladder")
    db.session.expire_all()
    assert db.session.get(ApiKey, api.key_id).last_used_at is not None


def test_keys_are_stored_only_as_hashes(api):
    key = db.session.get(ApiKey, api.key_id)
    assert api.key not in (key.key_hash, key.prefix)
    assert key.key_hash == api_keys.hash_key(api.key)
    assert api.key.startswith(key.prefix)
