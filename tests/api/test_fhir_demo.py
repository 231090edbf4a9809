"""The demo practice's couples export as valid FHIR, and docs/fhir.md's examples are what the
service exports for them now.

The examples are generated, never written by hand: with the test clock's moment the demo
is the same every time, so its export is too, once the ids (which depend on what else the
database holds) are numbered in order of appearance and the base URL is the docs' own.
When the mapping or the demo changes, regenerate them:

    FHIR_EXAMPLES=write .venv/bin/pytest tests/api/test_fhir_demo.py -k sqlite
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import Couple
from counselor.services import demo, fhir
from counselor.services.accounts import counselors
from counselor.services.homework import weekly_checkin
from tests.support.api import make_api_client
from tests.support.fhir import valid_bundle, valid_resource

pytestmark = pytest.mark.usefixtures("clock")

DOC = Path(__file__).resolve().parents[2] / "docs" / "fhir.md"
DOCS_BASE = "https://homework.example.org/api/v1/fhir"
# The demo couple with the fewest rows (the whole Bundle is shown), and the one whose
# partners answered the weekly check-in (one of its responses is shown).
EXAMPLE_COUPLE = "Zoë & José M."
WEEKLY_COUPLE = "Alex & Sam R."
OUR_ID = re.compile(r"\b(partner|couple|assignment|checkin)-(\d+)\b")


def block(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- fhir-example:{name} -->\n```json\n)(.*?)(\n```\n<!-- /fhir-example:{name} -->)",
        re.S,
    )


def numbered_in_order(text: str) -> str:
    """Our ids renumbered 1, 2, … per kind in order of first appearance."""
    numbers: dict[tuple[str, str], int] = {}

    def renumber(match: re.Match[str]) -> str:
        kind = match.group(1)
        key = (kind, match.group(2))
        if key not in numbers:
            numbers[key] = 1 + sum(1 for k in numbers if k[0] == kind)
        return f"{kind}-{numbers[key]}"

    return OUR_ID.sub(renumber, text)


@pytest.fixture
def demo_api(app):
    demo.seed_demo()
    practice = counselors.practice_by_slug(demo.DEMO_SLUG)
    client = make_api_client(app, practice)
    tenancy.enter_practice(practice.id)
    return client


def demo_couples() -> dict[str, Couple]:
    return {c.label: c for c in db.session.scalars(sa.select(Couple).order_by(Couple.id))}


def exported(demo_api, couple: Couple) -> dict:
    response = demo_api.get(f"/couples/{couple.id}/fhir")
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


def test_every_demo_couple_exports_a_valid_bundle(app, demo_api):
    base = fhir.fhir_base(app.config["PUBLIC_BASE_URL"])
    couples = demo_couples()
    assert len(couples) == 3
    for couple in couples.values():
        found = valid_bundle(exported(demo_api, couple), base)
        assert len(found["Patient"]) == 2 and found["Task"] and found["Observation"]
    alex_and_sam = valid_bundle(exported(demo_api, couples[WEEKLY_COUPLE]), base)
    assert len(alex_and_sam["QuestionnaireResponse"]) == 6  # three weeks, two partners


def test_the_docs_examples_are_what_the_service_exports(app, demo_api, clock):
    base = fhir.fhir_base(app.config["PUBLIC_BASE_URL"])
    for item in weekly_checkin.current_items():
        item.updated_at = clock.now  # the ladder as synced on the test's day
    db.session.commit()
    couples = demo_couples()
    bundle = exported(demo_api, couples[EXAMPLE_COUPLE])
    questionnaire = json.loads(demo_api.get("/fhir/Questionnaire/weekly-checkin").get_data())
    weekly = exported(demo_api, couples[WEEKLY_COUPLE])
    response = [
        e["resource"]
        for e in weekly["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ][2]  # the first partner's latest week
    examples = {"bundle": bundle, "questionnaire": questionnaire, "response": response}
    text = numbered_in_order(
        "\n\n".join(json.dumps(e, indent=2, ensure_ascii=False) for e in examples.values())
    ).replace(base, DOCS_BASE)
    generated = dict(zip(examples, text.split("\n\n"), strict=True))

    doc = DOC.read_text(encoding="utf-8")
    if os.environ.get("FHIR_EXAMPLES") == "write":
        for name, example in generated.items():
            doc = block(name).sub(lambda m, e=example: m.group(1) + e + m.group(3), doc)
        DOC.write_text(doc, encoding="utf-8")
    for name, example in generated.items():
        found = block(name).search(doc)
        assert found, f"docs/fhir.md has no fhir-example:{name} block"
        assert found.group(2) == example, (
            f"docs/fhir.md's {name} example is stale; regenerate it: "
            "FHIR_EXAMPLES=write .venv/bin/pytest tests/api/test_fhir_demo.py -k sqlite"
        )
    valid_bundle(json.loads(generated["bundle"]), DOCS_BASE)
    valid_resource(json.loads(generated["questionnaire"]))
    valid_resource(json.loads(generated["response"]))
