"""The OpenAPI document is generated from the schemas, valid OpenAPI 3, and complete; the
human-readable reference is a page the app renders itself."""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.support.api import API, CONTRACT


def spec_of(client) -> dict:
    response = client.get(API + "/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def operations(spec: dict) -> set[tuple[str, str]]:
    return {
        (method, path.removeprefix(API))
        for path, item in spec["paths"].items()
        for method in item
        if method != "parameters"
    }


def test_the_document_is_valid_openapi_3_without_a_key(client):
    spec = spec_of(client)
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_every_contract_operation_is_documented(client):
    assert operations(spec_of(client)) >= CONTRACT


def test_operations_document_auth_errors_and_idempotency(client):
    spec = spec_of(client)
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert {"401", "429", "default"} <= set(op["responses"]), (method, path)
            assert "Retry-After" in op["responses"]["429"]["headers"]
            headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
            assert ("Idempotency-Key" in headers) == (method == "post"), (method, path)


def test_server_owned_fields_are_read_only_and_inputs_reject_unknown_fields(client):
    schemas = spec_of(client)["components"]["schemas"]
    for name in ("Couple", "Assignment", "CheckIn", "Session", "Report"):
        assert schemas[name]["properties"]["id"]["readOnly"] is True, name
        assert schemas[name]["properties"]["created_at"]["readOnly"] is True, name
    for name in ("CoupleArgs", "AssignmentArgs", "CheckInArgs", "SessionArgs"):
        assert schemas[name].get("additionalProperties") is False, name


def test_the_reference_page_lists_every_operation_and_schema(client):
    spec = spec_of(client)
    response = client.get(API + "/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script" not in page and "cdn" not in page.lower()
    for method, path in operations(spec):
        assert f"{method.upper()} {API}{path}" in page, (method, path)
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
