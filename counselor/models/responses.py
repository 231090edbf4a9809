"""What comes back: the leaned-on partner's acknowledgement of a leaning act, a reply to a
reflection, and the weekly healthy-dependence check-in's answers."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counselor.extensions import Model
from counselor.models.couples import Partner
from counselor.models.homework import CheckIn, Visibility
from counselor.models.ladder import WeeklyCheckinItem
from counselor.models.mixins import PracticeOwned
from counselor.models.types import UTCDateTime, enum_column, now_utc


class Noticed(enum.StrEnum):
    YES = "yes"
    NOT_SURE = "not_sure"
    NO = "no"


class Acknowledgement(PracticeOwned, Model):
    """The other partner's answer to a check-in that leaned on them: did they notice, how
    valued they felt, and a note. Counselor only unless its partner shares it."""

    __tablename__ = "acknowledgements"
    __table_args__ = (
        sa.CheckConstraint(
            "felt_valued IS NULL OR felt_valued BETWEEN 1 AND 5", name="felt_valued"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    # One acknowledgement per leaning act.
    checkin_id: Mapped[int] = mapped_column(sa.ForeignKey("checkins.id"), unique=True)
    # The partner who was leaned on and answers.
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    noticed: Mapped[Noticed] = mapped_column(enum_column(Noticed, length=10))
    felt_valued: Mapped[int | None] = mapped_column(sa.SmallInteger)
    note: Mapped[str | None] = mapped_column(sa.Text)
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility), default=Visibility.COUNSELOR
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    checkin: Mapped[CheckIn] = relationship()
    partner: Mapped[Partner] = relationship()

    def __repr__(self) -> str:
        return f"<Acknowledgement {self.id}>"


class ReplyKind(enum.StrEnum):
    PARTNER = "partner"  # the other partner's one reply to a shared reflection
    COUNSELOR = "counselor"  # the counselor's short note on any reflection


class ReflectionReply(PracticeOwned, Model):
    """A single answer to a reflection — not a thread: at most one of each kind."""

    __tablename__ = "reflection_replies"
    __table_args__ = (
        sa.UniqueConstraint("checkin_id", "kind"),
        sa.CheckConstraint(
            "(kind = 'partner') = (partner_id IS NOT NULL)"
            " AND (kind = 'counselor') = (counselor_id IS NOT NULL)",
            name="one_author",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    # The reflection's couple: scopes the counselor's notes (no partner_id) to the couple.
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"), index=True)
    checkin_id: Mapped[int] = mapped_column(sa.ForeignKey("checkins.id"), index=True)
    kind: Mapped[ReplyKind] = mapped_column(enum_column(ReplyKind, length=10))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    counselor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counselors.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Taken back (by its author): hidden from the partner, kept so it can be restored.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    checkin: Mapped[CheckIn] = relationship()

    def __repr__(self) -> str:
        return f"<ReflectionReply {self.id} {self.kind}>"


class WeeklyAnswer(PracticeOwned, Model):
    """One partner's 1–5 answer to one weekly check-in item for one of their local weeks."""

    __tablename__ = "weekly_answers"
    __table_args__ = (
        sa.UniqueConstraint("partner_id", "week_start", "item_id"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        sa.Index("ix_weekly_answers_couple_week", "couple_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    couple_id: Mapped[int] = mapped_column(sa.ForeignKey("couples.id"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    week_start: Mapped[date]
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("weekly_checkin_items.id"))
    # The item's words as answered: later edits of the ladder file never change an answer.
    item_version: Mapped[int]
    score: Mapped[int] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)

    item: Mapped[WeeklyCheckinItem] = relationship()

    def __repr__(self) -> str:
        return f"<WeeklyAnswer {self.id}>"
