"""Ids in URLs and page numbers (issue 12, finding 2): an id the database's integers can't
hold answers 404 on every route — dashboard, partner pages, API — instead of a database
error, and a page number out of range is clamped. Routes are found in ``app.url_map``, so a
new one is covered without being listed here."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

from counselor.extensions import db
from counselor.models import LinkPurpose
from counselor.services.couples import links
from tests.support.helpers import row_counts

pytestmark = pytest.mark.usefixtures("clock")

ARGUMENT = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(?P<name>\w+)>")
OUT_OF_RANGE = [2**31, 2**63, 2**64, 1099511627776, 10**40]


def id_rules(app: Flask) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]


def url_of(rule: Rule, number: int, token: str) -> str:
    """The rule's path with ``number`` for every id and ``token`` for any other part."""

    def value(argument: re.Match[str]) -> str:
        converter = rule._converters[argument["name"]]
        return str(number) if isinstance(converter, IntegerConverter) else token

    return ARGUMENT.sub(value, rule.rule)


def test_every_route_with_an_id_is_found(app):
    """The walk below covers the dashboard's, the partner pages' and the API's ids."""
    endpoints = {rule.endpoint.split(".")[0] for rule in id_rules(app)}
    assert {"dashboard", "partner", "api"} <= endpoints


@pytest.mark.parametrize("number", OUT_OF_RANGE)
def test_an_id_out_of_range_answers_404_on_every_route(app, logged_in, partner, number):
    token = links.issue_link(partner, LinkPurpose.HOMEWORK)
    db.session.commit()
    before = row_counts()

    answers = {}
    for rule in id_rules(app):
        url = url_of(rule, number, token)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            answers[f"{method} {url}"] = logged_in.open(url, method=method).status_code

    assert {call: code for call, code in answers.items() if code != 404} == {}
    assert row_counts() == before


def test_the_reported_couple_url_answers_404(logged_in):
    response = logged_in.get("/couples/1099511627776")

    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


@pytest.mark.parametrize("number", ["-1", "0", "00", "1.5", "1e3"])
def test_ids_that_are_no_id_answer_404(logged_in, number):
    assert logged_in.get(f"/couples/{number}").status_code == 404


def test_the_largest_id_the_database_holds_is_simply_not_found(logged_in):
    assert logged_in.get(f"/couples/{2**31 - 1}").status_code == 404
