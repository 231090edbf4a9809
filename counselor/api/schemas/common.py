"""Fields and schemas every feature's schemas share.

Input schemas (``XArgs``) reject unknown fields; output schemas (``XSchema``) mark
what the server owns ``dump_only`` and what may be null ``allow_none`` (so the OpenAPI
document says ``readOnly`` and ``nullable``). Every bound a database column has is a
bound here too, so no input can reach the database in a shape it refuses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from counselor.api.scopes import CLINICAL_TEXT, may_read_clinical_text
from counselor.services import validation
from counselor.services.homework import reflections
from counselor.services.validation import MAX_ID

PAGE_MAX = 100_000


class Args(ma.Schema):
    """Base of request bodies: an unknown field is an error, not silently dropped."""

    class Meta:
        unknown = ma.RAISE


class QueryArgs(ma.Schema):
    """Base of query strings: unknown parameters (cache busters…) are ignored on purpose."""

    class Meta:
        unknown = ma.EXCLUDE


def storable_text(value: str) -> None:
    """Text a database can store: no NUL character, no unpaired surrogate."""
    if problem := validation.unstorable(value):
        raise ma.ValidationError(problem)


def sane_date(value: date | datetime) -> None:
    """A date or moment within ``validation.EARLIEST_YEAR``–``LATEST_YEAR``."""
    if problem := validation.date_out_of_range(value):
        raise ma.ValidationError(problem)


def text(max_length: int, **kwargs: Any) -> fields.String:
    return fields.String(
        validate=[validate.Length(max=max_length), storable_text],
        metadata=kwargs.pop("metadata", {}),
        **kwargs,
    )


def whole(low: int, high: int, *, strict: bool = True, **kwargs: Any) -> fields.Integer:
    """A whole number in a range; ``strict`` (JSON) refuses "3" and 3.0, query strings can't."""
    return fields.Integer(strict=strict, validate=validate.Range(low, high), **kwargs)


def object_id(**kwargs: Any) -> fields.Integer:
    return whole(1, MAX_ID, **kwargs)


def day(**kwargs: Any) -> fields.Date:
    return fields.Date(validate=sane_date, **kwargs)


CLINICAL_TEXT_NOTE = (
    f"Only for a key with the `{CLINICAL_TEXT}` scope: left out of the answer for any other "
    "key (never null for that reason: null means nothing written)."
)


class ClinicalText(fields.String):
    """What a partner or counselor wrote — a reflection, a reply, a note, an agenda. Every
    output field that carries such words is one of these, so this is the one place that
    decides who receives them: a key with the ``clinical_text`` scope (``api/scopes.py``).
    For any other key the field is left out of the answer (marshmallow skips a field that
    serializes to ``missing``); the OpenAPI document says so and does not require it."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", None) or {})
        description = metadata.get("description", "")
        metadata["description"] = f"{description} {CLINICAL_TEXT_NOTE}".strip()
        kwargs["required"] = False
        super().__init__(metadata=metadata, **kwargs)

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> Any:
        if not may_read_clinical_text():
            return ma.missing
        return super().serialize(attr, obj, accessor, **kwargs)


class ReflectionText(ClinicalText):
    """A check-in's reflection, on an object or an export's document: what a host may read
    of it is ``reflections.host_reflection``'s to say, as for FHIR."""

    def serialize(self, attr: str, obj: Any, accessor: Any = None, **kwargs: Any) -> Any:
        text: Any = self.get_value(obj, attr, accessor=accessor)
        withdrawn_at: Any = self.get_value(obj, "reflection_withdrawn_at", accessor=accessor)
        read = reflections.host_reflection(
            text, withdrawn_at, clinical_text=may_read_clinical_text()
        )
        return ma.missing if read is None else read.text


class UtcDateTime(fields.AwareDateTime):
    """An instant, always written in UTC (``…+00:00``) whatever offset it came in with."""

    def _serialize(self, value: datetime | None, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return super()._serialize(value and value.astimezone(UTC), attr, obj, **kwargs)


class PageArgs(QueryArgs):
    page = whole(1, PAGE_MAX, strict=False, load_default=1, metadata={"description": "From 1."})
    page_size = whole(
        1, 100, strict=False, load_default=20, metadata={"description": "Items per page."}
    )


class PageSchema(ma.Schema):
    """The envelope of every list; subclasses add ``items``."""

    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Items on all pages."})


class RungRefSchema(ma.Schema):
    """A rung of the ladder, as other objects refer to it."""

    id = fields.Integer(dump_only=True, required=True)
    key = fields.String(dump_only=True, required=True)
    position = fields.Integer(dump_only=True, required=True)
    title = fields.String(dump_only=True, required=True)
