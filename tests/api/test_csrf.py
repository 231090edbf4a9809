"""The API authenticates with a key in a header, never a cookie: no CSRF token needed."""

from __future__ import annotations

import pytest

from tests.support.api import couple_body


@pytest.mark.usefixtures("csrf_checked")
def test_the_api_needs_no_csrf_token_even_when_forms_require_one(api, client):
    assert api.post("/couples", json=couple_body()).status_code == 201
    # …while the dashboard's forms still refuse a POST without one.
    assert (
        client.post("/login", data={"email": "x@example.org", "password": "y"}).status_code == 400
    )
