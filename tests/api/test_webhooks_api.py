"""POST/GET/DELETE /webhooks: subscribe, list, unsubscribe (docs/api.md, "Webhooks")."""

from __future__ import annotations

from tests.support.api import assert_error


def test_subscribe_list_and_unsubscribe(api):
    created = api.post(
        "/webhooks",
        json={"url": "http://127.0.0.1:9/hooks", "events": ["checkin.created", "report.ready"]},
    )
    assert created.status_code == 201
    body = created.get_json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["checkin.created", "report.ready"] and body["active"] is True

    listed = api.get("/webhooks").get_json()
    assert listed["total"] == 1 and "secret" not in listed["items"][0]

    assert api.delete(f"/webhooks/{body['id']}").status_code == 204
    assert api.get("/webhooks").get_json()["total"] == 0
    assert_error(api.delete(f"/webhooks/{body['id']}"), 404)


def test_bad_subscriptions_are_refused_with_field_messages(api):
    unknown = api.post("/webhooks", json={"url": "http://127.0.0.1:9/h", "events": ["nope"]})
    assert_error(unknown, 422)
    assert "events" in unknown.get_json()["errors"]["json"]
    scheme = api.post("/webhooks", json={"url": "ftp://example.org/h", "events": ["report.ready"]})
    assert_error(scheme, 422)
    assert api.get("/webhooks").get_json()["total"] == 0
