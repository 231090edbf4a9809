"""Helpers for the REST API tests: a client that sends a practice's key, request bodies,
and the check of the error envelope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from counselor import tenancy
from counselor.models import Counselor, Practice
from counselor.services.accounts import api_keys
from counselor.services.accounts.api_scopes import SCOPES
from counselor.services.audit import Actor
from counselor.unit_of_work import unit_of_work
from tests.support import factories

API = "/api/v1"
# docs/api.md's resource table (method, path under API), except the webhooks (their own feature).
CONTRACT = {
    ("get", "/ladder"),
    ("get", "/couples"),
    ("post", "/couples"),
    ("get", "/couples/{couple_id}"),
    ("patch", "/couples/{couple_id}"),
    ("get", "/couples/{couple_id}/assignments"),
    ("post", "/couples/{couple_id}/assignments"),
    ("patch", "/assignments/{assignment_id}"),
    ("get", "/assignments/{assignment_id}/checkins"),
    ("post", "/assignments/{assignment_id}/checkins"),
    ("get", "/couples/{couple_id}/progress"),
    ("post", "/couples/{couple_id}/sessions"),
    ("get", "/couples/{couple_id}/sessions"),
    ("post", "/couples/{couple_id}/reports"),
    ("get", "/reports/{report_id}"),
    ("get", "/reports/{report_id}/pdf"),
    ("get", "/checkins/{checkin_id}/acknowledgement"),
    ("get", "/couples/{couple_id}/acknowledgements"),
    ("get", "/weekly-checkin/items"),
    ("get", "/couples/{couple_id}/weekly-checkins"),
    ("get", "/couples/{couple_id}/reminder-effect"),
    ("get", "/couples/{couple_id}/fhir"),
    ("get", "/fhir/Questionnaire/weekly-checkin"),
}


@dataclass
class ApiClient:
    """The test client, speaking JSON to /api/v1 with one practice's key."""

    client: FlaskClient
    key: str
    practice: Practice
    owner: Counselor
    key_id: int

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **(extra or {})}

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(
            API + path, headers=self.headers(kwargs.pop("headers", None)), **kwargs
        )

    def post(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.client.post(
            API + path, json=json, headers=self.headers(kwargs.pop("headers", None)), **kwargs
        )

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.delete(
            API + path, headers=self.headers(kwargs.pop("headers", None)), **kwargs
        )

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.client.patch(
            API + path, json=json, headers=self.headers(kwargs.pop("headers", None)), **kwargs
        )


def make_api_client(
    app: Flask, practice: Practice | None = None, scopes: Iterable[str] = tuple(SCOPES)
) -> ApiClient:
    """A new owner of ``practice`` (or of a new one) and a key for the whole practice with
    ``scopes`` — every scope unless a test says otherwise."""
    owner = (
        factories.CounselorFactory(practice=practice)
        if practice is not None
        else factories.CounselorFactory()
    )
    with tenancy.practice_scope(owner.practice_id), unit_of_work():  # as `keys create` does
        key, secret = api_keys.create_api_key(
            Actor.system(owner.practice_id), "Host system", scopes=scopes
        )
    return ApiClient(app.test_client(), secret, owner.practice, owner, key.id)


def couple_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "label": "Alex & Sam R.",
        "external_id": "pm-123",
        "partners": [
            {"first_name": "Alex", "email": "alex@example.org", "timezone": "America/Chicago"},
            {"first_name": "Sam", "email": "sam@example.org", "timezone": "America/Chicago"},
        ],
    }
    body.update(overrides)
    return body


def assert_error(response: TestResponse, code: int) -> dict[str, Any]:
    """The response is the API's error envelope with this code; returns its body."""
    assert response.status_code == code, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}, body
    assert body["code"] == code
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    return body
