"""Small pieces the dashboard views share."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from counselor.services.audit import Actor
from counselor.services.errors import NotFound


def current_actor() -> Actor:
    return Actor.for_counselor(current_user)


def or_404(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a lookup; another practice's object and a missing one both answer 404."""
    try:
        return call(*args, **kwargs)
    except NotFound:
        abort(404)
