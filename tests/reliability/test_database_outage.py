"""A PostgreSQL outage, request by request (issue 12, finding 6: "During a PostgreSQL
outage, pages and the API answer a bare 500"): the pages answer 503 with a page saying
nothing was saved, the API its JSON error envelope, both with Retry-After; a signed-in
counselor, whose login can't be looked up, gets the same page; a connection lost between a
check-off and its commit stores nothing; a pool with no free connection answers 503 too;
the next request after PostgreSQL is back works. The app here runs in the test's process,
its database reached through the test's proxy; the load test of the same
(test_load_and_outages.py) runs gunicorn."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, Response

from counselor import create_app
from counselor.config import Defaults
from counselor.extensions import db
from counselor.outages import RETRY_AFTER_SECONDS
from tests.reliability.conftest import SECRET_KEY, World, through
from tests.reliability.load import stored_check_ins
from tests.support import factories
from tests.support.api import API, assert_error
from tests.support.tcp_proxy import TcpProxy


def make_app(world: World, proxy: TcpProxy, instance: Path, **overrides: Any) -> Flask:
    return create_app(
        {
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": through(proxy, world.database_url),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "MAIL_OUTBOX_DIR": str(instance / "outbox"),
            "REPORTS_DIR": str(instance / "reports"),
            "CELERY": {**Defaults.CELERY, "broker_url": "memory://"},
            **overrides,
        }
    )


@pytest.fixture(scope="module")
def outage_app(
    world: World, postgres_proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    app = make_app(world, postgres_proxy, tmp_path_factory.mktemp("instance"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def database(postgres_proxy: TcpProxy) -> Iterator[TcpProxy]:
    """The proxy to PostgreSQL, reachable again after the test whatever happened."""
    yield postgres_proxy
    postgres_proxy.restore()


def assert_outage_page(response: Any) -> str:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "nothing was saved" in page
    return page


def test_a_partner_page_during_an_outage_is_a_503_page_and_works_once_it_is_back(
    outage_app, world, database, caplog
):
    client = outage_app.test_client()
    token, _, _ = world.steps[0]
    assert client.get(f"/p/{token}").status_code == 200
    database.cut()
    with caplog.at_level(logging.ERROR):
        assert_outage_page(client.get(f"/p/{token}"))
    lines = [r.getMessage() for r in caplog.records if r.name == "counselor.outages"]
    assert len(lines) == 1 and "database unavailable, answered 503 to GET /p/<token>" in lines[0]
    assert token not in caplog.text
    database.restore()
    assert client.get(f"/p/{token}").status_code == 200


def test_the_api_during_an_outage_answers_its_error_envelope_with_503(outage_app, world, database):
    client = outage_app.test_client()
    headers = {"Authorization": f"Bearer {world.api_key}"}
    assert client.get(API + "/couples", headers=headers).status_code == 200
    database.cut()
    response = client.get(API + "/couples", headers=headers)
    body = assert_error(response, 503)
    assert "nothing was saved" in body["message"]
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    database.restore()
    assert client.get(API + "/couples", headers=headers).status_code == 200


def test_a_signed_in_counselor_whose_login_cannot_be_looked_up_gets_the_503_page(
    outage_app, world, database
):
    client = outage_app.test_client()
    login = {"email": world.owner_email, "password": factories.PASSWORD}
    assert client.post("/login", data=login).status_code == 302
    assert client.get("/couples").status_code == 200
    database.cut()
    page = assert_outage_page(client.get(f"/couples/{world.couple_ids[0]}"))
    assert "Log out" not in page  # drawn for nobody: the header would ask the database
    database.restore()
    assert client.get(f"/couples/{world.couple_ids[0]}").status_code == 200


def test_a_check_off_whose_connection_is_lost_before_its_commit_stores_nothing(
    world, postgres_proxy, database, tmp_path
):
    app = make_app(world, postgres_proxy, tmp_path)

    @app.after_request
    def lose_the_database_before_the_commit(response: Response) -> Response:
        """After-request hooks run last registered first: this one before the commit."""
        database.cut()
        return response

    token, step, _ = world.steps[1]
    marker = "load lost-before-commit"
    form = {"checkin_key": f"link:{step}:lost-before-commit", "when": "0", "reflection": marker}
    try:
        response = app.test_client().post(f"/p/{token}/steps/{step}/done", data=form)
        assert_outage_page(response)
    finally:
        with app.app_context():
            db.engine.dispose()
    assert stored_check_ins(world.database_url, {marker}) == {}


def test_no_free_connection_within_the_pool_timeout_answers_503(world, postgres_proxy, tmp_path):
    app = make_app(
        world,
        postgres_proxy,
        tmp_path,
        DATABASE_POOL_SIZE=1,
        DATABASE_MAX_OVERFLOW=0,
        DATABASE_POOL_TIMEOUT_SECONDS=1,
    )
    token, _, _ = world.steps[2]
    client = app.test_client()
    with app.app_context():
        try:
            with db.engine.connect() as busy:  # the pool's only connection, held
                busy.execute(sa.text("SELECT 1"))
                assert_outage_page(client.get(f"/p/{token}"))
            assert client.get(f"/p/{token}").status_code == 200
        finally:
            db.engine.dispose()
