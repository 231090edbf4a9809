"""One error shape for the whole API: ``{code, status, message, errors}`` (docs/api.md, "Errors").

HTTP errors, the services' ``NotFound`` and ``InvalidInput``, and requests no API route
matches (unknown path, wrong method) all end here. Outside ``/api/v1`` the app's own
error pages answer as before.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from flask_smorest import abort
from werkzeug.exceptions import HTTPException

from counselor.services.errors import DuplicateAssignment, InvalidInput, NotFound

DEFAULT_MESSAGES = {
    400: "The request could not be read: the body is not valid JSON.",
    401: "Send a valid API key as 'Authorization: Bearer <key>'.",
    404: "Not found.",
    405: "This method is not allowed on this path.",
    409: "Conflict.",
    413: "The request body is too large.",
    422: "Validation failed",
    429: "Too many requests for this API key; retry after the time in Retry-After.",
    500: "Something went wrong on our side.",
}
# Service field names that the API spells differently.
FIELD_ALIASES = {"counselor_id": "counselor_email", "rung_id": "rung_key"}


def error_response(error: HTTPException) -> Response:
    code = error.code or 500
    data: dict[str, Any] = getattr(error, "data", None) or {}
    message = data.get("message") or DEFAULT_MESSAGES.get(code) or error.description or error.name
    if code == 429 and error.description:
        message = f"Rate limit exceeded ({error.description}); retry after Retry-After seconds."
    body = {
        "code": code,
        "status": error.name,
        "message": message,
        "errors": data.get("errors") or data.get("messages") or {},
    }
    if data.get("details"):
        body["details"] = data["details"]  # what a conflict is with (a duplicate step)
    response = jsonify(body)
    response.status_code = code
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


def nest_field_errors(errors: dict[str, list[str]]) -> dict[str, Any]:
    """``{"partners.0.email": [...]}`` → ``{"partners": {"0": {"email": [...]}}}``."""
    nested: dict[str, Any] = {}
    for dotted, messages in errors.items():
        parts = dotted.split(".")
        parts[0] = FIELD_ALIASES.get(parts[0], parts[0])
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(parts[-1], []).extend(messages)
    return nested


def invalid_input(error: InvalidInput) -> Response:
    return _raise_as_response(422, errors={"json": nest_field_errors(error.errors)})


def duplicate_assignment(error: DuplicateAssignment) -> Response:
    """409: the couple already has this step active; the host confirms with
    ``allow_duplicate`` (docs/api.md, "Errors")."""
    return _raise_as_response(
        409,
        message=f"{error.message[:-1]} (assignment {error.existing_id}). "
        'Send "allow_duplicate": true to assign it again.',
        errors={"json": nest_field_errors(error.errors)},
        details={
            "existing_assignment_id": error.existing_id,
            "existing_starts_on": error.existing_starts_on.isoformat(),
        },
    )


def not_found(error: NotFound) -> Response:
    kind = str(error).rpartition(" ")[0] or "object"  # "couple session 7" → "couple session"
    return _raise_as_response(404, message=f"No such {kind} in this practice.")


def _raise_as_response(code: int, **data: Any) -> Response:
    try:
        abort(code, **data)
    except HTTPException as http_error:
        return error_response(http_error)
    raise AssertionError("abort always raises")  # pragma: no cover


def install_blueprint_handlers(bp: Blueprint) -> None:
    """Errors raised while one of the blueprint's routes handles a request."""
    bp.register_error_handler(HTTPException, error_response)
    bp.register_error_handler(InvalidInput, invalid_input)
    bp.register_error_handler(DuplicateAssignment, duplicate_assignment)
    bp.register_error_handler(NotFound, not_found)


def install_app_handlers(app: Flask, prefix: str) -> None:
    """404 and 405 that no route saw, and 413 for a body refused before routing
    (counselor/request_limits.py): JSON under the API prefix, the usual page elsewhere."""

    def outside_any_route(error: HTTPException) -> Any:
        if request.path == prefix or request.path.startswith(prefix + "/"):
            return error_response(error)
        page = current_app.error_handler_spec[None][None].get(HTTPException)
        return page(error) if page is not None else error

    for code in (404, 405, 413):
        app.register_error_handler(code, outside_any_route)
