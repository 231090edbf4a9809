"""Who did what to which record. Never holds client text or secrets."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from counselor.extensions import Model
from counselor.models.mixins import PracticeOwned
from counselor.models.types import UTCDateTime, now_utc


class AuditEvent(PracticeOwned, Model):
    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_practice_at", "practice_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practices.id"))
    actor_type: Mapped[str] = mapped_column(sa.String(16))  # counselor, partner, api_key, system
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(sa.String(64))  # e.g. "couple.view", "assignment.create"
    object_type: Mapped[str] = mapped_column(sa.String(32))
    object_id: Mapped[int | None]
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    ip: Mapped[str | None] = mapped_column(sa.String(45))  # of the request, if one acted

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"
