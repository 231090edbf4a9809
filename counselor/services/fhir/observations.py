"""Each check-in as a FHIR ``Observation``: the partner did their step on a day, with how
leaning on their partner felt (comfort, 1 very hard to 5 easy) when they rated it.

The reflection is client text. It goes in ``note`` only for a key with the
``clinical_text`` scope, as in the JSON API (``reflections.host_reflection`` decides for
both): a reflection its partner took back from the other partner is there too — the
practice still reads it — followed by a second note saying when it was taken back, so the
mark travels with it into the host's record. A check-in links to its step's Task through
``Task.output`` (``Observation.basedOn`` cannot name a Task in R4; it names the CarePlan).
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
from counselor.services.homework import reflections

CODE_TEXT = "homework check-in"
# The second note of a reflection its partner took back (the day in UTC, as ``time``).
WITHDRAWN_NOTE = "Taken back from the other partner on {day}"
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


def reflection_notes(check_in: CheckIn, partner: Resource, *, clinical_text: bool) -> list:
    """The Observation's notes: the reflection, by its partner, and when it was taken back
    from the other partner, if it was; none without the scope or without words."""
    read = reflections.host_reflection(
        check_in.reflection, check_in.reflection_withdrawn_at, clinical_text=clinical_text
    )
    if read is None or not read.text:
        return []
    notes: list[Resource] = [{"authorReference": partner, "text": read.text}]
    if read.withdrawn_at is not None:
        notes.append(
            {
                "authorReference": partner,
                "time": instant(read.withdrawn_at),
                "text": WITHDRAWN_NOTE.format(day=read.withdrawn_at.date().isoformat()),
            }
        )
    return notes


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
    if notes := reflection_notes(check_in, partner, clinical_text=clinical_text):
        resource["note"] = notes
    return resource
