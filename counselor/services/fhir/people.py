"""The couple as a FHIR ``Group`` of two ``Patient``s.

Each partner is a Patient with only what the host already gave the service: the first name
(FHIR ``given``; the service keeps no family name), the email address and the language
the service speaks to them. The couple's host id (``Couple.external_id``) identifies the
Group: it names the couple, not either partner, and the service keeps no host id per
partner. An erased couple's placeholders ("Partner 1", an address at ``.invalid``, "Erased
couple #7") are left out rather than passed on as if they were names and addresses.
"""

from __future__ import annotations

from counselor.models import Couple, CoupleStatus, Partner
from counselor.services.fhir.ids import (
    Resource,
    external_id_system,
    group_id,
    meta,
    patient_id,
    reference,
)

# BCP 47, the system FHIR names for a language tag (Patient.communication.language).
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"


def is_erased(couple: Couple) -> bool:
    return couple.erased_at is not None


def patient(partner: Partner, couple: Couple) -> Resource:
    resource: Resource = {
        "resourceType": "Patient",
        "id": patient_id(partner.id),
        "active": couple.status != CoupleStatus.CLOSED,
    }
    if not is_erased(couple):
        resource["name"] = [{"text": partner.first_name, "given": [partner.first_name]}]
        resource["telecom"] = [{"system": "email", "value": partner.email}]
    if partner.language:
        resource["communication"] = [
            {
                "language": {
                    "coding": [{"system": LANGUAGE_SYSTEM, "code": partner.language}],
                    "text": partner.language,
                },
                "preferred": True,
            }
        ]
    return resource


def group(couple: Couple, partners: list[Partner], practice_slug: str) -> Resource:
    resource: Resource = {
        "resourceType": "Group",
        "id": group_id(couple.id),
        **meta(couple.updated_at),
    }
    if couple.external_id:
        resource["identifier"] = [
            {"system": external_id_system(practice_slug), "value": couple.external_id}
        ]
    resource.update(
        {
            "active": couple.status != CoupleStatus.CLOSED,
            "type": "person",
            "actual": True,
            "code": {"text": "couple"},
        }
    )
    if not is_erased(couple):
        resource["name"] = couple.label
    resource["quantity"] = len(partners)
    resource["member"] = [{"entity": reference("Patient", patient_id(p.id))} for p in partners]
    return resource
