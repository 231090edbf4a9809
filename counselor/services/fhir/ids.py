"""Where the FHIR resources live and what they are called: ids, references, ``fullUrl``s,
identifier systems and how instants are written.

Every resource's id is derived from our own row's id, so the same row always has the same
id, in every export (``Patient/partner-12``, ``Task/assignment-5-partner-12``). Each
``fullUrl`` is the resource's address under the service's FHIR base,
``<PUBLIC_BASE_URL>/api/v1/fhir/<type>/<id>``: stable, globally unique, consistent with the
resource's id, and the base against which the Bundle's relative references
(``Patient/partner-12``) resolve. Only the Questionnaire is served at its address; the
others are read through their couple's Bundle (docs/fhir.md).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

# Under the API's prefix: the Questionnaire's canonical URL is where the API serves it.
FHIR_PATH = "/api/v1/fhir"
QUESTIONNAIRE_ID = "weekly-checkin"

Resource = dict[str, Any]


def fhir_base(public_base_url: str) -> str:
    """The service's FHIR base URL (no trailing slash)."""
    return public_base_url.rstrip("/") + FHIR_PATH


def full_url(base: str, resource: Resource) -> str:
    return f"{base}/{resource['resourceType']}/{resource['id']}"


def reference(resource_type: str, resource_id: str) -> Resource:
    return {"reference": f"{resource_type}/{resource_id}"}


def group_id(couple_id: int) -> str:
    return f"couple-{couple_id}"


def care_plan_id(couple_id: int) -> str:
    return f"homework-couple-{couple_id}"


def patient_id(partner_id: int) -> str:
    return f"partner-{partner_id}"


def task_id(assignment_id: int, partner_id: int) -> str:
    return f"assignment-{assignment_id}-partner-{partner_id}"


def observation_id(checkin_id: int) -> str:
    return f"checkin-{checkin_id}"


def response_id(partner_id: int, week_start: date) -> str:
    """One partner's answers for one of their local weeks (its Monday)."""
    return f"weekly-checkin-partner-{partner_id}-{week_start.isoformat()}"


def questionnaire_url(base: str) -> str:
    """The weekly check-in Questionnaire's canonical URL (served there, with a key)."""
    return f"{base}/Questionnaire/{QUESTIONNAIRE_ID}"


def external_id_system(practice_slug: str) -> str:
    """The system of the host's own id for a couple (``Couple.external_id``): one per
    practice, as each practice's host numbers its clients its own way."""
    return f"urn:counselor:{practice_slug}:external-id"


def instant(moment: datetime) -> str:
    """A FHIR ``instant`` in UTC, to the second: ``2026-05-13T17:00:00Z``."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def latest(*moments: datetime | None) -> datetime:
    """The latest of the moments given (at least one is not None)."""
    return max(moment for moment in moments if moment is not None)


def meta(last_updated: datetime | None) -> Resource:
    return {"meta": {"lastUpdated": instant(last_updated)}} if last_updated else {}
