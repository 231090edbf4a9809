"""The REST API for host systems under ``/api/v1`` (the contract: docs/api.md).

flask-smorest builds it from the marshmallow schemas in ``counselor.api.schemas``: they
validate input, shape output and generate the OpenAPI document at
``/api/v1/openapi.json``. Resources are thin: parse, call one service, dump.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Blueprint, abort
from webargs.flaskparser import FlaskParser

from counselor.extensions import csrf, rest_api

PREFIX = "/api/v1"


class JsonParser(FlaskParser):
    """webargs' parser, with JSON nested too deep for Python a 400 like any other bad JSON."""

    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            abort(400, messages={"json": ["Invalid JSON body: nested too deeply."]})


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = JsonParser()


bp = ApiBlueprint(
    "api",
    __name__,
    url_prefix=PREFIX,
    description="Couples, homework, check-ins, progress, sessions and reports of one practice.",
)


def register_api(app: Flask) -> None:
    """Bind the API to an app; ``register_extensions`` has initialised ``rest_api``, and
    ``url_input`` the ``<id:…>`` converter of its paths."""
    from counselor.api import docs

    csrf.exempt(bp)  # keys in headers, never cookies: nothing to forge
    errors.install_app_handlers(app, PREFIX)
    rest_api.register_blueprint(bp)
    app.register_blueprint(docs.bp)


from counselor.api import errors, guard  # noqa: E402

errors.install_blueprint_handlers(bp)
guard.install(bp)

from counselor.api.resources import (  # noqa: E402, F401
    acknowledgements,
    couple_data,
    couples,
    fhir,
    homework,
    ladder,
    reminder_effect,
    reports,
    webhooks,
    weekly_checkin,
)

__all__ = ["PREFIX", "bp", "register_api"]
