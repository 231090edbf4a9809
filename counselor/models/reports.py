"""Pre-session reports: one row per generated (or failed) PDF."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counselor.extensions import Model
from counselor.models.couples import Couple, CoupleSession
from counselor.models.mixins import PracticeOwned
from counselor.models.types import UTCDateTime, enum_column, now_utc


class ReportStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class Report(PracticeOwned, Model):
    __tablename__ = "reports"
    __table_args__ = (sa.Index("ix_reports_couple_created", "couple_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"))
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("couple_sessions.id"))
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus), default=ReportStatus.PENDING
    )
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    # A digest of the data the PDF was made from: the same data is never rendered twice.
    data_fingerprint: Mapped[str | None] = mapped_column(sa.String(64))
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    size_bytes: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.String(300))
    requested_by: Mapped[str] = mapped_column(sa.String(32))  # "schedule", "counselor:3", …
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    generated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When a worker last began rendering it (or the sweep handed it over again): a report
    # still pending long after this lost its worker (REPORT_RENDER_LEASE_SECONDS) and is
    # rendered again, at most a few times.
    render_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    render_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # The PDF was deleted by the retention purge (or an erasure); the row stays.
    file_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    couple: Mapped[Couple] = relationship()
    session: Mapped[CoupleSession | None] = relationship()

    def __repr__(self) -> str:
        return f"<Report {self.id} {self.status}>"
