"""Cache-Control, HSTS and Secure cookies (issue 12, finding 9's last bullet: pages with
client data and API JSON lacked ``Cache-Control: no-store``, there was no HSTS, and the
cookie was not Secure when PUBLIC_BASE_URL was https; counselor/http_headers.py,
config.derived_settings). The rule: every response but a static file is no-store — the
couples list aside, which the signed-in counselor's own browser may keep and must
revalidate (``private, no-cache`` with an ETag: tests/dashboard/test_couples_list_etag.py)."""

from __future__ import annotations

import pytest
from flask import Flask

from counselor.models import LinkPurpose
from counselor.services.couples import links
from counselor.unit_of_work import unit_of_work
from tests.support import factories
from tests.support.api import make_api_client

HTTPS_BASE = "https://homework.example.org"


def get_urls(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, URL) of every route that answers GET, ids and tokens filled with 1."""
    adapter = app.url_map.bind("localhost")
    return [
        (rule.endpoint, adapter.build(rule.endpoint, {n: "1" for n in rule.arguments}, "GET"))
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static"
    ]


REVALIDATED = {"dashboard.couples_list"}  # private, no-cache with an ETag once signed in


def test_every_page_is_no_store_logged_in_or_not(app, client, counselor):
    urls = get_urls(app)
    for endpoint, url in urls:
        assert client.get(url).headers.get("Cache-Control") == "no-store", (endpoint, url)
    client.post("/login", data={"email": counselor.email, "password": factories.PASSWORD})
    for endpoint, url in urls:
        response = client.get(url)
        expected = "no-store"
        if endpoint in REVALIDATED and response.status_code == 200:
            assert response.headers.get("ETag"), (endpoint, url)
            expected = "private, no-cache"
        assert response.headers.get("Cache-Control") == expected, (endpoint, url)


def test_pages_and_api_answers_with_client_data_are_no_store(app, logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor, label="Nolan & Quinn")
    with unit_of_work():
        token = links.issue_link(couple.partners[0], LinkPurpose.HOMEWORK)
    api = make_api_client(app, counselor.practice)

    answers = {
        "couple page": logged_in.get(f"/couples/{couple.id}"),
        "couples list": logged_in.get("/couples"),
        "partner page": app.test_client().get(f"/p/{token}"),
        "api couple": api.get(f"/couples/{couple.id}"),
        "api list": api.get("/couples"),
        "api refusal": api.get("/couples/999999"),
    }

    for name, response in answers.items():
        assert response.status_code in (200, 404), name
        expected = "private, no-cache" if name == "couples list" else "no-store"
        assert response.headers["Cache-Control"] == expected, name
    assert "Nolan &amp; Quinn" in answers["couple page"].get_data(as_text=True)


def test_static_files_keep_their_own_cache_headers(client):
    with client.get("/static/app.css") as response:
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_over_http_there_is_no_hsts_and_cookies_are_not_secure(app, client, counselor):
    assert app.config["PUBLIC_BASE_URL"].startswith("http://")

    response = client.post(
        "/login", data={"email": counselor.email, "password": factories.PASSWORD}
    )

    assert response.status_code == 302
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers["Set-Cookie"]


class TestOverHttps:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"PUBLIC_BASE_URL": HTTPS_BASE, "HSTS_MAX_AGE_SECONDS": 86400}

    def test_every_answer_carries_hsts(self, app, client):
        for _, url in [*get_urls(app), ("static", "/static/app.css")]:
            with client.get(url, base_url=HTTPS_BASE) as response:
                hsts = response.headers["Strict-Transport-Security"]
            assert hsts == "max-age=86400; includeSubDomains", url

    def test_the_session_cookie_is_secure(self, app, client, counselor):
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["REMEMBER_COOKIE_SECURE"] is True

        response = client.post(
            "/login",
            data={"email": counselor.email, "password": factories.PASSWORD},
            base_url=HTTPS_BASE,
        )

        assert response.status_code == 302
        [cookie] = response.headers.getlist("Set-Cookie")
        assert "; Secure" in cookie
        assert client.get("/couples", base_url=HTTPS_BASE).status_code == 200
