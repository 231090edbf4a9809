"""API resources, one module per feature; each view parses, calls one service, dumps."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask_smorest.error_handler import ErrorSchema

from counselor.api import bp
from counselor.services import idempotency

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Retry safely: the same key and body replay the first answer (its "
    "object as it is now); the same key with another body answers 409. Kept at least 24 "
    "hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.KEY_MAX},
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the key may call again.",
        "schema": {"type": "integer"},
    }
}


def errors(*codes: int) -> Callable[[Any], Any]:
    """Document the error answers of an operation (401, 403 and 429 are added to every one:
    a key may lack the scope an operation needs, ``guard.py``)."""

    def decorate(view: Any) -> Any:
        for code in sorted({*codes, 401, 403, 429}, reverse=True):
            if code == 429:
                view = bp.alt_response(429, schema=ErrorSchema, headers=RETRY_AFTER)(view)
            else:
                view = bp.alt_response(code, response=HTTPStatus(code).name)(view)
        return view

    return decorate


def idempotent(view: Any) -> Any:
    """Document the Idempotency-Key header of a POST (counselor.api.guard honours it)."""
    return bp.doc(parameters=[IDEMPOTENCY_PARAMETER])(view)
