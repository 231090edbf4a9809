"""Checks of the service's FHIR answers beyond what ``fhir.resources`` validates.

The R4B models check structure and primitive types (an unknown element, an empty string or
a malformed date fails), but neither coded values nor the types a reference may point to:
``valid_bundle`` adds those from the R4 specification — each status and type in its value
set, each reference to a type its element allows (the models' ``enum_reference_types``),
each relative reference to a resource of the Bundle, each ``fullUrl`` its resource's
address, each Period's start not after its end (per-1) — and returns the Bundle's
resources, by type."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.group import Group
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.task import Task
from pydantic import BaseModel

CLASSES = {
    cls.__name__: cls
    for cls in (Group, Patient, CarePlan, Task, Observation, QuestionnaireResponse, Questionnaire)
}
# The R4 value sets (required bindings) of the codes the service writes.
CODES: dict[tuple[str, str], set[str]] = {
    ("CarePlan", "status"): {
        "draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown",
    },
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Task", "status"): {
        "draft", "requested", "received", "accepted", "rejected", "ready", "cancelled",
        "in-progress", "on-hold", "failed", "completed", "entered-in-error",
    },
    ("Task", "intent"): {
        "unknown", "proposal", "plan", "order", "original-order", "reflex-order",
        "filler-order", "instance-order", "option",
    },
    ("Observation", "status"): {
        "registered", "preliminary", "final", "amended", "corrected", "cancelled",
        "entered-in-error", "unknown",
    },
    ("QuestionnaireResponse", "status"): {
        "in-progress", "completed", "amended", "entered-in-error", "stopped",
    },
    ("Questionnaire", "status"): {"draft", "active", "retired", "unknown"},
    ("Group", "type"): {
        "person", "animal", "practitioner", "device", "medication", "substance",
    },
}  # fmt: skip
ITEM_TYPES = {
    "group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string",
    "text", "url", "choice", "open-choice", "attachment", "reference", "quantity",
}  # fmt: skip


def valid_resource(resource: dict[str, Any]) -> BaseModel:
    """The resource parsed by its R4B class, with its codes checked."""
    kind = resource["resourceType"]
    model = CLASSES[kind].model_validate(resource)
    for (of, element), allowed in CODES.items():
        if of == kind:
            assert resource[element] in allowed, (kind, element, resource[element])
    check_references(model)
    if kind == "Task" and "lastModified" in resource:
        assert resource["lastModified"] >= resource["authoredOn"], resource["id"]  # R4 inv-1
    if kind == "Observation":
        assert not ("dataAbsentReason" in resource and "valueInteger" in resource)  # R4 obs-6
    for period in periods(resource):
        check_period(period)
    if kind == "Questionnaire":
        check_items(resource.get("item", []))
    return model


def periods(resource: Any) -> list[dict[str, Any]]:
    """Every Period in a resource's JSON: the value of ``period`` or of an element whose
    name ends in ``Period`` (``executionPeriod``, ``effectivePeriod``)."""
    found = []
    if isinstance(resource, dict):
        for name, value in resource.items():
            if (name == "period" or name.endswith("Period")) and isinstance(value, dict):
                found.append(value)
            found += periods(value)
    elif isinstance(resource, list):
        for value in resource:
            found += periods(value)
    return found


def check_period(period: dict[str, Any]) -> None:
    """R4 per-1: if both are present, start is not after end. A date is its whole day, so
    a date and an instant compare by their dates."""
    if "start" not in period or "end" not in period:
        return
    start, end = (_moment(period[edge]) for edge in ("start", "end"))
    if isinstance(start, datetime) != isinstance(end, datetime):
        start, end = _day(start), _day(end)
    assert start <= end, ("per-1", period)


def _moment(value: str) -> date | datetime:
    if len(value) == len("2026-05-13"):
        return date.fromisoformat(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def check_items(items: list[dict[str, Any]]) -> None:
    for item in items:
        assert item["type"] in ITEM_TYPES, item
        if item["type"] == "display":
            assert "required" not in item and "item" not in item, item  # R4 que-6, que-1
        check_items(item.get("item", []))


def check_references(model: BaseModel) -> None:
    """Every reference in the model names a type its element allows."""
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if value is None:
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        allowed = extra.get("enum_reference_types")
        for each in value if isinstance(value, list) else [value]:
            reference = getattr(each, "reference", None) if allowed else None
            if reference and "Resource" not in allowed:
                assert reference.split("/")[0] in allowed, (name, reference, allowed)
            if isinstance(each, BaseModel):
                check_references(each)


def references(resource: Any) -> list[str]:
    """Every ``reference`` string in a resource's JSON."""
    if isinstance(resource, dict):
        found = [resource["reference"]] if isinstance(resource.get("reference"), str) else []
        return found + [r for v in resource.values() for r in references(v)]
    if isinstance(resource, list):
        return [r for v in resource for r in references(v)]
    return []


def valid_bundle(bundle: dict[str, Any], base: str) -> dict[str, list[dict[str, Any]]]:
    """Check the whole Bundle; its resources by type, in order."""
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    addresses = set()
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        valid_resource(resource)
        address = f"{resource['resourceType']}/{resource['id']}"
        assert entry["fullUrl"] == f"{base}/{address}"
        assert address not in addresses, address
        addresses.add(address)
        by_type[resource["resourceType"]].append(resource)
    for entry in bundle.get("entry", []):
        for reference in references(entry["resource"]):
            assert reference in addresses, reference  # resolves within the Bundle
    return by_type
