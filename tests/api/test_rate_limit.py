"""Each API key has its own rate limit; past it the answer is 429 with Retry-After. Keys
that are missing or refused count against their client address, so a stream of made-up
keys is limited too (issue 12, finding 9)."""

from __future__ import annotations

import secrets

import pytest

from tests.support.api import API, assert_error


@pytest.fixture
def app_overrides() -> dict:
    return {
        "RATELIMIT_ENABLED": True,
        "API_RATE_LIMIT": "3 per minute",
        "API_INVALID_KEY_RATE_LIMIT": "5 per minute",
    }


def made_up_key() -> dict[str, str]:
    return {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}


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


def test_a_stream_of_made_up_keys_from_one_address_gets_429(client):
    statuses = [client.get(API + "/ladder", headers=made_up_key()).status_code for _ in range(12)]
    assert statuses == [401] * 5 + [429] * 7
    limited = client.get(API + "/ladder", headers=made_up_key())
    body = assert_error(limited, 429)
    assert "5 per 1 minute" in body["message"]
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    # Requests with no key at all count the same way.
    assert_error(client.get(API + "/ladder"), 429)


def test_refused_keys_are_counted_per_address(client):
    for _ in range(5):
        assert client.get(API + "/ladder", headers=made_up_key()).status_code == 401
    assert client.get(API + "/ladder", headers=made_up_key()).status_code == 429
    elsewhere = {"REMOTE_ADDR": "192.0.2.7"}
    response = client.get(API + "/ladder", headers=made_up_key(), environ_base=elsewhere)
    assert response.status_code == 401


def test_a_valid_key_does_not_use_up_its_address_allowance_for_refused_keys(api, client):
    for _ in range(3):
        assert api.get("/ladder").status_code == 200
    statuses = [client.get(API + "/ladder", headers=made_up_key()).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
