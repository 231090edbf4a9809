"""The audit trail: one event for every write, for every read of a couple's data, and for
every sign-in, second factor, password change and export. Rows are only ever added: no
code path updates or deletes one (on PostgreSQL a trigger refuses it; on SQLite the test
suite fails any statement that tries, tests/support/audit_guard.py). Reading and exporting
the trail: ``services/audit_log.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import has_request_context, request

from counselor.extensions import db
from counselor.models import AuditEvent, Counselor

IP_MAX = 45  # the column's width: the longest IPv6 text form


@dataclass(frozen=True)
class Actor:
    """Who is acting, and so which practice every query is scoped to."""

    kind: str  # "counselor", "partner", "api_key", "system" or "anonymous"
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
    that the change can be found again (services/couples/links.py: undoing *Revoke links*).
    In a request, the event carries the client's address (``request.remote_addr``: behind
    a proxy, the address Werkzeug's ``ProxyFix`` took from it, when configured)."""
    db.session.add(
        AuditEvent(
            practice_id=actor.practice_id,
            actor_type=actor.kind,
            actor_id=actor.id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            ip=request_ip(),
            **({"at": at} if at is not None else {}),
        )
    )


def request_ip() -> str | None:
    """The acting request's client address, if a request is acting (not a task or command)."""
    if not has_request_context():
        return None
    address = request.remote_addr
    return address[:IP_MAX] if address else None
