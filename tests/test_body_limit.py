"""Bodies over MAX_CONTENT_LENGTH are refused with 413 on every route, whether sent with a
Content-Length or chunked, without being read whole (issue 12, finding 4: a chunked 300 MB
body was read and parsed whole; counselor/request_limits.py). The API answers with its
error envelope, pages with the error page; a body within the cap, chunked, still arrives."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.routing import Rule

from counselor import request_limits
from tests.support.api import assert_error, couple_body, make_api_client
from tests.support.web_server import SQLITE_ONLY, GunicornServer, running_gunicorn

API_PREFIX = "/api/"
CHUNKED = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}


class EndlessBody(io.RawIOBase):
    """A client that would send forever; counts what the app read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:  # the test client measures its input; this one has no end
        return 0

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def readinto(self, buffer) -> int:  # type: ignore[override]
        buffer[:] = b"x" * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


def routes(app: Flask) -> Iterator[tuple[Rule, str, str]]:
    """Every route of the app, once: its rule, a method it takes (POST when it takes one),
    and a URL for it."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"HEAD", "OPTIONS"}
        method = "POST" if "POST" in methods else sorted(methods)[0]
        url = adapter.build(rule.endpoint, {name: "1" for name in rule.arguments}, method)
        yield rule, method, url


def assert_refused(response, rule: Rule) -> None:
    """Under /api the error envelope (its HTML docs pages too: the cap is checked before
    any route is chosen, as for a path no route serves), elsewhere the error page."""
    if rule.rule.startswith(API_PREFIX):
        assert_error(response, 413)
    else:
        assert response.status_code == 413, (rule.rule, response.status_code)
        assert response.mimetype == "text/html"


def test_every_route_refuses_a_declared_body_over_the_cap(app, client):
    cap = app.config["MAX_CONTENT_LENGTH"]
    for rule, method, url in routes(app):
        response = client.open(
            url,
            method=method,
            input_stream=io.BytesIO(b"x" * (cap + 1)),
            environ_overrides={"CONTENT_LENGTH": str(cap + 1)},
        )
        assert_refused(response, rule)


def test_every_route_refuses_a_chunked_body_over_the_cap(app, client):
    cap = app.config["MAX_CONTENT_LENGTH"]
    for rule, method, url in routes(app):
        response = client.open(
            url,
            method=method,
            input_stream=io.BytesIO(b"x" * (cap + 1)),
            environ_overrides=CHUNKED,
        )
        assert_refused(response, rule)


def test_a_path_no_route_serves_is_refused_in_its_own_language(client):
    """The cap is checked before routing: under /api the envelope, elsewhere the page,
    which says in words what happened."""
    oversized = {"data": b"x" * (1024 * 1024 + 1)}

    api_answer = client.post("/api/v1/no-such-thing", **oversized)
    page = client.post("/no-such-page", **oversized)

    assert_error(api_answer, 413)
    assert page.status_code == 413
    assert "more than we accept" in page.get_data(as_text=True)


def test_an_endless_chunked_body_is_read_no_further_than_the_drain_budget(app, client):
    cap = app.config["MAX_CONTENT_LENGTH"]
    body = EndlessBody()

    response = client.post("/login", input_stream=body, environ_overrides=CHUNKED)

    assert response.status_code == 413
    response.close()
    assert body.read_bytes <= cap + 1 + cap * request_limits.DRAIN_FACTOR


def test_a_chunked_body_within_the_cap_reaches_the_api_whole(app):
    api = make_api_client(app)
    payload = json.dumps(couple_body(label="Chunked & Whole")).encode()

    response = api.client.post(
        "/api/v1/couples",
        input_stream=io.BytesIO(payload),
        content_type="application/json",
        headers=api.headers(),
        environ_overrides=CHUNKED,
    )

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["label"] == "Chunked & Whole"


@pytest.fixture
def gunicorn(app: Flask, tmp_path: Path) -> Iterator[GunicornServer]:
    with running_gunicorn(app, tmp_path / "gunicorn.log") as server:
        yield server


def send_chunked(server: GunicornServer, path: str, megabytes: int) -> tuple[int, str, float]:
    """POST ``megabytes`` MiB chunked, as http.client sends a generator; returns the status,
    the content type and the seconds until the answer was read."""

    def chunks() -> Iterator[bytes]:
        for _ in range(megabytes * 16):
            yield b"x" * 65536

    started = time.monotonic()
    connection = server.connection(timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=chunks(),
            encode_chunked=True,
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Content-Type"), time.monotonic() - started
    finally:
        connection.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


@SQLITE_ONLY
def test_gunicorn_refuses_a_chunked_5_mb_body_quickly_without_holding_it(gunicorn, capsys):
    """The finding's measure, on a real server: the worker's memory before and after."""
    [worker] = gunicorn.worker_pids()
    send_chunked(gunicorn, "/api/v1/couples", 2)  # warm up: the error pages rendered once
    send_chunked(gunicorn, "/login", 2)
    before = rss_kib(worker)

    answers = [send_chunked(gunicorn, path, 5) for path in ("/api/v1/couples", "/login") * 3]

    after = rss_kib(worker)
    assert [status for status, _, _ in answers] == [413] * 6
    assert {kind for _, kind, _ in answers} == {"application/json", "text/html; charset=utf-8"}
    slowest = max(seconds for _, _, seconds in answers)
    assert slowest < 2.0
    assert after - before < 4096, (before, after)
    with capsys.disabled():
        print(
            f"\n413 for 5 MiB chunked: slowest {slowest * 1000:.0f} ms; RSS {before} → {after} KiB"
        )
