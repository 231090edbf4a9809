"""GET /ladder is the practice's effective ladder: its own text and steps marked
``source: practice``, retired steps left out, nothing of another practice's; assigning by
``template_key`` gives the step in the practice's words."""

from __future__ import annotations

from dataclasses import replace

from counselor import tenancy
from counselor.extensions import db
from counselor.services.homework import practice_ladder_edits as edits
from counselor.services.homework.practice_ladder_input import StepInput
from tests.support import factories
from tests.support.helpers import count_statements

KEY = "share-a-minor-worry"
RETIRED = "hand-over-a-chore"
OURS = StepInput(
    title="Tell them one small worry",
    instructions="Once a day, name one small worry out loud.",
    times_per_week=5,
    who="each",
)


def steps_of(body: dict) -> dict[str, dict]:
    return {t["key"]: t for rung in body["rungs"] for t in rung["templates"]}


def changed_ladder(api) -> str:
    """Practice's text for KEY, RETIRED retired, a step of its own on rung 1, and its note
    for rung 1; the own step's key."""
    owner = api.owner
    edits.save_step(owner, KEY, OURS)
    edits.retire_step(owner, RETIRED)
    own = edits.add_step(
        owner, factories.rung(1).id, StepInput("Our own step", "Do it.", 2, "each")
    )
    edits.save_rung_note(owner, factories.rung(1).id, "Our note.")
    db.session.commit()
    return own.template_key


def test_the_ladder_is_the_practices_with_the_source_of_each_step(api):
    own_key = changed_ladder(api)

    body = api.get("/ladder").get_json()

    steps = steps_of(body)
    assert steps[KEY]["source"] == "practice"
    assert (steps[KEY]["title"], steps[KEY]["times_per_week"]) == (OURS.title, 5)
    assert steps[own_key]["source"] == "practice"
    # Two counters, each honest: the shipped step's, and the practice's own for its text.
    assert (steps[own_key]["version"], steps[own_key]["practice_version"]) == (None, 1)
    base_version = factories.template(KEY).version
    assert (steps[KEY]["version"], steps[KEY]["practice_version"]) == (base_version, 1)
    plain = next(s for k, s in steps.items() if s["source"] == "base")
    assert plain["practice_version"] is None and plain["version"] >= 1
    assert RETIRED not in steps  # retired: not offered
    assert {s["source"] for k, s in steps.items() if k not in (KEY, own_key)} == {"base"}
    assert body["rungs"][0]["counselor_note"] == "Our note."
    assert list(steps_of({"rungs": body["rungs"][:1]}))[-1] == own_key  # after the base's


def test_the_practices_version_grows_with_its_changes_and_the_bases_stays(api):
    changed_ladder(api)
    edits.save_step(api.owner, KEY, replace(OURS, times_per_week=4))
    db.session.commit()

    step = steps_of(api.get("/ladder").get_json())[KEY]

    assert (step["version"], step["practice_version"]) == (factories.template(KEY).version, 2)


def test_another_practice_sees_only_the_base(api, other_api):
    own_key = changed_ladder(api)
    tenancy.enter_practice(other_api.practice.id)

    steps = steps_of(other_api.get("/ladder").get_json())

    assert steps[KEY]["source"] == "base" and steps[KEY]["title"] != OURS.title
    assert RETIRED in steps and own_key not in steps
    answer = other_api.post(
        "/couples/0/assignments", json={"assignee": "each", "template_key": own_key}
    )
    assert answer.status_code in (404, 422)


def test_assigning_by_key_gives_the_practices_words(api, couple):
    own_key = changed_ladder(api)

    given = api.post(
        f"/couples/{couple['id']}/assignments", json={"assignee": "each", "template_key": KEY}
    )
    own = api.post(
        f"/couples/{couple['id']}/assignments", json={"assignee": "each", "template_key": own_key}
    )
    retired = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"assignee": "each", "template_key": RETIRED},
    )

    assert given.status_code == 201, given.get_json()
    assert (given.get_json()["title"], given.get_json()["times_per_week"]) == (OURS.title, 5)
    assert own.status_code == 201 and own.get_json()["title"] == "Our own step"
    # Each carries the key it was given by, a step of the practice's own included.
    for answer, key in ((given, KEY), (own, own_key)):
        body = answer.get_json()
        assert (body["template_key"], body["template_source"]) == (key, "practice")
        assert body["words_from_ladder"] is True
    assert retired.status_code == 422
    assert "template_key" in retired.get_json()["errors"]["json"]


def test_a_step_s_ladder_key_reads_the_same_in_the_list_and_the_export_in_fixed_queries(
    api, couple
):
    own_key = changed_ladder(api)
    path = f"/couples/{couple['id']}/assignments"
    plain, another = [
        k for k in steps_of(api.get("/ladder").get_json()) if k not in (KEY, own_key)
    ][:2]
    for key in (own_key, KEY, plain):
        api.post(path, json={"assignee": "each", "template_key": key, "notify": False})
    api.post(
        path,
        json={
            "assignee": "each",
            "rung_key": api.get("/ladder").get_json()["rungs"][0]["key"],
            "title": "Ours alone",
            "instructions": "Just this.",
            "times_per_week": 1,
            "notify": False,
        },
    )
    expected = {
        "Our own step": (own_key, "practice"),
        OURS.title: (KEY, "practice"),
        "Ours alone": (None, None),
    }

    db.session.expunge_all()
    with count_statements() as listing:
        listed = api.get(path).get_json()["items"]
    exported = api.get(f"/couples/{couple['id']}/export").get_json()["assignments"]

    for steps in (listed, exported):
        found = {s["title"]: (s["template_key"], s["template_source"]) for s in steps}
        assert found.items() >= expected.items()
        assert (plain, "base") in found.values()
    # One more step costs no statement: its ladder rows come with it.
    api.post(path, json={"assignee": "each", "template_key": another, "notify": False})
    db.session.expunge_all()
    with count_statements() as longer:
        api.get(path)
    assert longer.count == listing.count


def test_the_openapi_document_describes_the_source(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    source = spec["components"]["schemas"]["Template"]["properties"]["source"]
    assert source["enum"] == ["base", "practice"]
    assert "practice" in source["description"]
