"""A couple's FHIR ``Bundle`` (type ``collection``), and what makes any resource of ours FHIR
JSON: the R4B models of ``fhir.resources`` (``fhir.resources.R4B``; R4B shares R4's
resources and wire format for everything here, while the package's top-level models are
R5). Every answer is validated by them before it leaves, so a mapping mistake is an error
here, not a document a host cannot read."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel
from fhir.resources.R4B.questionnaire import Questionnaire

from counselor import timeutil
from counselor.models import CheckIn, Couple
from counselor.services.fhir import people, plan
from counselor.services.fhir.ids import Resource, full_url, instant
from counselor.services.fhir.observations import observation
from counselor.services.fhir.questionnaire import responses
from counselor.services.fhir.rows import CoupleRows, couple_rows

MODELS: dict[str, type[FHIRResourceModel]] = {"Bundle": Bundle, "Questionnaire": Questionnaire}


def couple_bundle(
    couple: Couple, *, base: str, clinical_text: bool, now: datetime | None = None
) -> Resource:
    """Everything a host's record needs about the couple's homework (docs/fhir.md):
    the Group, its Patients, the CarePlan, the Tasks, the check-ins' Observations and the
    weekly check-in's QuestionnaireResponses. Reflections, and steps' words written for the
    couple, only with ``clinical_text``."""
    resources = couple_resources(couple_rows(couple), base=base, clinical_text=clinical_text)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": instant(now or timeutil.utcnow()),
        "entry": [{"fullUrl": full_url(base, r), "resource": r} for r in resources],
    }


def couple_resources(rows: CoupleRows, *, base: str, clinical_text: bool) -> list[Resource]:
    """The Bundle's resources in their order: the people, the plan, its Tasks, then what
    the partners did and answered."""
    couple = rows.couple
    by_task: defaultdict[tuple[int, int], list[CheckIn]] = defaultdict(list)
    for check_in in rows.checkins:
        by_task[check_in.assignment_id, check_in.partner_id].append(check_in)
    tasks = [
        plan.task(
            assignment, partner, by_task[assignment.id, partner.id], clinical_text=clinical_text
        )
        for assignment in rows.assignments
        for partner in plan.doers(assignment, rows.partners)
    ]
    return [
        people.group(couple, rows.partners, rows.practice_slug),
        *(people.patient(partner, couple) for partner in rows.partners),
        plan.care_plan(couple, tasks, rows.assignments),
        *tasks,
        *(observation(c, couple, clinical_text=clinical_text) for c in rows.checkins),
        *responses(rows.weekly_answers, base),
    ]


def fhir_json(resource: Resource) -> str:
    """The resource as FHIR JSON, validated by its R4B model (raises if it is not valid)."""
    model = MODELS[resource["resourceType"]].model_validate(resource)
    return model.model_dump_json(exclude_none=True)
