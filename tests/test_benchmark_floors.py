"""The benchmark suite's web floors and checks (benchmarks/floor_apps.py, web_checks.py,
make_run.py): the bare list page lists the project's couples in the project's order, page
for page as its links page; the bare write records one row per POST to a known token; the
`make run` the suite starts is the Makefile's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient

from benchmarks import data
from benchmarks.floor_apps import (
    create_floor_tables,
    floor_token,
    list_app,
    write_app,
    written_rows,
)
from benchmarks.make_run import RUN_SETTINGS
from benchmarks.web_checks import conditional_repeat, page_links, statements_per_post
from tests.support import factories
from tests.support.processes import ROOT

COUPLE_LINK = re.compile(r'href="/couples/(\d+)"')


@contextmanager
def floor_client(floor: Flask) -> Iterator[FlaskClient]:
    """A floor app's test client; its engine's connections closed afterwards (else they
    are garbage-collected open, in whichever test runs then)."""
    try:
        yield floor.test_client()
    finally:
        floor.extensions["floor_engine"].dispose()


def couple_ids(html: str) -> list[int]:
    return [int(n) for n in COUPLE_LINK.findall(html)]


@pytest.mark.committed_db
def test_the_bare_list_page_shows_the_projects_pages_in_its_order(app, monkeypatch):
    monkeypatch.setenv("COUNSELOR_SQLALCHEMY_DATABASE_URI", app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["COUPLES_PER_PAGE"] = 50
    owner = data.counselor()
    data.add_couples(owner, 0, 110, weeks=1)
    client = app.test_client()
    client.post("/login", data={"email": owner.email, "password": factories.PASSWORD})
    paths = page_links(client, "/couples", 3)
    assert len(paths) == 3
    with floor_client(list_app()) as floor:
        for path in paths:
            project_ids = couple_ids(client.get(path).get_data(as_text=True))
            query = path.partition("?")[2]
            shown = floor.get(f"/couples?practice={owner.practice_id}&{query}")
            assert shown.status_code == 200
            floor_ids = couple_ids(shown.get_data(as_text=True))
            assert floor_ids == list(dict.fromkeys(project_ids)), path
            assert len(floor_ids) == (50 if path != paths[-1] else 10)


def test_the_bare_write_records_one_row_per_post_to_a_known_token(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'floor.sqlite3'}"
    monkeypatch.setenv("COUNSELOR_SQLALCHEMY_DATABASE_URI", url)
    create_floor_tables(url)
    with floor_client(write_app()) as client:
        for n in range(3):
            answer = client.post(f"/p/{floor_token(n)}/done", data={"checkin_key": f"k{n}"})
            assert answer.status_code == 200
        assert client.post("/p/unknown/done", data={"checkin_key": "k"}).status_code == 404
    assert written_rows(url) == 3


@pytest.mark.committed_db
def test_a_mark_done_post_is_counted_and_a_repeat_view_is_checked(app):
    app.config["COUPLES_PER_PAGE"] = 50
    owner = data.counselor()
    ids = data.add_couples(owner, 0, 2, weeks=1)
    ((token, step),) = data.homework_links(ids[:1])
    counted = statements_per_post(
        app.test_client(), f"/p/{token}/steps/{step}/done", f"link:{step}:once"
    )
    assert counted.status == 302
    assert counted.statements > 0 and counted.commits >= 1
    client = app.test_client()
    client.post("/login", data={"email": owner.email, "password": factories.PASSWORD})
    sends_etag = bool(client.get("/couples").headers.get("ETag"))
    met, said = conditional_repeat(client, "/couples")
    assert met == sends_etag
    assert said.startswith("304") if met else said == "no ETag sent"


def test_the_make_run_the_suite_starts_is_the_makefiles():
    makefile = (ROOT / "Makefile").read_text()
    ready = makefile.split("\ninstance-ready:", 1)[1].split("\n\n", 1)[0]
    assert "$(FLASK) init" in ready
    assert "$(FLASK) seed-demo --if-empty" in ready
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "scripts/procfile.py Procfile" in run
    for name, value in RUN_SETTINGS.items():
        assert f"{name}={value}" in run
