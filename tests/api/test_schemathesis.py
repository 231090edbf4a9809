"""Property-based testing of the API against its own OpenAPI document (schemathesis):
whatever the input — valid or not — no 5xx, and every answer has the status codes,
content types, headers and body schemas the document promises. A fixed seed keeps CI
deterministic.

Schemathesis' lazy ``from_fixture(...).parametrize()`` does not run under pytest 9.2 (it
writes a node attribute pytest no longer has), so each operation is its own pytest test
that draws schemathesis cases with Hypothesis directly.
"""

from __future__ import annotations

import itertools
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.api import API, CONTRACT, ApiClient, couple_body

SEED = 20261126
# Cases per operation: `make test` sends a dozen to each (the seed keeps them the same run
# after run); `make test-long` sends 40 to every operation (the test marked long below).
QUICK_EXAMPLES = 12
THOROUGH_EXAMPLES = 40
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture
def real_ids(api: ApiClient) -> dict[str, int]:
    """Real objects of the key's practice: every other case aims at them, past the 404."""
    couple = api.post("/couples", json=couple_body()).get_json()
    template = api.get("/ladder").get_json()["rungs"][0]["templates"][0]["key"]
    assignment = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": template, "assignee": "each", "notify": False},
    ).get_json()
    report = api.post(f"/couples/{couple['id']}/reports", json={}).get_json()
    return {"couple_id": couple["id"], "assignment_id": assignment["id"], "report_id": report["id"]}


@pytest.fixture(scope="session")
def api_schema(shared_app):
    """Loaded once per backend: loading it (and schemathesis' reading of the project's
    modules for constants to try) cost about a quarter of a second per test."""
    return schemathesis.openapi.from_wsgi(API + "/openapi.json", shared_app)


def fuzz(
    operation: Any, api: ApiClient, real_ids: dict[str, int], examples: int = QUICK_EXAMPLES
) -> None:
    """Send the operation's cases, valid and invalid ones, and check every answer."""
    cases = st.one_of([operation.as_strategy(generation_mode=mode) for mode in GenerationMode])
    sent = itertools.count(1)
    count = 0

    @hypothesis.seed(SEED)
    @fuzz_settings(examples)
    @given(case=cases)
    def run(case: Any) -> None:
        nonlocal count
        count = next(sent)
        if case.path_parameters and count % 2 == 0:
            case.path_parameters = {
                name: real_ids.get(name, value) for name, value in case.path_parameters.items()
            }
        case.call_and_validate(headers=api.headers(), checks=CHECKS)

    run()
    assert count >= examples // 2, operation.label


@pytest.mark.parametrize(("method", "path"), sorted(CONTRACT), ids=lambda v: v)
def test_the_operation_keeps_its_documented_promises(api_schema, api, real_ids, method, path):
    fuzz(api_schema[API + path][method.upper()], api, real_ids)


def test_operations_beyond_the_contract_keep_their_promises(api_schema, api, real_ids):
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if (operation.method.lower(), operation.path.removeprefix(API)) not in CONTRACT:
            fuzz(operation, api, real_ids)


@pytest.mark.long
def test_every_operation_keeps_its_promises_over_many_cases(api_schema, api, real_ids):
    for result in api_schema.get_all_operations():
        fuzz(result.ok(), api, real_ids, THOROUGH_EXAMPLES)
