"""What the FHIR answers look like, for the OpenAPI document: the outline of a FHIR R4
``Bundle`` and ``Questionnaire``, open to every other FHIR element. The truth is FHIR R4
(docs/fhir.md); the service validates each answer against the R4B models of
``fhir.resources`` before it leaves."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

FHIR_JSON = "application/fhir+json"


class FhirSchema(ma.Schema):
    """A FHIR resource or element: the fields named here, and any other FHIR allows."""

    class Meta:
        unknown = ma.INCLUDE


class FhirResourceSchema(FhirSchema):
    resource_type = fields.String(dump_only=True, required=True, data_key="resourceType")
    id = fields.String(dump_only=True)


class FhirBundleEntrySchema(FhirSchema):
    full_url = fields.String(
        data_key="fullUrl",
        dump_only=True,
        required=True,
        metadata={"description": "`<PUBLIC_BASE_URL>/api/v1/fhir/<resourceType>/<id>`."},
    )
    resource = fields.Nested(FhirResourceSchema, dump_only=True, required=True)


class FhirBundleSchema(FhirResourceSchema):
    """A FHIR R4 Bundle of type `collection`: the couple's Group, Patients, CarePlan, Tasks,
    check-in Observations and weekly check-in QuestionnaireResponses (docs/fhir.md)."""

    type = fields.String(dump_only=True, required=True, validate=validate.Equal("collection"))
    timestamp = fields.String(dump_only=True, required=True)
    entry = fields.List(fields.Nested(FhirBundleEntrySchema), dump_only=True)


class FhirQuestionnaireSchema(FhirResourceSchema):
    """The weekly check-in as a FHIR R4 Questionnaire (docs/fhir.md)."""

    url = fields.String(dump_only=True, required=True)
    version = fields.String(dump_only=True, required=True)
    name = fields.String(dump_only=True, required=True)
    title = fields.String(dump_only=True, required=True)
    status = fields.String(dump_only=True, required=True)
    item = fields.List(fields.Dict(), dump_only=True)
