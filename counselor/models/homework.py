"""Homework given to a couple (assignments) and partners doing it (check-ins)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counselor.extensions import Model
from counselor.models.couples import Couple, Partner
from counselor.models.ladder import LadderRung, TaskTemplate
from counselor.models.mixins import PracticeOwned
from counselor.models.types import UTCDateTime, enum_column, now_utc

if TYPE_CHECKING:  # models/practice_ladder.py imports models/ladder.py; named by string below
    from counselor.models.practice_ladder import PracticeTemplate


class Assignee(enum.StrEnum):
    EACH = "each"  # both partners, each with the weekly target
    TOGETHER = "together"  # one joint target; either partner's check-in counts
    PARTNER = "partner"  # only ``assignee_partner_id``


class AssignmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Assignment(PracticeOwned, Model):
    __tablename__ = "assignments"
    __table_args__ = (
        sa.CheckConstraint("times_per_week BETWEEN 1 AND 14", name="times_per_week"),
        sa.CheckConstraint("due_on IS NULL OR due_on >= starts_on", name="due_after_start"),
        sa.CheckConstraint(
            "(assignee = 'partner') = (assignee_partner_id IS NOT NULL)", name="assignee_partner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    rung_id: Mapped[int] = mapped_column(sa.ForeignKey("ladder_rungs.id"))
    template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task_templates.id"))
    template_version: Mapped[int | None]
    # A snapshot: later edits of the ladder file never change homework already given.
    title: Mapped[str] = mapped_column(sa.String(120))
    instructions: Mapped[str] = mapped_column(sa.Text)
    assignee: Mapped[Assignee] = mapped_column(enum_column(Assignee))
    assignee_partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    times_per_week: Mapped[int] = mapped_column(sa.SmallInteger)
    starts_on: Mapped[date]
    due_on: Mapped[date | None]
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus), default=AssignmentStatus.ACTIVE
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counselors.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The practice's local date when the step was completed or cancelled: its last day.
    ended_on: Mapped[date | None]
    # A snapshot, like the text: checking this step off is leaning on the other partner,
    # who is then invited to acknowledge it (services/homework/leaning.py).
    leans_on_partner: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Where the text came from when the practice's ladder gave it (an override or the
    # practice's own step), and the step's text in other languages as given, a snapshot
    # like the title: {"es": {"title": …, "instructions": …}}.
    practice_template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practice_templates.id"))
    practice_template_version: Mapped[int | None]
    translations: Mapped[dict | None] = mapped_column(sa.JSON)
    # The title and instructions are the ladder's as given (the base's or the practice's),
    # not words written or reworded for this couple. Words written for a couple are
    # clinical text: an API key without the clinical_text scope never receives them.
    words_from_ladder: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    couple: Mapped[Couple] = relationship()
    rung: Mapped[LadderRung] = relationship()
    template: Mapped[TaskTemplate | None] = relationship()
    # The practice's text it was given in (an override, or a step of the practice's own).
    practice_template: Mapped[PracticeTemplate | None] = relationship("PracticeTemplate")
    assignee_partner: Mapped[Partner | None] = relationship()

    def __repr__(self) -> str:
        return f"<Assignment {self.id}>"


class Visibility(enum.StrEnum):
    COUNSELOR = "counselor"  # only the counselor reads the reflection
    SHARED = "shared"  # the other partner may read it too


class CheckInSource(enum.StrEnum):
    LINK = "link"
    DASHBOARD = "dashboard"
    API = "api"


class CheckIn(PracticeOwned, Model):
    __tablename__ = "checkins"
    __table_args__ = (
        # The same submission twice (double click, replay, retry) is one check-in.
        sa.UniqueConstraint("partner_id", "idempotency_key"),
        sa.CheckConstraint("comfort IS NULL OR comfort BETWEEN 1 AND 5", name="comfort"),
        sa.Index("ix_checkins_assignment_day", "assignment_id", "occurred_on"),
        sa.Index("ix_checkins_practice_day", "practice_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    occurred_on: Mapped[date]
    comfort: Mapped[int | None] = mapped_column(sa.SmallInteger)
    reflection: Mapped[str | None] = mapped_column(sa.Text)
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility), default=Visibility.COUNSELOR
    )
    source: Mapped[CheckInSource] = mapped_column(enum_column(CheckInSource))
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # The partner changed it afterwards (they may, for 7 days).
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The partner took back a shared reflection: the other partner no longer sees it; the
    # counselor still does, marked as withdrawn.
    reflection_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assignment: Mapped[Assignment] = relationship()
    partner: Mapped[Partner] = relationship()

    def __repr__(self) -> str:
        return f"<CheckIn {self.id}>"
