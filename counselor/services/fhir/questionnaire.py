"""The weekly check-in as a FHIR ``Questionnaire`` the service publishes, and each partner's
answers for a week as a ``QuestionnaireResponse`` to it.

One item per statement (``WeeklyCheckinItem``, linkId its stable key), an integer from 1 to
5 (the R4 ``minValue``/``maxValue`` extensions) with the words at each end as two display
items marked ``lower`` and ``upper`` (the R4 item-control codes for a scale's end labels),
which any renderer shows as text. The Questionnaire's ``version`` names the exact set of
items and the versions of their words (``questionnaire_version``); a response points at
``url|version`` of the words its partner was shown, computed from its answers' own item
versions. Only the current version is served: older words are not kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import groupby

from counselor.models import WeeklyCheckinItem
from counselor.services.fhir.ids import (
    QUESTIONNAIRE_ID,
    Resource,
    instant,
    meta,
    patient_id,
    questionnaire_url,
    reference,
    response_id,
)
from counselor.services.fhir.rows import WeeklyAnswerRow
from counselor.services.homework.weekly_checkin import HIGHEST, LOWEST
from reports.data import PRACTICE_TOOL_NOTE

NAME = "WeeklyHealthyDependenceCheckin"
TITLE = "Weekly check-in"
DESCRIPTION = (
    "Each partner rates every statement from 1 to 5 once a week, 5 being the more shared, "
    f"trusted, valued or included end. {PRACTICE_TOOL_NOTE}"
)
EXTENSION = "http://hl7.org/fhir/StructureDefinition/"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"


def questionnaire_version(items: Iterable[tuple[str, int]]) -> str:
    """The version of a set of items, from each item's key and the version of its words:
    the same set always gives the same version, and a change of any word another."""
    text = "\n".join(f"{key}:{version}" for key, version in sorted(items))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def questionnaire(items: Sequence[WeeklyCheckinItem], base: str) -> Resource:
    """The Questionnaire of the current items, in the order partners see them."""
    changed = max((item.updated_at for item in items), default=None)
    resource: Resource = {
        "resourceType": "Questionnaire",
        "id": QUESTIONNAIRE_ID,
        **meta(changed),
        "url": questionnaire_url(base),
        "version": questionnaire_version((item.key, item.version) for item in items),
        "name": NAME,
        "title": TITLE,
        "status": "active",
        "subjectType": ["Patient"],
    }
    if changed is not None:
        resource["date"] = instant(changed)
    resource["description"] = DESCRIPTION
    if items:
        resource["item"] = [_item(item) for item in items]
    return resource


def _item(item: WeeklyCheckinItem) -> Resource:
    return {
        "extension": [
            {"url": EXTENSION + "minValue", "valueInteger": LOWEST},
            {"url": EXTENSION + "maxValue", "valueInteger": HIGHEST},
        ],
        "linkId": item.key,
        "text": item.text,
        "type": "integer",
        "required": True,
        "item": [
            _end_label(item.key, "lower", f"{LOWEST} – {item.low_label}"),
            _end_label(item.key, "upper", f"{HIGHEST} – {item.high_label}"),
        ],
    }


def _end_label(key: str, end: str, text: str) -> Resource:
    control = {"system": ITEM_CONTROL_SYSTEM, "code": end, "display": f"{end.title()}-bound"}
    return {
        "extension": [
            {
                "url": EXTENSION + "questionnaire-itemControl",
                "valueCodeableConcept": {"coding": [control]},
            }
        ],
        "linkId": f"{key}.{end}",
        "text": text,
        "type": "display",
    }


def responses(answers: Sequence[WeeklyAnswerRow], base: str) -> list[Resource]:
    """One response per partner per week answered (``answers`` by partner and week)."""
    weeks = groupby(answers, key=lambda row: (row.answer.partner_id, row.answer.week_start))
    return [response(partner_id, week, list(rows), base) for (partner_id, week), rows in weeks]


def response(partner_id: int, week: date, rows: list[WeeklyAnswerRow], base: str) -> Resource:
    """One partner's answers for the local week starting ``week`` (answering again that
    week replaced them: ``authored`` is when they last answered)."""
    answers = [row.answer for row in rows]
    version = questionnaire_version((row.item_key, row.answer.item_version) for row in rows)
    authored = max(a.updated_at for a in answers)
    partner = reference("Patient", patient_id(partner_id))
    return {
        "resourceType": "QuestionnaireResponse",
        "id": response_id(partner_id, week),
        **meta(authored),
        "questionnaire": f"{questionnaire_url(base)}|{version}",
        "status": "completed",
        "subject": partner,
        "authored": instant(authored),
        "author": partner,
        "source": partner,
        "item": [
            {"linkId": row.item_key, "answer": [{"valueInteger": row.answer.score}]} for row in rows
        ],
    }
