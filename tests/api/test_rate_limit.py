"""Each API key has its own rate limit; past it the answer is 429 with Retry-After."""

from __future__ import annotations

import pytest

from tests.support.api import assert_error


@pytest.fixture
def app_overrides() -> dict:
    return {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"}


def test_a_key_past_its_limit_gets_429_with_retry_after(api, other_api):
    for _ in range(3):
        assert api.get("/ladder").status_code == 200
    response = api.get("/ladder")
    body = assert_error(response, 429)
    assert "3 per 1 minute" in body["message"]
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= 60
    # The limit is per key: another practice's key is not slowed down.
    assert other_api.get("/ladder").status_code == 200
