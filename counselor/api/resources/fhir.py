"""FHIR R4 for hosts (docs/fhir.md): a couple's homework as a Bundle, and the weekly
check-in's Questionnaire that the Bundle's QuestionnaireResponses answer."""

from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView

from counselor.api import bp
from counselor.api.resources import errors
from counselor.api.schemas.fhir import FHIR_JSON, FhirBundleSchema, FhirQuestionnaireSchema
from counselor.api.scopes import may_read_clinical_text
from counselor.models import Couple
from counselor.services import fhir
from counselor.services.fhir.ids import QUESTIONNAIRE_ID, Resource
from counselor.tenancy import get_in_practice


def _base() -> str:
    return fhir.fhir_base(current_app.config["PUBLIC_BASE_URL"])


def _fhir_response(resource: Resource) -> Response:
    return Response(fhir.fhir_json(resource), mimetype=FHIR_JSON)


@bp.route("/couples/<id:couple_id>/fhir")
class CoupleFhir(MethodView):
    @bp.response(200, FhirBundleSchema, content_type=FHIR_JSON)
    @errors(404)
    def get(self, couple_id: int) -> Response:
        """A couple's homework as a FHIR R4 Bundle

        A `collection` Bundle (`application/fhir+json`): the couple as a Group of two
        Patients, a CarePlan of their homework, a Task per step per partner who does it,
        each check-in as an Observation and each weekly check-in as a
        QuestionnaireResponse to `GET /fhir/Questionnaire/weekly-checkin`. Reflections
        (the Observations' `note`) and a step's words written for the couple only for a
        key with the `clinical_text` scope; a withdrawn reflection too, followed by a
        note saying when it was taken back. Ids are stable and derived from the JSON
        API's; the mapping, element by element, is in docs/fhir.md."""
        couple = get_in_practice(Couple, couple_id)
        bundle = fhir.couple_bundle(couple, base=_base(), clinical_text=may_read_clinical_text())
        return _fhir_response(bundle)


@bp.route(f"/fhir/Questionnaire/{QUESTIONNAIRE_ID}")
class WeeklyQuestionnaire(MethodView):
    @bp.response(200, FhirQuestionnaireSchema, content_type=FHIR_JSON)
    @errors()
    def get(self) -> Response:
        """The weekly check-in as a FHIR R4 Questionnaire

        One integer item (1 to 5) per current statement, its end labels as display items.
        Its `url` is this address; `version` changes whenever a statement's words do."""
        return _fhir_response(fhir.weekly_questionnaire(_base()))
