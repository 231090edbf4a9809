"""Small pieces the dashboard views share."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from flask_wtf import FlaskForm

from counselor.services.audit import Actor
from counselor.services.errors import InvalidInput, NotFound


def current_actor() -> Actor:
    return Actor.for_counselor(current_user)


def or_404(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a lookup; another practice's object and a missing one both answer 404."""
    try:
        return call(*args, **kwargs)
    except NotFound:
        abort(404)


def show_errors(
    form: FlaskForm, error: InvalidInput, aliases: dict[str, str] | None = None
) -> None:
    """Put each service message next to its field (``partners.0.email`` → that subfield)."""
    aliases = aliases or {}
    for name, messages in error.errors.items():
        field = _find_field(form, aliases.get(name, name))
        if field is None:
            form.form_errors.extend(messages)
        else:
            field.errors = [*list(field.errors or []), *messages]


def _find_field(form: Any, dotted: str) -> Any:
    node = form
    for part in dotted.split("."):
        try:
            node = node[int(part)] if part.isdigit() else getattr(node, part)
        except (AttributeError, IndexError, KeyError, TypeError):
            return None
    return node if hasattr(node, "errors") else None
