"""Never a 500: input the database or Python would choke on is refused with a 4xx first."""

from __future__ import annotations

import pytest

from tests.support.api import API, assert_error, couple_body


@pytest.fixture
def assignment(api):
    couple = api.post("/couples", json=couple_body()).get_json()
    template = api.get("/ladder").get_json()["rungs"][0]["templates"][0]["key"]
    return api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": template, "assignee": "each", "notify": False},
    ).get_json()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xff\xfe not utf-8", 400),
        (b"null", 422),
        (b"[]", 422),
        (b'"a string"', 422),
        (b'{"partner_id": 1e400}', 422),
        (b'{"partner_id": 99999999999999999999999}', 422),
        (b'{"partner_id": NaN}', 422),
        (b'{"partner_id": 1, "reflection": "nul \\u0000 byte"}', 422),
        (b'{"partner_id": 1, "reflection": "lone \\ud800 surrogate"}', 422),
        (b'{"partner_id": 1, "occurred_on": "0001-01-01"}', 422),
        (b'{"partner_id": 1, "comfort": 3.5}', 422),
        (b'{"partner_id": 1, "comfort": "3"}', 422),
    ],
)
def test_odd_check_in_bodies_get_a_client_error(api, assignment, raw, code):
    response = api.client.post(
        API + f"/assignments/{assignment['id']}/checkins",
        data=raw,
        headers=api.headers({"Content-Type": "application/json"}),
    )
    assert_error(response, code)


@pytest.mark.parametrize(
    "change",
    [
        {"label": "\x00"},
        {"partners": [{"first_name": "A\ud800", "email": "a@x.org", "timezone": "UTC"}] * 2},
        {"partners": [{"first_name": "A", "email": "a\x00@x.org", "timezone": "UTC"}] * 2},
        {"partners": [{"first_name": "A", "email": "a@x.org", "timezone": "U" * 65}] * 2},
        {"counselor_email": "x" * 255},
    ],
)
def test_text_the_database_cannot_store_is_refused(api, change):
    assert_error(api.post("/couples", json=couple_body(**change)), 422)


@pytest.mark.parametrize(
    "query", ["page=%00", "page=99999999999999999999", "page_size=-1", "page=1.5", "weeks=1e3"]
)
def test_odd_query_strings_get_a_client_error(api, query):
    couple = api.post("/couples", json=couple_body()).get_json()
    path = f"/couples/{couple['id']}/progress" if query.startswith("weeks") else "/couples"
    assert_error(api.get(f"{path}?{query}"), 422)


def test_an_oversized_body_is_refused(api):
    response = api.post("/couples", json=couple_body(label="x" * (2 * 1024 * 1024)))
    assert_error(response, 413)
