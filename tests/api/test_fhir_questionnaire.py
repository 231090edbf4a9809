"""GET /fhir/Questionnaire/weekly-checkin: the weekly check-in as a FHIR R4 Questionnaire
that validates, is served at its own canonical URL, and whose version follows the words of
its items — and the couple's QuestionnaireResponses point at the version their partner
answered."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from counselor.extensions import db
from counselor.services import fhir
from counselor.services.homework import weekly_checkin
from tests.support import factories
from tests.support.api import API
from tests.support.clock import TODAY
from tests.support.fhir import valid_bundle, valid_resource

pytestmark = pytest.mark.usefixtures("clock")

PATH = "/fhir/Questionnaire/weekly-checkin"
MONDAY = TODAY - timedelta(days=TODAY.weekday())


def get_questionnaire(api) -> dict:
    response = api.get(PATH)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    return json.loads(response.get_data(as_text=True))


def test_the_questionnaire_validates_and_lives_at_its_canonical_url(app, api):
    questionnaire = get_questionnaire(api)

    valid_resource(questionnaire)
    assert questionnaire["url"] == app.config["PUBLIC_BASE_URL"].rstrip("/") + API + PATH
    assert questionnaire["status"] == "active"
    assert questionnaire["name"] == "WeeklyHealthyDependenceCheckin"
    assert questionnaire["title"] == "Weekly check-in"
    assert "not a clinical test" in questionnaire["description"]
    items = weekly_checkin.current_items()
    assert [i["linkId"] for i in questionnaire["item"]] == [item.key for item in items]
    first, item = questionnaire["item"][0], items[0]
    assert (first["text"], first["type"], first["required"]) == (item.text, "integer", True)
    assert [e["valueInteger"] for e in first["extension"]] == [1, 5]
    lower, upper = first["item"]
    assert (lower["type"], lower["text"]) == ("display", f"1 – {item.low_label}")
    assert upper["text"] == f"5 – {item.high_label}"
    controls = [label["extension"][0]["valueCodeableConcept"] for label in first["item"]]
    assert [c["coding"][0]["code"] for c in controls] == ["lower", "upper"]


def test_its_version_follows_the_words_and_responses_keep_the_words_they_answered(app, api):
    couple = factories.CoupleFactory(counselor=api.owner)
    alex = couple.partners[0]
    items = weekly_checkin.current_items()
    for item in items:
        factories.make_weekly_answer(alex, item, MONDAY - timedelta(weeks=1), score=2)
    before = get_questionnaire(api)

    items[0].version += 1  # the ladder sync gives reworded items a new version
    db.session.commit()
    for item in items:
        factories.make_weekly_answer(alex, item, MONDAY, score=5)
    after = get_questionnaire(api)

    assert before["version"] != after["version"]
    bundle = json.loads(api.get(f"/couples/{couple.id}/fhir").get_data(as_text=True))
    older, newer = valid_bundle(bundle, fhir.fhir_base(app.config["PUBLIC_BASE_URL"]))[
        "QuestionnaireResponse"
    ]
    assert older["questionnaire"] == f"{before['url']}|{before['version']}"
    assert newer["questionnaire"] == f"{after['url']}|{after['version']}"
    assert [i["linkId"] for i in newer["item"]] == [i["linkId"] for i in after["item"]]
    assert (newer["subject"], newer["source"]) == (
        {"reference": f"Patient/partner-{alex.id}"},
        {"reference": f"Patient/partner-{alex.id}"},
    )
    assert newer["authored"] == "2026-05-13T17:00:00Z"


def test_a_retired_item_leaves_the_questionnaire(api):
    item = weekly_checkin.current_items()[-1]
    item.retired = True
    db.session.commit()

    questionnaire = get_questionnaire(api)

    assert item.key not in [i["linkId"] for i in questionnaire["item"]]
    valid_resource(questionnaire)
