"""Idempotency-Key on POSTs: a replay changes nothing, a reused key with another body is 409."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import IdempotencyRecord
from counselor.services import idempotency
from tests.support.api import API, assert_error, couple_body
from tests.support.helpers import row_counts


def keyed(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def test_a_replayed_request_returns_the_first_response_and_changes_nothing(api):
    first = api.post("/couples", json=couple_body(), headers=keyed("create-1"))
    assert first.status_code == 201
    before = row_counts()
    again = api.post("/couples", json=couple_body(), headers=keyed("create-1"))
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    after = row_counts()
    assert after["couples"] == before["couples"] == 1
    assert after["partners"] == before["partners"]


def test_the_same_body_in_another_layout_is_the_same_request(api):
    first = api.post(
        "/couples",
        data='{"label": "A", "partners": [{"first_name": "A", "email": "a@x.org", '
        '"timezone": "UTC"}, {"first_name": "B", "email": "b@x.org", "timezone": "UTC"}]}',
        headers={"Content-Type": "application/json", **keyed("layout")},
    )
    again = api.post(
        "/couples",
        json={
            "partners": [
                {"timezone": "UTC", "email": "a@x.org", "first_name": "A"},
                {"timezone": "UTC", "email": "b@x.org", "first_name": "B"},
            ],
            "label": "A",
        },
        headers=keyed("layout"),
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json()["id"] == first.get_json()["id"]


def test_a_reused_key_with_another_body_is_409_and_changes_nothing(api):
    api.post("/couples", json=couple_body(), headers=keyed("create-1"))
    before = row_counts()
    response = api.post("/couples", json=couple_body(label="Other"), headers=keyed("create-1"))
    body = assert_error(response, 409)
    assert "different request" in body["message"]
    assert row_counts() == {**before, "audit_events": before["audit_events"] + 1}


def test_a_reused_key_on_another_path_is_409(api):
    couple = api.post("/couples", json=couple_body(), headers=keyed("k")).get_json()
    response = api.post(
        f"/couples/{couple['id']}/sessions",
        json={"starts_at": "2031-01-01T10:00:00Z"},
        headers=keyed("k"),
    )
    assert_error(response, 409)


def test_keys_belong_to_one_practice(api, other_api):
    assert api.post("/couples", json=couple_body(), headers=keyed("shared")).status_code == 201
    response = other_api.post("/couples", json=couple_body(), headers=keyed("shared"))
    assert response.status_code == 201  # another practice's key space: a new couple
    assert response.get_json()["id"] != api.get("/couples").get_json()["items"][0]["id"]


def test_a_failed_request_releases_its_key(api):
    bad = couple_body(label="")
    assert_error(api.post("/couples", json=bad, headers=keyed("retry-me")), 422)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 0
    assert api.post("/couples", json=couple_body(), headers=keyed("retry-me")).status_code == 201


def test_a_retried_check_in_is_one_check_in(api):
    couple = api.post("/couples", json=couple_body()).get_json()
    template = api.get("/ladder").get_json()["rungs"][0]["templates"][0]["key"]
    assignment = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": template, "assignee": "each", "notify": False},
    ).get_json()
    body = {"partner_id": couple["partners"][0]["id"], "comfort": 3}
    path = f"/assignments/{assignment['id']}/checkins"
    first = api.post(path, json=body, headers=keyed("checkin-1"))
    # Even once the replay record is gone, the check-in itself is deduplicated by the key.
    db.session.execute(sa.delete(IdempotencyRecord))
    db.session.commit()
    again = api.post(path, json=body, headers=keyed("checkin-1"))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert api.get(path).get_json()["total"] == 1


@pytest.mark.parametrize("value", ["", "x" * 256, "caf\u00e9"])
def test_a_malformed_key_is_refused(api, value):
    response = api.client.post(
        API + "/couples",
        json=couple_body(),
        headers={**api.headers(), "Idempotency-Key": value},
    )
    body = assert_error(response, 422)
    assert "Idempotency-Key" in body["errors"]["headers"]


def test_a_key_whose_first_request_is_still_running_is_409(api):
    fingerprint = idempotency.request_fingerprint("POST", "/api/v1/couples", b"{}")
    record_id = idempotency.claim_or_replay(api.practice.id, api.key_id, "busy", fingerprint)
    assert isinstance(record_id, int)
    with pytest.raises(idempotency.IdempotencyConflict, match="still being processed"):
        idempotency.claim_or_replay(api.practice.id, api.key_id, "busy", fingerprint)
    idempotency.complete(record_id, 201, '{"id": 1}')
    db.session.commit()
    assert idempotency.claim_or_replay(
        api.practice.id, api.key_id, "busy", fingerprint
    ) == idempotency.StoredResponse(201, '{"id": 1}')


# A live server's threads handle the requests.
@pytest.mark.committed_db
def test_concurrent_requests_with_one_key_create_one_couple(app, api, live_server):
    """Simultaneous retries: one runs, the others replay it or are told it is in progress."""
    racers = 8
    start = threading.Barrier(racers)
    statuses: list[int] = []
    body = json.dumps(couple_body()).encode()
    headers = {**api.headers(keyed("race")), "Content-Type": "application/json"}

    def post() -> None:
        request = urllib.request.Request(live_server + API + "/couples", body, headers)  # noqa: S310
        start.wait()
        try:
            statuses.append(urllib.request.build_opener().open(request, timeout=30).status)
        except urllib.error.HTTPError as answer:
            statuses.append(answer.code)

    threads = [threading.Thread(target=post) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == racers
    assert set(statuses) <= {201, 409} and 201 in statuses
    assert api.get("/couples").get_json()["total"] == 1


def test_records_expire_after_the_ttl(app, api):
    api.post("/couples", json=couple_body(), headers=keyed("old"))
    hours = app.config["IDEMPOTENCY_TTL_HOURS"]
    assert hours >= 24
    later = timeutil.utcnow() + timedelta(hours=hours, minutes=1)
    assert idempotency.purge_expired(later) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 0
