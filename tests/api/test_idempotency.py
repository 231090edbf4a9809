"""Idempotency-Key on POSTs: a replay changes nothing, a reused key with another body is 409."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
import sqlalchemy as sa

import tasks.housekeeping
from counselor import task_names, timeutil
from counselor.extensions import db
from counselor.models import IdempotencyRecord
from counselor.services import idempotency
from counselor.services.reports import pre_session
from counselor.tenancy import across_practices
from tests.support.api import API, assert_error, couple_body, make_api_client
from tests.support.helpers import row_counts


def keyed(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


WEBHOOK = {"url": "http://127.0.0.1:9/hooks", "events": ["report.ready"]}


@pytest.fixture
def any_webhook_target(app):
    """These tests are about keys, not targets: a local receiver address is accepted."""
    app.config.update(WEBHOOK_ALLOW_PRIVATE_TARGETS=True, WEBHOOK_REQUIRE_HTTPS=False)


def stored_bodies() -> list[str]:
    return list(db.session.scalars(sa.select(IdempotencyRecord.response_body)))


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
    idempotency.complete(record_id, 201, "couple", 1)
    db.session.commit()
    assert idempotency.claim_or_replay(
        api.practice.id, api.key_id, "busy", fingerprint
    ) == idempotency.StoredResponse(201, "couple", 1)


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


def test_the_hourly_sweep_purges_every_practice_s_expired_records(app, api, other_api, clock):
    """A practice that stopped calling the API never claims again to purge its own."""
    api.post("/couples", json=couple_body(), headers=keyed("old"))
    other_api.post("/couples", json=couple_body(), headers=keyed("old"))
    clock.advance(timedelta(hours=app.config["IDEMPOTENCY_TTL_HOURS"], minutes=1))
    api.post("/couples", json=couple_body(external_id="pm-new"), headers=keyed("new"))
    schedule = app.extensions["celery"].conf.beat_schedule.values()
    assert {"task": task_names.PURGE_IDEMPOTENCY_RECORDS, "schedule": 3600.0} in schedule

    assert tasks.housekeeping.purge_idempotency_records() == 1  # the other practice's

    keys = db.session.scalars(across_practices(sa.select(IdempotencyRecord.key)))
    assert list(keys) == ["new"]


def test_the_sweep_purges_records_from_before_keys_owned_them_at_once(api):
    """They held whole answers (secrets, reflections), and no request can replay them."""
    db.session.add(
        IdempotencyRecord(
            practice_id=api.practice.id,
            api_key_id=None,
            key="legacy",
            request_fingerprint="0" * 64,
            response_status=201,
            response_body='{"secret": "whsec_legacy"}',
        )
    )
    db.session.flush()
    assert idempotency.purge_expired_everywhere() == 1


# What a record keeps, and what a replay gives (issue 12, finding 8).


@pytest.mark.usefixtures("any_webhook_target")
def test_another_key_of_the_same_practice_gets_its_own_webhook_and_secret(app, api):
    second_integration = make_api_client(app, practice=api.practice)
    first = api.post("/webhooks", json=WEBHOOK, headers=keyed("hook-1"))
    other = second_integration.post("/webhooks", json=WEBHOOK, headers=keyed("hook-1"))
    assert (first.status_code, other.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in other.headers
    assert other.get_json()["id"] != first.get_json()["id"]
    assert other.get_json()["secret"].startswith("whsec_")
    assert other.get_json()["secret"] != first.get_json()["secret"]
    assert api.get("/webhooks").get_json()["total"] == 2


@pytest.mark.usefixtures("any_webhook_target")
def test_a_replayed_webhook_creation_says_the_secret_is_not_shown_again(api):
    first = api.post("/webhooks", json=WEBHOOK, headers=keyed("hook-1"))
    secret = first.get_json()["secret"]
    assert secret.startswith("whsec_") and "secret_note" not in first.get_json()
    assert all(secret not in body for body in stored_bodies())

    again = api.post("/webhooks", json=WEBHOOK, headers=keyed("hook-1"))

    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    body = again.get_json()
    assert body["secret"] is None
    assert body["secret_note"] == (
        "The secret is shown only in the first response; if it was lost, delete this "
        "subscription and create a new one."
    )
    without_secret = {k: v for k, v in first.get_json().items() if k != "secret"}
    assert {k: v for k, v in body.items() if k not in ("secret", "secret_note")} == without_secret
    documented = api.get("/openapi.json").get_json()["components"]["schemas"]["WebhookCreated"]
    assert documented["properties"]["secret"]["nullable"] is True
    assert "secret_note" in documented["properties"]


def test_stored_records_keep_no_client_text_and_replays_still_name_the_object(api):
    reflection = "canary-reflection: we talked about the move"
    couple_first = api.post(
        "/couples",
        json=couple_body(label="canary-label", external_id="canary-external"),
        headers=keyed("couple"),
    )
    couple = couple_first.get_json()
    template = api.get("/ladder").get_json()["rungs"][0]["templates"][0]["key"]
    assignment = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": template, "assignee": "each", "notify": False},
    ).get_json()
    path = f"/assignments/{assignment['id']}/checkins"
    body = {"partner_id": couple["partners"][0]["id"], "comfort": 3, "reflection": reflection}
    check_in = api.post(path, json=body, headers=keyed("checkin"))
    assert check_in.status_code == 201

    stored = " ".join(stored_bodies())
    for client_text in (reflection, "canary-label", "canary-external", "Alex", "alex@"):
        assert client_text not in stored
    assert len(stored_bodies()) == 2

    again = api.post(path, json=body, headers=keyed("checkin"))
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.get_json() == check_in.get_json()  # rendered again from the database
    couple_again = api.post(
        "/couples",
        json=couple_body(label="canary-label", external_id="canary-external"),
        headers=keyed("couple"),
    )
    assert (couple_again.status_code, couple_again.get_json()) == (201, couple)
    assert couple_again.headers["Location"] == couple_first.headers["Location"]


def test_a_replay_shows_the_object_as_it_is_now(api):
    first = api.post("/couples", json=couple_body(), headers=keyed("couple"))
    couple_id = first.get_json()["id"]
    report = api.post(f"/couples/{couple_id}/reports", json={}, headers=keyed("report"))
    assert (report.status_code, report.get_json()["status"]) == (202, "pending")
    api.patch(f"/couples/{couple_id}", json={"label": "Renamed"})
    pre_session.generate_report(report.get_json()["id"])

    couple_again = api.post("/couples", json=couple_body(), headers=keyed("couple"))
    report_again = api.post(f"/couples/{couple_id}/reports", json={}, headers=keyed("report"))

    assert (couple_again.get_json()["id"], couple_again.get_json()["label"]) == (
        couple_id,
        "Renamed",
    )
    assert report_again.status_code == 202
    assert report_again.get_json()["id"] == report.get_json()["id"]
    assert report_again.get_json()["status"] == "ready"
    assert report_again.headers["Location"] == report.headers["Location"]


@pytest.mark.usefixtures("any_webhook_target")
def test_a_replay_of_a_creation_whose_object_is_gone_is_409_naming_it(api, couple):
    webhook = api.post("/webhooks", json=WEBHOOK, headers=keyed("hook")).get_json()
    assert api.delete(f"/webhooks/{webhook['id']}").status_code == 204
    session = api.post(
        f"/couples/{couple['id']}/sessions",
        json={"starts_at": "2031-01-01T10:00:00Z"},
        headers=keyed("session"),
    ).get_json()
    assert api.delete(f"/sessions/{session['id']}").status_code == 204

    gone_webhook = api.post("/webhooks", json=WEBHOOK, headers=keyed("hook"))
    gone_session = api.post(
        f"/couples/{couple['id']}/sessions",
        json={"starts_at": "2031-01-01T10:00:00Z"},
        headers=keyed("session"),
    )

    assert f"webhook {webhook['id']}" in assert_error(gone_webhook, 409)["message"]
    assert f"session {session['id']}" in assert_error(gone_session, 409)["message"]
    assert api.get("/webhooks").get_json()["total"] == 0  # nothing created again


def test_every_idempotent_post_is_replayed_from_the_database(app, api, couple):
    """Each POST the API has, created and replayed: the replay names the same object with
    the same status. A new POST must be added here, and to counselor/api/replay.py."""
    template = api.get("/ladder").get_json()["rungs"][0]["templates"][0]["key"]
    assignment = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": template, "assignee": "each", "notify": False},
    ).get_json()
    app.config.update(WEBHOOK_ALLOW_PRIVATE_TARGETS=True, WEBHOOK_REQUIRE_HTTPS=False)
    posts = {
        "/couples": couple_body(label="Second", external_id="pm-456"),
        "/couples/<couple_id>/sessions": {"starts_at": "2031-01-01T10:00:00Z"},
        "/couples/<couple_id>/assignments": {
            "title": "Walk",
            "instructions": "Together",
            "rung_key": api.get("/ladder").get_json()["rungs"][0]["key"],
            "assignee": "each",
            "times_per_week": 2,
            "notify": False,
        },
        "/assignments/<assignment_id>/checkins": {
            "partner_id": couple["partners"][1]["id"],
            "reflection": "A walk",
        },
        "/couples/<couple_id>/reports": {},
        "/webhooks": WEBHOOK,
        # Last: it closes the couple the POSTs above use.
        "/couples/<couple_id>/erase": {},
    }
    rules = {
        rule.rule.removeprefix(API).replace("<id:", "<")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API) and "POST" in (rule.methods or ())
    }
    assert rules == set(posts)
    ids = {"<couple_id>": str(couple["id"]), "<assignment_id>": str(assignment["id"])}
    for rule, body in posts.items():
        path = rule
        for name, value in ids.items():
            path = path.replace(name, value)
        first = api.post(path, json=body, headers=keyed(rule))
        again = api.post(path, json=body, headers=keyed(rule))
        assert first.status_code in (200, 201, 202), (rule, first.get_json())
        assert again.status_code == first.status_code, rule
        assert again.headers["Idempotent-Replayed"] == "true", rule
        if rule.endswith("/erase"):  # the answer is the erasure, not a created object
            assert again.get_json() == first.get_json(), rule
        else:
            assert again.get_json()["id"] == first.get_json()["id"], rule
        assert again.headers.get("Location") == first.headers.get("Location"), rule
    assert sorted(kind for kind, _id in _stored_objects()) == sorted(
        [
            "couple",
            "session",
            "assignment",
            "checkin",
            "report",
            "webhook_endpoint",
            "couple_erasure",
        ]
    )


def _stored_objects() -> list[tuple[str, int]]:
    records = db.session.scalars(sa.select(IdempotencyRecord))
    return [(stored.kind, stored.object_id) for stored in map(idempotency.stored, records)]
