"""A practice's own ladder: its changes on top of the shipped one (the base).

The base (``LadderRung``, ``TaskTemplate``) stays as ``ladder sync`` writes it. A practice
overrides a base template's words, times or assignee, adds steps of its own to a rung,
retires a step, or writes its own counselor note for a rung; the effective ladder is the
base with these applied (``services/homework/practice_ladder.py``).

What is kept: every change adds a ``PracticeLadderChange`` (who, when, what, and the words
after it), and the history is never changed or deleted. A ``PracticeTemplate`` is never
deleted either: retiring flags it, *Restore the base text* sets its fields to None (the
replaced words stay in that change's snapshot, for *Undo*), and assignments point to it.
The one row deleted is a ``PracticeRungNote``, when an owner goes back to the base's note
for the rung; its words stay in the history (the ``rung_note`` change that wrote them)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counselor.extensions import Model
from counselor.models.ladder import LadderRung, TaskTemplate, TemplateWho
from counselor.models.mixins import PracticeOwned
from counselor.models.types import UTCDateTime, enum_column, now_utc


class PracticeTemplate(PracticeOwned, Model):
    """A practice's version of a step: an override of a base template
    (``base_template_id`` set; a None field keeps the base's value) or a step of the
    practice's own (``base_template_id`` None; every field set).

    ``version`` grows with every change of the words. ``base_version`` is the base
    template's version the override was written against (or last reviewed at): when the
    base's version has moved past it, the base was updated under the override."""

    __tablename__ = "practice_templates"
    __table_args__ = (
        sa.UniqueConstraint("practice_id", "key"),
        sa.CheckConstraint(
            "times_per_week IS NULL OR times_per_week BETWEEN 1 AND 14",
            name="practice_times_per_week",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    base_template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task_templates.id"))
    rung_id: Mapped[int] = mapped_column(sa.ForeignKey("ladder_rungs.id"))
    # The base template's key for an override; the practice's own key for its own step,
    # "p-…" (``counselor.ladder.OWN_KEY_PREFIX``, which no key of the ladder file may have).
    key: Mapped[str] = mapped_column(sa.String(64))
    # Where the practice's own step sits in its rung, after the base's steps.
    position: Mapped[int | None] = mapped_column(sa.SmallInteger)
    title: Mapped[str | None] = mapped_column(sa.String(120))
    instructions: Mapped[str | None] = mapped_column(sa.Text)
    times_per_week: Mapped[int | None] = mapped_column(sa.SmallInteger)
    who: Mapped[TemplateWho | None] = mapped_column(enum_column(TemplateWho))
    leans_on_partner: Mapped[bool | None]
    # The practice's words in other languages: {"es": {"title": …, "instructions": …}}.
    translations: Mapped[dict | None] = mapped_column(sa.JSON)
    retired: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    base_version: Mapped[int | None]
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counselors.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)

    base_template: Mapped[TaskTemplate | None] = relationship()
    rung: Mapped[LadderRung] = relationship()

    def __repr__(self) -> str:
        return f"<PracticeTemplate {self.key} v{self.version}>"


class PracticeRungNote(PracticeOwned, Model):
    """The practice's own counselor note for a rung, shown instead of the base's. Deleted
    when an owner goes back to the base's note; the history keeps its words."""

    __tablename__ = "practice_rung_notes"
    __table_args__ = (sa.UniqueConstraint("practice_id", "rung_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    rung_id: Mapped[int] = mapped_column(sa.ForeignKey("ladder_rungs.id"))
    counselor_note: Mapped[str] = mapped_column(sa.Text)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counselors.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)


class LadderChangeKind(enum.StrEnum):
    OVERRIDDEN = "overridden"  # a base step's words, times or assignee changed
    ADDED = "added"  # a step of the practice's own
    EDITED = "edited"  # the practice's own step changed
    RETIRED = "retired"
    RETURNED = "returned"  # a retired step brought back
    BASE_RESTORED = "base_restored"  # an override undone
    BASE_REVIEWED = "base_reviewed"  # the owner kept the override after the base changed
    RUNG_NOTE = "rung_note"  # the practice's counselor note written or changed
    RUNG_NOTE_RESTORED = "rung_note_restored"  # back to the base's note


class PracticeLadderChange(PracticeOwned, Model):
    """One change of a practice's ladder, for its history: who, when, what, and the
    step's (or note's) effective words after it (``snapshot``)."""

    __tablename__ = "practice_ladder_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    rung_id: Mapped[int] = mapped_column(sa.ForeignKey("ladder_rungs.id"))
    practice_template_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practice_templates.id"))
    template_key: Mapped[str | None] = mapped_column(sa.String(64))
    kind: Mapped[LadderChangeKind] = mapped_column(enum_column(LadderChangeKind, length=24))
    version: Mapped[int | None]
    snapshot: Mapped[dict | None] = mapped_column(sa.JSON)
    counselor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counselors.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
