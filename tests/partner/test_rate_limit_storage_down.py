"""The rate limiter's storage (Redis, as the README's "Scaling out" sets it up) out of
reach: a partner's page and a check-off still answer, the limits go on counting in memory,
and the log says so. The same under fifty clients with Redis cut mid-load is a `make
test-long` run (tests/reliability/test_load_and_outages.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from counselor.extensions import db, limiter
from counselor.models import LinkPurpose
from counselor.services.couples import links
from tests.support.processes import free_port

pytestmark = pytest.mark.usefixtures("clock", "actor", "storage_alive_before_and_after")


@pytest.fixture
def storage_alive_before_and_after() -> Iterator[None]:
    """Flask-Limiter keeps "storage dead" on the extension object, which every app of the
    test process shares: each test starts with it alive, and leaves it so."""
    limiter._storage_dead = False
    yield
    limiter._storage_dead = False


@pytest.fixture
def app_overrides() -> dict:
    # A port nothing listens on: every connection to "Redis" is refused.
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{free_port()}/0",
        "CLIENT_TOKEN_RATE_LIMIT": "3 per minute",
    }


def test_with_redis_out_of_reach_pages_answer_and_limits_count_in_memory(client, partner, caplog):
    token = links.issue_link(partner, LinkPurpose.HOMEWORK)
    db.session.commit()

    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        statuses = [client.get(f"/p/{token}").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]  # counted all the same, in memory
    assert "falling back to in-memory storage" in caplog.text
    assert token not in caplog.text
