"""The audit trail: one event for every write and for every view of a couple's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counselor.extensions import db
from counselor.models import AuditEvent, Counselor


@dataclass(frozen=True)
class Actor:
    """Who is acting, and so which practice every query is scoped to."""

    kind: str  # "counselor", "partner", "api_key" or "system"
    id: int | None
    practice_id: int

    @classmethod
    def for_counselor(cls, counselor: Counselor) -> Actor:
        return cls("counselor", counselor.id, counselor.practice_id)

    @classmethod
    def system(cls, practice_id: int) -> Actor:
        return cls("system", None, practice_id)


def record_event(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int | None,
    *,
    at: datetime | None = None,
) -> None:
    """Add an audit event to the current transaction; it commits with the change it records.
    ``at`` (default now) lets an event carry the exact time its change stamped on rows, so
    that the change can be found again (services/couples/links.py: undoing *Revoke links*)."""
    db.session.add(
        AuditEvent(
            practice_id=actor.practice_id,
            actor_type=actor.kind,
            actor_id=actor.id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            **({"at": at} if at is not None else {}),
        )
    )
