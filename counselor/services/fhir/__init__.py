"""FHIR R4 export for host systems (docs/fhir.md): a couple's homework as a ``Bundle``, and
the weekly check-in as the ``Questionnaire`` its responses answer.

Pure mapping functions turn our rows into FHIR resources as plain dicts, one module per
part — the people (``people``), the plan and its Tasks (``plan``), the check-ins
(``observations``), the weekly check-in (``questionnaire``) — over ids and references
derived from ours (``ids``). The queries are all in ``rows``; ``bundle`` puts a couple's
resources together and serializes any resource through its ``fhir.resources`` R4B model.
"""

from __future__ import annotations

from counselor.services.fhir.bundle import couple_bundle, fhir_json
from counselor.services.fhir.ids import Resource, fhir_base
from counselor.services.fhir.questionnaire import questionnaire
from counselor.services.homework import weekly_checkin


def weekly_questionnaire(base: str) -> Resource:
    """The Questionnaire of the weekly check-in's current items (one query)."""
    return questionnaire(weekly_checkin.current_items(), base)


__all__ = ["couple_bundle", "fhir_base", "fhir_json", "weekly_questionnaire"]
