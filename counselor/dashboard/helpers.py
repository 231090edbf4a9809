"""Small pieces the dashboard views share."""

from __future__ import annotations

from flask_login import current_user

from counselor.services.audit import Actor


def current_actor() -> Actor:
    return Actor.for_counselor(current_user)
