"""Fixtures for the REST API: practices with an owner and an API key each."""

from __future__ import annotations

import pytest
from flask import Flask

from counselor import tenancy
from tests.support.api import ApiClient, couple_body, make_api_client


@pytest.fixture
def api(app: Flask) -> ApiClient:
    """A client with the key of a fresh practice whose first counselor is its owner. The
    test's own queries see that practice's rows (its scope), as the API's requests do."""
    client = make_api_client(app)
    tenancy.enter_practice(client.practice.id)
    return client


@pytest.fixture
def other_api(app: Flask) -> ApiClient:
    """A client with the key of a second, unrelated practice."""
    return make_api_client(app)


@pytest.fixture
def couple(api: ApiClient) -> dict:
    """A couple created through the API, as its JSON."""
    return api.post("/couples", json=couple_body()).get_json()
