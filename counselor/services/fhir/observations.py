"""Each check-in as a FHIR ``Observation``: the partner did their step on a day, with how
leaning on their partner felt (comfort, 1 very hard to 5 easy) when they rated it.

The reflection is client text. It goes in ``note`` only for a key with the
``clinical_text`` scope, as in the JSON API, and never once its partner withdrew it: an
export lands in another system's record, where the mark "withdrawn" would not travel with
it. A check-in links to its step's Task through ``Task.output`` (``Observation.basedOn``
cannot name a Task in R4; it names the CarePlan).
"""

from __future__ import annotations

from counselor.models import CheckIn, Couple
from counselor.services.fhir.ids import (
    Resource,
    care_plan_id,
    instant,
    latest,
    meta,
    observation_id,
    patient_id,
    reference,
)

CODE_TEXT = "homework check-in"
# A self-rating on a short scale: an assessment tool's answer, in R4's categories.
SURVEY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "survey",
            "display": "Survey",
        }
    ]
}
NOT_RATED = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
            "code": "unknown",
            "display": "Unknown",
        }
    ],
    "text": "not rated",
}


def readable_reflection(check_in: CheckIn, clinical_text: bool) -> str | None:
    """The reflection an export may carry: with the scope, written, not withdrawn."""
    if not clinical_text or check_in.reflection_withdrawn_at is not None:
        return None
    return check_in.reflection or None


def observation(check_in: CheckIn, couple: Couple, *, clinical_text: bool) -> Resource:
    partner = reference("Patient", patient_id(check_in.partner_id))
    changed = latest(check_in.created_at, check_in.edited_at, check_in.reflection_withdrawn_at)
    resource: Resource = {
        "resourceType": "Observation",
        "id": observation_id(check_in.id),
        **meta(changed),
        "basedOn": [reference("CarePlan", care_plan_id(couple.id))],
        "status": "final",
        "category": [SURVEY],
        "code": {"text": CODE_TEXT},
        "subject": partner,
        "effectiveDateTime": check_in.occurred_on.isoformat(),
        "issued": instant(latest(check_in.created_at, check_in.edited_at)),
        "performer": [partner],
    }
    if check_in.comfort is not None:
        resource["valueInteger"] = check_in.comfort
    else:
        resource["dataAbsentReason"] = NOT_RATED
    if text := readable_reflection(check_in, clinical_text):
        resource["note"] = [{"authorReference": partner, "text": text}]
    return resource
