"""GET /couples/{id}/fhir: a couple's homework as a FHIR R4 Bundle (docs/fhir.md) — every
resource valid against the R4B models and the R4 value sets, references resolving in the
Bundle, the mapping of our rows, reflections only for a key with the clinical_text scope
(a withdrawn one too, marked, as in the JSON API), the rows loaded in a constant number
of statements, and another practice's couple a 404."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.api.scopes import CLINICAL_TEXT, HOMEWORK_READ
from counselor.extensions import db
from counselor.models import (
    Assignee,
    AssignmentStatus,
    AuditEvent,
    CounselorRole,
    Couple,
    CoupleStatus,
    Visibility,
)
from counselor.services import fhir
from counselor.services.audit import Actor
from counselor.services.couples import erasure
from counselor.services.fhir import rows
from counselor.services.homework import weekly_checkin
from tests.api.test_least_privilege import key_for
from tests.support import factories
from tests.support import fhir as fhir_checks
from tests.support.api import ApiClient, assert_error, make_api_client
from tests.support.clock import NOW, TODAY
from tests.support.fhir import valid_bundle
from tests.support.helpers import count_statements

pytestmark = pytest.mark.usefixtures("clock")

SHARED = "I asked first and it felt lighter."
WITHDRAWN = "Taken back: I'd rather say it in the session."
PRIVATE = "Only for my counselor to read."
MONDAY = TODAY - timedelta(days=TODAY.weekday())


def base(app) -> str:
    return fhir.fhir_base(app.config["PUBLIC_BASE_URL"])


def make_couple(
    api: ApiClient,
    *,
    checkins: int = 0,
    steps: int = 0,
    weeks: int = 1,
    external_id: str = "pm-7",
) -> Couple:
    """A couple of the key's practice with one step of each kind, check-ins of every sort
    and ``weeks`` weeks of weekly answers from each partner; ``checkins`` adds more
    check-ins, ``steps`` more steps, each with a check-in from each partner."""
    couple = factories.CoupleFactory(
        counselor=api.owner,
        external_id=external_id,
        partners=[{"first_name": "Alex", "language": "es"}, {"first_name": "Sam"}],
    )
    alex, sam = couple.partners
    each = factories.AssignmentFactory(couple=couple, title="Hand over a chore")
    together = factories.AssignmentFactory(
        couple=couple,
        assignee=Assignee.TOGETHER,
        status=AssignmentStatus.COMPLETED,
        ended_on=TODAY - timedelta(days=2),
        due_on=TODAY + timedelta(days=10),
    )
    factories.AssignmentFactory(
        couple=couple,
        assignee=Assignee.PARTNER,
        assignee_partner_id=sam.id,
        status=AssignmentStatus.CANCELLED,
        instructions="",
    )
    day = TODAY - timedelta(days=1)
    factories.CheckInFactory(
        assignment=each, partner=alex, occurred_on=day, comfort=4, reflection=SHARED,
        visibility=Visibility.SHARED,
    )  # fmt: skip
    factories.CheckInFactory(
        assignment=each, partner=sam, occurred_on=day, comfort=None, reflection=WITHDRAWN,
        visibility=Visibility.SHARED, reflection_withdrawn_at=NOW,
    )  # fmt: skip
    factories.CheckInFactory(
        assignment=together, partner=sam, occurred_on=day, comfort=2, reflection=PRIVATE
    )
    for _ in range(checkins):
        factories.CheckInFactory(assignment=each, partner=alex, occurred_on=day, comfort=3)
    for number in range(steps):
        more = factories.AssignmentFactory(couple=couple, title=f"Step {number}")
        for partner in (alex, sam):
            factories.CheckInFactory(assignment=more, partner=partner, occurred_on=day, comfort=3)
    for partner in (alex, sam):
        for week in range(1, weeks + 1):
            for item in weekly_checkin.current_items():
                factories.make_weekly_answer(partner, item, MONDAY - timedelta(weeks=week), score=4)
    return couple


def get_bundle(api: ApiClient, couple_id: int) -> tuple[dict, str]:
    response = api.get(f"/couples/{couple_id}/fhir")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    text = response.get_data(as_text=True)
    return json.loads(text), text


def test_the_bundle_holds_the_couple_its_plan_tasks_checkins_and_weekly_answers(app, api):
    couple = make_couple(api)
    alex, sam = couple.partners

    bundle, _ = get_bundle(api, couple.id)
    found = valid_bundle(bundle, base(app))

    assert bundle["timestamp"] == "2026-05-13T17:00:00Z"
    assert [len(found[kind]) for kind in ("Group", "Patient", "CarePlan")] == [1, 2, 1]
    (group,) = found["Group"]
    assert group["id"] == f"couple-{couple.id}"
    assert (group["type"], group["actual"], group["quantity"]) == ("person", True, 2)
    assert group["identifier"] == [
        {"system": f"urn:counselor:{api.practice.slug}:external-id", "value": "pm-7"}
    ]
    assert [m["entity"]["reference"] for m in group["member"]] == [
        f"Patient/partner-{alex.id}",
        f"Patient/partner-{sam.id}",
    ]
    first = found["Patient"][0]
    assert first["name"] == [{"text": "Alex", "given": ["Alex"]}]
    assert first["telecom"] == [{"system": "email", "value": alex.email}]
    assert first["communication"][0]["language"]["coding"][0]["code"] == "es"

    (care_plan,) = found["CarePlan"]
    assert (care_plan["status"], care_plan["intent"]) == ("active", "plan")
    assert care_plan["category"] == [{"text": "couples homework"}]
    assert care_plan["subject"] == {"reference": f"Group/couple-{couple.id}"}
    # Each: a Task per partner; together: the same; one partner's: hers alone.
    tasks = found["Task"]
    activities = [a["reference"]["reference"] for a in care_plan["activity"]]
    assert activities == [f"Task/{t['id']}" for t in tasks]
    assert len(tasks) == 5
    assert [t["status"] for t in tasks] == ["in-progress"] * 2 + ["completed"] * 2 + ["cancelled"]
    assert [t["for"]["reference"] for t in tasks][-1] == f"Patient/partner-{sam.id}"
    chore = tasks[0]
    assert chore["description"] == "Hand over a chore"
    assert chore["intent"] == "plan"
    assert chore["basedOn"] == [{"reference": f"CarePlan/{care_plan['id']}"}]
    assert chore["note"] == [{"text": "Tell your partner about one small worry this week."}]
    assert chore["executionPeriod"] == {"start": (TODAY - timedelta(weeks=2)).isoformat()}
    assert tasks[2]["executionPeriod"]["end"] == (TODAY - timedelta(days=2)).isoformat()
    assert "note" not in tasks[4]  # no instructions: no empty note

    observations = found["Observation"]
    assert len(observations) == 3
    rated, unrated, _joint = observations
    assert rated["valueInteger"] == 4 and "dataAbsentReason" not in rated
    assert "valueInteger" not in unrated and unrated["dataAbsentReason"]["text"] == "not rated"
    assert rated["effectiveDateTime"] == (TODAY - timedelta(days=1)).isoformat()
    assert rated["code"] == {"text": "homework check-in"}
    assert chore["output"] == [
        {
            "type": {"text": "check-in"},
            "valueReference": {"reference": f"Observation/{rated['id']}"},
        }
    ]

    responses = found["QuestionnaireResponse"]
    assert len(responses) == 2
    week = (MONDAY - timedelta(weeks=1)).isoformat()
    assert responses[0]["id"] == f"weekly-checkin-partner-{alex.id}-{week}"
    assert responses[0]["status"] == "completed"
    assert {a["answer"][0]["valueInteger"] for r in responses for a in r["item"]} == {4}


@pytest.mark.parametrize(
    ("scopes", "readable"),
    [((HOMEWORK_READ,), set()), ((HOMEWORK_READ, CLINICAL_TEXT), {SHARED, PRIVATE, WITHDRAWN})],
    ids=["without-clinical-text", "with-clinical-text"],
)
def test_reflections_only_with_the_clinical_text_scope_as_in_the_json_api(
    app, api, scopes, readable
):
    couple = make_couple(api)
    reader = make_api_client(app, api.practice, scopes=scopes)

    bundle, text = get_bundle(reader, couple.id)

    for reflection in (SHARED, PRIVATE, WITHDRAWN):
        assert (reflection in text) == (reflection in readable), reflection
    observations = valid_bundle(bundle, base(app))["Observation"]
    notes = [o["note"][0]["text"] for o in observations if "note" in o]
    assert set(notes) == readable
    # A reflection taken back from the other partner carries a second note saying so.
    marked = [o["note"] for o in observations if len(o.get("note", [])) > 1]
    if readable:
        [(reflection, mark)] = marked
        assert reflection["text"] == WITHDRAWN
        assert mark == {
            "authorReference": reflection["authorReference"],
            "time": "2026-05-13T17:00:00Z",
            "text": f"Taken back from the other partner on {TODAY.isoformat()}",
        }
    else:
        assert marked == []
    # The JSON API gives the same key the same reflections: one rule for both.
    export = reader.get(f"/couples/{couple.id}/export").get_json()
    in_json = {c["reflection"] for c in export["checkins"] if c.get("reflection")}
    assert in_json == readable


@pytest.mark.parametrize("status", list(CoupleStatus))
def test_every_couple_status_has_its_care_plan_status(app, api, status):
    couple = make_couple(api)
    couple.status = status
    db.session.commit()

    bundle, _ = get_bundle(api, couple.id)

    (care_plan,) = valid_bundle(bundle, base(app))["CarePlan"]
    assert care_plan["status"] == fhir.plan.CARE_PLAN_STATUS[status]
    assert (
        care_plan["status"]
        == {"active": "active", "paused": "on-hold", "closed": "completed"}[status.value]
    )


def test_every_step_status_has_its_task_status():
    assert fhir.plan.TASK_STATUS == {
        AssignmentStatus.ACTIVE: "in-progress",
        AssignmentStatus.COMPLETED: "completed",
        AssignmentStatus.CANCELLED: "cancelled",
    }


def test_an_erased_couple_exports_without_its_placeholders(app, api):
    couple = make_couple(api)
    erasure.erase_couple(Actor.for_counselor(api.owner), couple)
    db.session.commit()

    bundle, text = get_bundle(api, couple.id)

    found = valid_bundle(bundle, base(app))
    assert all("name" not in p and "telecom" not in p for p in found["Patient"])
    assert "name" not in found["Group"][0] and "identifier" not in found["Group"][0]
    assert found["CarePlan"][0]["status"] == "completed"
    assert ".invalid" not in text and "Erased couple" not in text


def test_a_couple_without_homework_is_a_group_patients_and_an_empty_plan(app, api):
    couple = factories.CoupleFactory(counselor=api.owner)

    bundle, _ = get_bundle(api, couple.id)

    found = valid_bundle(bundle, base(app))
    assert sorted(found) == ["CarePlan", "Group", "Patient"]
    assert "activity" not in found["CarePlan"][0]
    assert "identifier" not in found["Group"][0]


def test_the_rows_come_in_a_constant_number_of_statements(app, api):
    small = make_couple(api)
    large = make_couple(api, checkins=40, steps=12, weeks=8, external_id="pm-8")
    counts, sizes = [], []
    for couple in (small, large):
        db.session.expire_all()
        couple = db.session.get(Couple, couple.id)
        with count_statements() as counter:
            bundle = fhir.couple_bundle(couple, base=base(app), clinical_text=True)
        counts.append(counter.count)
        kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
        sizes.append([kinds.count(k) for k in ("Task", "Observation", "QuestionnaireResponse")])
    assert counts == [rows.STATEMENTS, rows.STATEMENTS]
    # Each of the 12 more steps is a Task and a check-in for each partner; 8 weeks of answers.
    assert sizes[1] == [sizes[0][0] + 24, sizes[0][1] + 40 + 24, 8 * 2]


def test_a_step_cancelled_before_its_first_day_has_no_end(app, api):
    couple = factories.CoupleFactory(counselor=api.owner)
    never_ran = factories.AssignmentFactory(
        couple=couple,
        starts_on=TODAY + timedelta(days=7),
        due_on=TODAY + timedelta(days=21),
        status=AssignmentStatus.CANCELLED,
        ended_on=TODAY,
    )

    bundle, _ = get_bundle(api, couple.id)

    tasks = valid_bundle(bundle, base(app))["Task"]  # per-1 checked on every Period
    assert [t["status"] for t in tasks] == ["cancelled", "cancelled"]
    for task in tasks:
        assert task["executionPeriod"] == {"start": never_ran.starts_on.isoformat()}


@pytest.mark.parametrize(
    ("period", "valid"),
    [
        ({"start": "2026-05-13", "end": "2026-05-12"}, False),
        ({"start": "2026-05-13T10:00:00Z", "end": "2026-05-13T09:59:59Z"}, False),
        ({"start": "2026-05-13", "end": "2026-05-13"}, True),
        ({"start": "2026-05-13T10:00:00Z", "end": "2026-05-13"}, True),  # a date: its whole day
        ({"start": "2026-05-13"}, True),
    ],
)
def test_the_checks_refuse_a_period_that_ends_before_it_starts(period, valid):
    task = {"resourceType": "Task", "status": "cancelled", "intent": "plan"}
    if valid:
        fhir_checks.check_period(period)
        fhir_checks.valid_resource({**task, "executionPeriod": period})
    else:
        with pytest.raises(AssertionError, match="per-1"):
            fhir_checks.valid_resource({**task, "executionPeriod": period})


def test_another_practices_couple_is_not_found(api, other_api):
    couple = make_couple(api)
    assert_error(other_api.get(f"/couples/{couple.id}/fhir"), 404)
    assert_error(api.get("/couples/999999999/fhir"), 404)


def test_reading_needs_the_homework_read_scope(app, api):
    couple = make_couple(api)
    unreading = make_api_client(app, api.practice, scopes=(CLINICAL_TEXT,))
    assert_error(unreading.get(f"/couples/{couple.id}/fhir"), 403)


def test_the_read_is_audited_with_the_couple(api):
    couple = make_couple(api)
    get_bundle(api, couple.id)
    event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert (event.action, event.object_type, event.object_id) == (
        "api.GET /couples/{couple_id}/fhir",
        "couple",
        couple.id,
    )


def test_a_staff_counselors_key_gets_404_for_a_colleagues_couple(app, api):
    staff, colleague = (
        factories.CounselorFactory(practice=api.practice, role=CounselorRole.COUNSELOR)
        for _ in range(2)
    )
    theirs = factories.CoupleFactory(counselor=colleague)
    mine = factories.CoupleFactory(counselor=staff)
    staff_api = key_for(app, api, staff)

    assert_error(staff_api.get(f"/couples/{theirs.id}/fhir"), 404)
    assert staff_api.get(f"/couples/{mine.id}/fhir").status_code == 200
