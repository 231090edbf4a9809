"""Compiled progress: snapshots written by the nightly job, read by the dashboard and reports."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from counselor.extensions import Model
from counselor.models.mixins import PracticeOwned
from counselor.models.types import UTCDateTime, enum_column, now_utc
from counselor.services.progress.readiness import ReadinessSignal, completion


class WeeklyProgress(PracticeOwned, Model):
    """One partner's figures for one step in one of their local weeks."""

    __tablename__ = "weekly_progress"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "partner_id", "week_start"),
        sa.Index("ix_weekly_progress_couple_week", "couple_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    week_start: Mapped[date]
    target: Mapped[int]
    done: Mapped[int]
    comfort_sum: Mapped[int] = mapped_column(default=0)
    comfort_count: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    @property
    def completion(self) -> float | None:
        return completion(self.done, self.target)


class PartnerWeek(PracticeOwned, Model):
    """One partner's whole week: every step together, the streak and the rung signal."""

    __tablename__ = "partner_weeks"
    __table_args__ = (
        sa.UniqueConstraint("partner_id", "week_start"),
        sa.Index("ix_partner_weeks_couple_week", "couple_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    week_start: Mapped[date]
    target: Mapped[int]
    done: Mapped[int]
    mean_comfort: Mapped[float | None]
    streak_weeks: Mapped[int] = mapped_column(default=0)
    signal: Mapped[ReadinessSignal | None] = mapped_column(enum_column(ReadinessSignal, length=24))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    @property
    def completion(self) -> float | None:
        return completion(self.done, self.target)


class ReminderEffect(PracticeOwned, Model):
    """Do reminders help this partner? Written by the nightly job over a rolling window,
    one row per partner and local weekday (0 Monday): reminders sent that weekday and how
    many were followed by the partner's check-in within 48 hours, beside comparable days
    without a reminder (services/progress/reminder_effect.py) and how many of those were."""

    __tablename__ = "reminder_effects"
    __table_args__ = (
        sa.UniqueConstraint("partner_id", "weekday"),
        sa.Index("ix_reminder_effects_practice", "practice_id"),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    weekday: Mapped[int] = mapped_column(sa.SmallInteger)
    window_start: Mapped[date]
    window_end: Mapped[date]
    reminders: Mapped[int] = mapped_column(default=0)
    reminders_followed: Mapped[int] = mapped_column(default=0)
    quiet_days: Mapped[int] = mapped_column(default=0)
    quiet_days_followed: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class ProgressCompilation(Model):
    """One run of the progress compile, across every practice: when it started and the
    window it compiled. The next run recompiles only the couples whose data changed since
    (services/progress/compile_changes.py), unless the window moved."""

    __tablename__ = "progress_compilations"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_week: Mapped[date]
    last_day: Mapped[date]  # the latest local day the run read (its partners' weeks' end)
    top_rung: Mapped[int | None]  # the ladder's highest position the signals were judged on
    # The ladder as the run read it (its rungs' latest change): rungs' positions set the
    # current rung of every couple, so a ladder synced since makes the next run full.
    ladder_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    couples: Mapped[int]
    only_changed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
