"""The API's documentation for people: a page rendered from the generated OpenAPI document
(no script, no CDN), beside the document itself at ``/api/v1/openapi.json``, and the
integration guide (``guide.py``). Both are public: they describe the API and hold no
practice's data or secret."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask.typing import ResponseReturnValue

from counselor.api import guide
from counselor.extensions import rest_api

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1", template_folder="templates")
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass(frozen=True)
class Answer:
    status: str
    description: str
    body: str
    headers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter]
    request_body: str
    answers: list[Answer]


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    required: bool
    notes: str


@bp.get("/docs")
def docs_page() -> str:
    spec = rest_api.spec.to_dict()
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=_operations(spec),
        schemas={name: _properties(s) for name, s in sorted(_components(spec, "schemas").items())},
    )


@bp.get("/guide")
def guide_page() -> ResponseReturnValue:
    """docs/integration.md as a page of the app."""
    try:
        rendered = guide.load_guide(_served_document)
    except guide.GuideMissing as error:
        current_app.logger.warning("%s", error)
        title = "The integration guide is not here"
        message = f"{error} The guide is part of the source checkout (docs/integration.md)."
        return render_template("errors/error.html", code=404, title=title, message=message), 404
    return render_template("api/guide.html", guide=rendered)


def _served_document(name: str) -> str | None:
    """The URL of a document the guide links to, when the app serves it."""
    endpoint = {"integration.md": "api_docs.guide_page", "api.md": "api_docs.docs_page"}.get(name)
    return url_for(endpoint) if endpoint else None


def _components(spec: dict[str, Any], kind: str) -> dict[str, Any]:
    return spec.get("components", {}).get(kind, {})


def _resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    ref = item.get("$ref", "")
    if ref.startswith("#/components/"):
        _, _, kind, name = ref.split("/", 3)
        return _components(spec, kind).get(name, {})
    return item


def _operations(spec: dict[str, Any]) -> list[Operation]:
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            params = [
                _resolve(spec, p) for p in [*item.get("parameters", []), *op.get("parameters", [])]
            ]
            body = op.get("requestBody", {}).get("content", {})
            operations.append(
                Operation(
                    anchor=f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                    method=method.upper(),
                    path=path,
                    summary=op.get("summary", ""),
                    description=op.get("description", ""),
                    parameters=[
                        Parameter(
                            p.get("name", ""),
                            p.get("in", ""),
                            bool(p.get("required")),
                            type_of(p.get("schema", {})),
                            "; ".join(
                                n
                                for n in (p.get("description", ""), notes_of(p.get("schema", {})))
                                if n
                            ),
                        )
                        for p in params
                    ],
                    request_body=", ".join(
                        f"{kind}: {type_of(media.get('schema', {}))}"
                        for kind, media in body.items()
                    ),
                    answers=_answers(spec, op.get("responses", {})),
                )
            )
    return operations


def _answers(spec: dict[str, Any], responses: dict[str, Any]) -> list[Answer]:
    answers = []
    for status, response in responses.items():
        resolved = _resolve(spec, response)
        content = resolved.get("content", {})
        answers.append(
            Answer(
                status=str(status),
                description=resolved.get("description", ""),
                body=", ".join(f"{k}: {type_of(v.get('schema', {}))}" for k, v in content.items()),
                headers=sorted(resolved.get("headers", {})),
            )
        )
    return answers


def _properties(schema: dict[str, Any]) -> list[Property]:
    required = set(schema.get("required", []))
    return [
        Property(name, type_of(prop), name in required, notes_of(prop))
        for name, prop in schema.get("properties", {}).items()
    ]


def type_of(schema: dict[str, Any]) -> str:
    """A short human name for a JSON schema: ``Couple``, ``array of Partner``, ``integer``…"""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "oneOf" in schema:
        return " or ".join(type_of(s) for s in schema["oneOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    if "format" in schema:
        kind = f"{kind} ({schema['format']})"
    if "enum" in schema:
        kind += ": " + " | ".join(str(v) for v in schema["enum"])
    return str(kind)


def notes_of(schema: dict[str, Any]) -> str:
    notes = []
    if schema.get("readOnly"):
        notes.append("read-only")
    if schema.get("nullable"):
        notes.append("may be null")
    for key, label in (("minimum", "min"), ("maximum", "max"), ("maxLength", "max length")):
        if key in schema:
            notes.append(f"{label} {schema[key]}")
    if "default" in schema:
        notes.append(f"default {schema['default']}")
    if schema.get("description"):
        notes.append(schema["description"])
    return "; ".join(notes)
