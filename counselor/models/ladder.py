"""The practical-steps ladder as rows, synced from ``counselor/ladder/ladder.toml``."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counselor.extensions import Model
from counselor.models.types import UTCDateTime, enum_column, now_utc


class TemplateWho(enum.StrEnum):
    EACH = "each"
    TOGETHER = "together"


class LadderRung(Model):
    __tablename__ = "ladder_rungs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger, unique=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    purpose: Mapped[str] = mapped_column(sa.Text)
    counselor_note: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # What partners read of the rung in other languages, from the ladder file:
    # {"es": {"title": …, "purpose": …}} (services/homework/step_language.py).
    translations: Mapped[dict | None] = mapped_column(sa.JSON)

    templates: Mapped[list[TaskTemplate]] = relationship(
        back_populates="rung", order_by="TaskTemplate.position"
    )

    def __repr__(self) -> str:
        return f"<LadderRung {self.key}>"


class TaskTemplate(Model):
    """A suggested step. ``version`` grows whenever its text changes on sync."""

    __tablename__ = "task_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    rung_id: Mapped[int] = mapped_column(sa.ForeignKey("ladder_rungs.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    title: Mapped[str] = mapped_column(sa.String(120))
    instructions: Mapped[str] = mapped_column(sa.Text)
    times_per_week: Mapped[int] = mapped_column(sa.SmallInteger)
    who: Mapped[TemplateWho] = mapped_column(enum_column(TemplateWho))
    version: Mapped[int] = mapped_column(default=1)
    retired: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Doing this step means turning toward the other partner, whatever its rung
    # (steps on rungs 2–5 always do; services/homework/leaning.py).
    leans_on_partner: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The step in other languages, from the ladder file: {"es": {"title": …, "instructions": …}}.
    translations: Mapped[dict | None] = mapped_column(sa.JSON)

    rung: Mapped[LadderRung] = relationship(back_populates="templates")

    def __repr__(self) -> str:
        return f"<TaskTemplate {self.key} v{self.version}>"


class WeeklyCheckinItem(Model):
    """One statement of the weekly healthy-dependence check-in, synced from the ladder file
    like a template: ``version`` grows whenever its words change; never deleted."""

    __tablename__ = "weekly_checkin_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    # What the partner rates, and the words at each end of the 1–5 scale.
    text: Mapped[str] = mapped_column(sa.String(240))
    low_label: Mapped[str] = mapped_column(sa.String(60))
    high_label: Mapped[str] = mapped_column(sa.String(60))
    version: Mapped[int] = mapped_column(default=1)
    retired: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # {"es": {"text": …, "low_label": …, "high_label": …}}, from the ladder file.
    translations: Mapped[dict | None] = mapped_column(sa.JSON)

    def __repr__(self) -> str:
        return f"<WeeklyCheckinItem {self.key} v{self.version}>"
