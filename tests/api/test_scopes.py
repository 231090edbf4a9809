"""API key scopes: reading needs homework:read, changing homework:write (403 with a message
naming the scope otherwise), and what partners and counselors wrote reaches only a key with
clinical_text. The walk over every GET operation of the OpenAPI document keeps that true of
routes added later: a key without the scope never finds a reflection, a reply, a note, an
acknowledgement's note or a session's agenda in any answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from counselor import tenancy
from counselor.extensions import db
from counselor.models import (
    Acknowledgement,
    ApiKey,
    AuditEvent,
    CheckIn,
    CoupleSession,
    ReplyKind,
)
from counselor.services.accounts.api_scopes import (
    CLINICAL_TEXT,
    DEFAULT_SCOPES,
    HOMEWORK_READ,
    HOMEWORK_WRITE,
)
from counselor.unit_of_work import unit_of_work
from tests.api.test_tenancy import objects_made_by
from tests.support import factories
from tests.support.api import API, ApiClient, assert_error, couple_body, make_api_client

# Words that appear nowhere but where a partner or counselor wrote them.
CANARIES = {
    "reflection": "Canary reflection: I asked Sam first",
    "partner_reply": "Canary reply: it meant a lot",
    "counselor_note": "Canary counselor note: let's talk Thursday",
    "acknowledgement_note": "Canary acknowledgement: I noticed",
    "agenda": "Canary agenda: money and chores",
    "session_notes": "Canary session notes: they laughed",
    # Words a counselor wrote or reworded for this couple: clinical text too.
    "step_title": "Canary step: call Sam's mother about Sunday",
    "step_instructions": "Canary instructions: after the fight about money, ask first",
    "reworded_title": "Canary reworded: ask Sam about the job offer",
    "reworded_instructions": "Canary reworded instructions: mention the move",
}


def client_with(app: Flask, api: ApiClient, *scopes: str) -> ApiClient:
    """Another key of ``api``'s practice, with only these scopes."""
    other = make_api_client(app, api.practice, scopes=scopes)
    tenancy.enter_practice(api.practice.id)
    return other


def client_stored_with(app: Flask, api: ApiClient, *scopes: str) -> ApiClient:
    """A key whose stored scopes are these, whatever the keys' service would allow today
    (a write-only key can no longer be made: the guard still holds if one is stored)."""
    other = client_with(app, api, *DEFAULT_SCOPES)
    with tenancy.practice_scope(api.practice.id), unit_of_work():
        db.session.get(ApiKey, other.key_id).scopes = " ".join(scopes)
    tenancy.enter_practice(api.practice.id)
    return other


@pytest.fixture
def written(api: ApiClient) -> dict[str, Any]:
    """A couple with every kind of words in it, written through the API where it can be,
    and directly where only a partner or the dashboard writes it; the ids to reach them."""
    ids = objects_made_by(api)
    couple = api.get(f"/couples/{ids['couple_id']}").get_json()
    checkin = api.post(
        f"/assignments/{ids['assignment_id']}/checkins",
        json={
            "partner_id": couple["partners"][0]["id"],
            "reflection": CANARIES["reflection"],
            "share_with_partner": True,
        },
    )
    assert checkin.status_code == 201, checkin.get_json()
    api.patch(f"/sessions/{ids['session_id']}", json={"agenda": CANARIES["agenda"]})
    with tenancy.practice_scope(api.practice.id), unit_of_work():
        reflected = db.session.get(CheckIn, checkin.get_json()["id"])
        factories.make_reflection_reply(reflected, body=CANARIES["partner_reply"])
        factories.make_reflection_reply(
            reflected, ReplyKind.COUNSELOR, body=CANARIES["counselor_note"]
        )
        acknowledgement = db.session.scalar(
            sa.select(Acknowledgement).where(Acknowledgement.checkin_id == ids["checkin_id"])
        )
        acknowledgement.note = CANARIES["acknowledgement_note"]
        # Notes are written once a session has started: this one is in 2031, so directly.
        db.session.get(CoupleSession, ids["session_id"]).notes = CANARIES["session_notes"]
    tenancy.enter_practice(api.practice.id)
    return ids | _steps_written_for_the_couple(api, ids)


def _steps_written_for_the_couple(api: ApiClient, ids: dict[str, Any]) -> dict[str, Any]:
    """A custom step, a ladder step reworded as it was given, and the fixture's ladder step
    reworded afterwards (its instructions): their ids."""
    rung = api.get("/ladder").get_json()["rungs"][0]
    couple = f"/couples/{ids['couple_id']}/assignments"
    custom = api.post(
        couple,
        json={
            "rung_key": rung["key"],
            "title": CANARIES["step_title"],
            "instructions": CANARIES["step_instructions"],
            "times_per_week": 2,
            "assignee": "each",
            "notify": False,
        },
    )
    reworded = api.post(
        couple,
        json={
            "template_key": rung["templates"][1]["key"],
            "title": CANARIES["reworded_title"],
            "assignee": "each",
            "notify": False,
        },
    )
    later = api.patch(
        f"/assignments/{ids['assignment_id']}",
        json={"instructions": CANARIES["reworded_instructions"]},
    )
    assert (custom.status_code, reworded.status_code, later.status_code) == (201, 201, 200)
    for step in (custom, reworded, later):
        assert step.get_json()["words_from_ladder"] is False
    return {
        "CUSTOM_STEP": custom.get_json()["id"],
        "REWORDED_STEP": reworded.get_json()["id"],
        "REWORDED_TITLE_FROM": rung["templates"][1]["title"],
        "LATER_TITLE_FROM": rung["templates"][0]["title"],
        "RUNG_POSITION": rung["position"],
    }


def get_operations(api: ApiClient) -> list[str]:
    spec = api.client.get(API + "/openapi.json").get_json()
    paths = [path.removeprefix(API) for path, item in spec["paths"].items() if "get" in item]
    assert len(paths) >= 15, paths
    return paths


def walk(client: ApiClient, ids: dict[str, Any]) -> dict[str, tuple[int, bytes]]:
    """Every GET operation of the document, on the couple's objects: status and body."""
    answers = {}
    for template in get_operations(client):
        path = template
        for name, value in ids.items():
            path = path.replace("{" + name + "}", str(value))
        assert "{" not in path, f"the fixture needs an object for {template}"
        response = client.get(path)
        assert response.status_code < 500, (template, response.status_code)
        answers[template] = (response.status_code, response.get_data())
    return answers


def test_a_key_without_clinical_text_never_receives_what_anyone_wrote(app, api, written):
    plain = client_with(app, api, *DEFAULT_SCOPES)
    answers = walk(plain, written)
    for template, (status, body) in answers.items():
        for name, canary in CANARIES.items():
            assert canary.encode() not in body, (name, template)
        if template != "/reports/{report_id}/pdf":
            assert status == 200, (template, body)
    status, body = answers["/reports/{report_id}/pdf"]
    assert status == 403 and b"clinical_text" in body  # the PDF prints them: refused whole

    # The objects are all there, their words left out (not null: null means nothing).
    checkins = plain.get(f"/assignments/{written['assignment_id']}/checkins").get_json()
    reflected = next(c for c in checkins["items"] if c["replies"])
    assert "reflection" not in reflected and reflected["comfort"] is None
    assert {r["kind"] for r in reflected["replies"]} == {"partner", "counselor"}
    assert all("body" not in reply for reply in reflected["replies"])
    session = plain.get(f"/sessions/{written['session_id']}").get_json()
    assert "agenda" not in session and "notes" not in session and session["starts_at"]
    export = plain.get(f"/couples/{written['couple_id']}/export").get_json()
    assert export["checkins"] and all("reflection" not in c for c in export["checkins"])
    assert_steps_read_neutrally(plain, written, export)


def assert_steps_read_neutrally(plain: ApiClient, written: dict[str, Any], export: dict) -> None:
    """Steps written for the couple: a neutral title (the ladder step's, or 'written for
    this couple'), no instructions; steps in the ladder's words read whole."""
    listed = plain.get(f"/couples/{written['couple_id']}/assignments").get_json()["items"]
    for steps in (listed, export["assignments"]):
        by_id = {step["id"]: step for step in steps}
        custom = by_id[written["CUSTOM_STEP"]]
        reworded = by_id[written["REWORDED_STEP"]]
        later = by_id[written["assignment_id"]]
        position = written["RUNG_POSITION"]
        assert custom["title"] == f"Step written for this couple (rung {position})"
        assert reworded["title"] == written["REWORDED_TITLE_FROM"]
        assert later["title"] == written["LATER_TITLE_FROM"]
        for step in (custom, reworded, later):
            assert "instructions" not in step and step["words_from_ladder"] is False
        from_ladder = [s for s in steps if s["words_from_ladder"]]
        assert from_ladder and all(s["instructions"] for s in from_ladder)
    progress = plain.get(f"/couples/{written['couple_id']}/progress").get_json()
    titles = {
        s["assignment_id"]: s["title"] for p in progress["partners"] for s in p["assignments"]
    }
    assert titles[written["CUSTOM_STEP"]] == f"Step written for this couple (rung {position})"
    bundle = plain.get(f"/couples/{written['couple_id']}/fhir").get_json()
    tasks = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Task"]
    custom_task = next(
        t for t in tasks if t["id"].startswith(f"assignment-{written['CUSTOM_STEP']}-")
    )
    assert custom_task["description"].startswith("Step written for this couple")
    assert "note" not in custom_task


def test_a_key_with_clinical_text_receives_every_word(app, api, written):
    reader = client_with(app, api, HOMEWORK_READ, CLINICAL_TEXT)
    answers = walk(reader, written)
    everything = b"".join(body for _status, body in answers.values())
    for name, canary in CANARIES.items():
        assert canary.encode() in everything, name
    # The steps' words, wherever a host reads them: the list, the export, FHIR, progress.
    couple = f"/couples/{written['couple_id']}"
    for path in ("/assignments", "/export", "/fhir", "/progress"):
        body = json.dumps(reader.get(couple + path).get_json(), ensure_ascii=False)
        assert CANARIES["step_title"] in body, path
        if path != "/progress":  # progress lists titles only
            assert CANARIES["step_instructions"] in body, path
    status, body = answers["/reports/{report_id}/pdf"]
    assert status == 200 and body.startswith(b"%PDF")


def test_the_answer_to_a_write_leaves_the_words_out_too_and_so_does_its_replay(app, api, couple):
    writer = client_with(app, api, HOMEWORK_READ, HOMEWORK_WRITE)
    template = api.get("/ladder").get_json()["rungs"][0]["templates"][0]["key"]
    step = writer.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": template, "assignee": "each", "notify": False},
    ).get_json()
    body = {"partner_id": couple["partners"][0]["id"], "reflection": CANARIES["reflection"]}
    headers = {"Idempotency-Key": "scoped-1"}
    first = writer.post(f"/assignments/{step['id']}/checkins", json=body, headers=headers)
    again = writer.post(f"/assignments/{step['id']}/checkins", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert "reflection" not in first.get_json() and "reflection" not in again.get_json()
    # It was stored all the same: a key may send words it already has.
    stored = api.get(f"/assignments/{step['id']}/checkins").get_json()["items"][0]
    assert stored["reflection"] == CANARIES["reflection"]


def test_reading_needs_homework_read(app, api, couple):
    writer = client_stored_with(app, api, HOMEWORK_WRITE)
    response = writer.get(f"/couples/{couple['id']}")
    body = assert_error(response, 403)
    assert "homework:read" in body["message"] and "Settings › API keys" in body["message"]
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert 'scope="homework:read"' in response.headers["WWW-Authenticate"]
    assert writer.get("/webhooks").status_code == 403
    made = writer.post("/couples", json=couple_body(label="Written only", external_id="pm-2"))
    assert made.status_code == 201


def test_changing_needs_homework_write(app, api, couple):
    reader = client_with(app, api, HOMEWORK_READ)
    assert reader.get(f"/couples/{couple['id']}").status_code == 200
    assert reader.get("/webhooks").status_code == 200
    refused = [
        reader.post("/couples", json=couple_body()),
        reader.patch(f"/couples/{couple['id']}", json={"label": "Renamed"}),
        reader.post("/webhooks", json={"url": "https://pm.example.org/h", "events": []}),
        reader.client.put(API + "/couples", headers=reader.headers()),
    ]
    for response in refused:
        if response.status_code == 405:  # no PUT route: the method check still came first
            continue
        body = assert_error(response, 403)
        assert "homework:write" in body["message"]
    assert refused[3].status_code in (403, 405)
    assert api.get(f"/couples/{couple['id']}").get_json()["label"] == couple["label"]
    assert api.get("/couples").get_json()["total"] == 1


def test_a_key_refused_for_its_scope_is_audited_and_changes_nothing(app, api, couple):
    reader = client_with(app, api, HOMEWORK_READ)
    reader.post(f"/couples/{couple['id']}/erase")
    assert api.get(f"/couples/{couple['id']}").get_json()["label"] == couple["label"]
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.actor_id == reader.key_id)
    ).all()
    assert [e.action for e in events] == ["api.POST /couples/{couple_id}/erase"]


def test_the_document_says_which_fields_need_clinical_text(client):
    schemas = client.get(API + "/openapi.json").get_json()["components"]["schemas"]
    for schema, field in [
        ("CheckIn", "reflection"),
        ("Reply", "body"),
        ("Session", "agenda"),
        ("Session", "notes"),
        ("Acknowledgement", "note"),
        ("ExportCheckIn", "reflection"),
    ]:
        assert field not in schemas[schema].get("required", []), (schema, field)
        assert "clinical_text" in schemas[schema]["properties"][field]["description"]
    for operation in client.get(API + "/openapi.json").get_json()["paths"].values():
        for method, details in operation.items():
            if method != "parameters":
                assert "403" in details["responses"], method
