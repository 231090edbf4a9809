"""/ladder, assignments, check-ins and progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import CheckIn, CheckInSource, OutboxEmail
from tests.support import factories
from tests.support.api import assert_error
from tests.support.helpers import count_statements


def today() -> str:
    return timeutil.local_today("America/Chicago").isoformat()


def test_the_ladder_lists_rungs_in_order_with_their_templates(api):
    rungs = api.get("/ladder").get_json()["rungs"]
    assert [r["position"] for r in rungs] == list(range(1, len(rungs) + 1))
    template = rungs[0]["templates"][0]
    assert set(template) == {
        "key",
        "title",
        "instructions",
        "times_per_week",
        "who",
        "version",
        "practice_version",
        "source",
    }
    assert template["who"] in {"each", "together"}
    assert template["source"] == "base"  # the practice changed nothing


def test_assign_a_ladder_step_from_its_template(api, couple):
    key = api.get("/ladder").get_json()["rungs"][1]["templates"][0]
    response = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": key["key"], "assignee": "each", "times_per_week": 4},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["template_key"], body["title"], body["times_per_week"]) == (
        key["key"],
        key["title"],
        4,
    )
    assert body["rung"]["position"] == 2
    assert (body["status"], body["assignee"], body["starts_on"]) == ("active", "each", today())
    assert body["due_on"] is None
    # notify (default true) emails the partners about the new step.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 2


def test_assign_a_custom_step_to_one_partner_without_email(api, couple):
    rung_key = api.get("/ladder").get_json()["rungs"][0]["key"]
    partner_id = couple["partners"][1]["id"]
    response = api.post(
        f"/couples/{couple['id']}/assignments",
        json={
            "title": "Walk together",
            "instructions": "Twenty minutes, phones at home.",
            "rung_key": rung_key,
            "assignee": partner_id,
            "times_per_week": 2,
            "notify": False,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["template_key"], body["assignee"], body["rung"]["key"]) == (
        None,
        partner_id,
        rung_key,
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"template_key": "no-such-step", "assignee": "each"}, "template_key"),
        ({"title": "T", "instructions": "I", "assignee": "each"}, "rung_key"),
        ({"title": "T", "instructions": "I", "rung_key": "nope", "assignee": "each"}, "rung_key"),
        ({"template_key": "x", "assignee": "both"}, "assignee"),
        ({"template_key": "x", "assignee": True}, "assignee"),
        ({"template_key": "x", "assignee": "each", "times_per_week": 15}, "times_per_week"),
        ({"template_key": "x", "assignee": "each", "due_on": "2001-01-01"}, "due_on"),
        ({"template_key": "x", "assignee": "each", "starts_on": "0001-01-01"}, "starts_on"),
        ({"template_key": "x"}, "assignee"),
    ],
)
def test_invalid_assignments_are_refused(api, couple, body, field):
    response = api.post(f"/couples/{couple['id']}/assignments", json=body)
    assert field in assert_error(response, 422)["errors"]["json"]


def test_a_partner_of_another_couple_cannot_be_the_assignee(api, couple):
    other = factories.CoupleFactory(counselor=api.owner)
    response = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": _first_template(api), "assignee": other.partners[0].id},
    )
    assert "assignee" in assert_error(response, 422)["errors"]["json"]


def _first_template(api) -> str:
    return api.get("/ladder").get_json()["rungs"][0]["templates"][0]["key"]


def _assign(api, couple, **extra) -> dict:
    response = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": _first_template(api), "assignee": "each", "notify": False, **extra},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_list_assignments(api, couple):
    ids = [_assign(api, couple, allow_duplicate=True)["id"] for _ in range(3)]
    page = api.get(f"/couples/{couple['id']}/assignments", query_string={"page_size": 2})
    body = page.get_json()
    assert [a["id"] for a in body["items"]] == ids[:2]
    assert body["total"] == 3


def test_patch_changes_target_and_dates_then_ends_the_step(api, couple):
    assignment = _assign(api, couple)
    due = (timeutil.local_today("America/Chicago") + timedelta(days=10)).isoformat()
    response = api.patch(
        f"/assignments/{assignment['id']}", json={"times_per_week": 6, "due_on": due}
    )
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["times_per_week"], response.get_json()["due_on"]) == (6, due)

    response = api.patch(f"/assignments/{assignment['id']}", json={"due_on": None})
    assert response.get_json()["due_on"] is None

    response = api.patch(f"/assignments/{assignment['id']}", json={"status": "completed"})
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["ended_on"]) == (
        "completed",
        today(),
    )
    # Ending it again changes nothing; changing an ended step is refused.
    again = api.patch(f"/assignments/{assignment['id']}", json={"status": "completed"})
    assert again.status_code == 200
    response = api.patch(f"/assignments/{assignment['id']}", json={"times_per_week": 2})
    assert "status" in assert_error(response, 422)["errors"]["json"]
    # "active" reopens it (tests/api/test_undo.py).
    response = api.patch(f"/assignments/{assignment['id']}", json={"status": "active"})
    assert (response.get_json()["status"], response.get_json()["ended_on"]) == ("active", None)


def test_record_and_list_check_ins(api, couple):
    week_ago = timeutil.local_today("America/Chicago") - timedelta(days=7)
    assignment = _assign(api, couple, starts_on=week_ago.isoformat())
    alex, sam = (p["id"] for p in couple["partners"])
    response = api.post(
        f"/assignments/{assignment['id']}/checkins",
        json={
            "partner_id": alex,
            "comfort": 4,
            "reflection": "Went well",
            "share_with_partner": True,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["partner_id"], body["occurred_on"], body["comfort"], body["source"]) == (
        alex,
        today(),
        4,
        "api",
    )
    assert (body["reflection"], body["share_with_partner"]) == ("Went well", True)
    yesterday = (timeutil.local_today("America/Chicago") - timedelta(days=1)).isoformat()
    api.post(
        f"/assignments/{assignment['id']}/checkins",
        json={"partner_id": sam, "occurred_on": yesterday},
    )
    listed = api.get(f"/assignments/{assignment['id']}/checkins").get_json()
    assert [(c["partner_id"], c["occurred_on"]) for c in listed["items"]] == [
        (alex, today()),
        (sam, yesterday),
    ]
    assert listed["total"] == 2
    sources = db.session.scalars(sa.select(CheckIn.source)).all()
    assert sources == [CheckInSource.API, CheckInSource.API]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"comfort": 6}, "comfort"),
        ({"reflection": "x" * 2001}, "reflection"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"occurred_on": "yesterday"}, "occurred_on"),
        ({"share_with_partner": "maybe"}, "share_with_partner"),
    ],
)
def test_invalid_check_ins_are_refused(api, couple, extra, field):
    assignment = _assign(api, couple)
    response = api.post(
        f"/assignments/{assignment['id']}/checkins",
        json={"partner_id": couple["partners"][0]["id"], **extra},
    )
    assert field in assert_error(response, 422)["errors"]["json"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


def test_a_check_in_for_someone_outside_the_couple_is_refused(api, couple):
    assignment = _assign(api, couple)
    stranger = factories.CoupleFactory(counselor=api.owner).partners[0]
    response = api.post(
        f"/assignments/{assignment['id']}/checkins", json={"partner_id": stranger.id}
    )
    assert "partner_id" in assert_error(response, 422)["errors"]["json"]


def test_progress_per_partner_and_assignment(api, couple):
    assignment = _assign(api, couple, times_per_week=2)
    alex, sam = (p["id"] for p in couple["partners"])
    for comfort in (2, 4):
        api.post(
            f"/assignments/{assignment['id']}/checkins",
            json={"partner_id": alex, "comfort": comfort},
        )
    # Each measured request starts from an empty session, as a real request does: what the
    # test's session still holds would otherwise depend on when the garbage collector ran.
    db.session.expunge_all()
    with count_statements() as few_weeks:
        response = api.get(f"/couples/{couple['id']}/progress", query_string={"weeks": 3})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["couple_id"], body["weeks"]) == (couple["id"], 3)
    assert body["current_rung"]["position"] == 1
    by_partner = {p["partner_id"]: p for p in body["partners"]}
    alex_now = by_partner[alex]["weeks"][-1]
    assert len(by_partner[alex]["weeks"]) == 3
    # A step given today counts from today: late in the week its target is prorated to 1,
    # and a partner's week counts no step past its target (the step's own row keeps 2).
    assert alex_now["target"] >= 1 and alex_now["done"] == min(2, alex_now["target"])
    assert alex_now["mean_comfort"] == 3.0
    assert by_partner[alex]["mean_comfort"] == 3.0
    assert by_partner[alex]["weeks"][0] == {
        "week_start": by_partner[alex]["weeks"][0]["week_start"],
        "target": 0,
        "done": 0,
        "completion": None,
        "mean_comfort": None,
    }
    step = by_partner[alex]["assignments"][0]
    assert (step["assignment_id"], step["status"], step["weeks"][-1]["done"]) == (
        assignment["id"],
        "active",
        2,
    )
    assert by_partner[sam]["weeks"][-1]["done"] == 0
    assert by_partner[sam]["streak_weeks"] == 0

    for _ in range(3):
        _assign(api, couple, allow_duplicate=True)
    db.session.expunge_all()
    with count_statements() as more:
        api.get(f"/couples/{couple['id']}/progress", query_string={"weeks": 12})
    assert more.count == few_weeks.count  # a fixed number of queries


@pytest.mark.parametrize("weeks", [0, 53, "many"])
def test_progress_weeks_are_bounded(api, couple, weeks):
    response = api.get(f"/couples/{couple['id']}/progress", query_string={"weeks": weeks})
    assert "weeks" in assert_error(response, 422)["errors"]["query"]
