"""Client couples, their two partners, and their counselling sessions."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counselor.extensions import Model
from counselor.models.mixins import PracticeOwned
from counselor.models.practice import Counselor, Practice, ReminderCadence
from counselor.models.types import UTCDateTime, enum_column, now_utc


class CoupleStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


class Couple(PracticeOwned, Model):
    __tablename__ = "couples"
    __table_args__ = (sa.UniqueConstraint("practice_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    counselor_id: Mapped[int] = mapped_column(sa.ForeignKey("counselors.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    status: Mapped[CoupleStatus] = mapped_column(
        enum_column(CoupleStatus), default=CoupleStatus.ACTIVE
    )
    external_id: Mapped[str | None] = mapped_column(sa.String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)
    # When the couple was closed (retention counts from here) and when its client text was
    # erased, on request or by the retention purge.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None: the practice's choice (Practice.reveal_together); True/False overrides it.
    reveal_together: Mapped[bool | None]
    # The weekly healthy-dependence check-in, turned on by the counselor per couple.
    weekly_checkin: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    practice: Mapped[Practice] = relationship()
    counselor: Mapped[Counselor] = relationship()
    partners: Mapped[list[Partner]] = relationship(
        back_populates="couple", order_by="Partner.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Couple {self.id}>"


class Partner(Model):
    __tablename__ = "partners"
    __table_args__ = (
        sa.UniqueConstraint("couple_id", "position"),
        sa.CheckConstraint("position IN (1, 2)", name="two_partners"),
        sa.CheckConstraint("reminder_hour BETWEEN 0 AND 23", name="reminder_hour"),
        sa.CheckConstraint("quiet_start_hour BETWEEN 0 AND 23", name="quiet_start"),
        sa.CheckConstraint("quiet_end_hour BETWEEN 0 AND 23", name="quiet_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    email: Mapped[str] = mapped_column(sa.String(254))
    timezone: Mapped[str] = mapped_column(sa.String(64))
    reminder_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=18)
    quiet_start_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=21)
    quiet_end_hour: Mapped[int] = mapped_column(sa.SmallInteger, default=8)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # This partner's own reminder cadence; None: the practice's. Adaptive cadence sets it
    # to gentle (``cadence_lowered_at``) when reminders have not been followed by check-ins.
    reminder_cadence: Mapped[ReminderCadence | None] = mapped_column(enum_column(ReminderCadence))
    cadence_lowered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When this partner's cadence last changed (lowered, or put back on the practice's):
    # whether reminders help is measured only since, within one cadence state.
    cadence_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What this partner reads their page and emails in: a BCP 47 tag the service has a
    # catalogue for (counselor/i18n.py LANGUAGES), set by the counselor or the partner.
    language: Mapped[str] = mapped_column(sa.String(35), default="en", server_default="en")

    couple: Mapped[Couple] = relationship(back_populates="partners")

    def __repr__(self) -> str:
        return f"<Partner {self.id}>"


def other_partner(partner: Partner) -> Partner | None:
    """The partner's partner (``None`` only for a couple without a second): whose name a
    partner's page uses ("Let José read this"), and whose reflections it may read. Here,
    below every service, so that any of them can ask."""
    return next((p for p in partner.couple.partners if p.id != partner.id), None)


class CoupleSession(PracticeOwned, Model):
    """An appointment of the couple with their counselor ("Session" in docs/design.md)."""

    __tablename__ = "couple_sessions"
    __table_args__ = (
        sa.UniqueConstraint("practice_id", "external_id"),
        sa.Index("ix_couple_sessions_couple_starts", "couple_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    external_id: Mapped[str | None] = mapped_column(sa.String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Removed by the counselor: kept so that the removal can be undone.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The counselor's own words, never in any email: what to cover (before the session) and
    # private notes (after it). Both reach the pre-session report; both are client text,
    # so erasure and retention clear them.
    agenda: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    couple: Mapped[Couple] = relationship()

    def __repr__(self) -> str:
        return f"<CoupleSession {self.id}>"
