"""The export's parts for what comes back from the couple (issue 15): the leaned-on
partner's acknowledgements, the single replies to reflections, the weekly check-in's
answers, and the nightly reminder figures. Kept apart from ``export`` so that each module
stays readable; ``export.export_couple`` puts them in the one document.

Each part is one query, however many rows the couple has, scoped to the couple like the
rest of the document. An acknowledgement has no couple of its own: it belongs to the
couple of the check-in it answers.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    Acknowledgement,
    Assignment,
    CheckIn,
    ReflectionReply,
    ReminderEffect,
    WeeklyAnswer,
    WeeklyCheckinItem,
)

Document = dict[str, Any]


def acknowledgements(couple_id: int) -> list[Document]:
    """The leaned-on partner's answers, with their note (client text; None once erased)."""
    rows = db.session.scalars(
        sa.select(Acknowledgement)
        .join(CheckIn, CheckIn.id == Acknowledgement.checkin_id)
        .join(Assignment, Assignment.id == CheckIn.assignment_id)
        .where(Assignment.couple_id == couple_id)
        .order_by(Acknowledgement.id)
    )
    return [
        {
            "id": a.id,
            "checkin_id": a.checkin_id,
            "partner_id": a.partner_id,
            "noticed": a.noticed.value,
            "felt_valued": a.felt_valued,
            "note": a.note,
            "visibility": a.visibility.value,
            "created_at": a.created_at,
        }
        for a in rows
    ]


def reflection_replies(couple_id: int) -> list[Document]:
    """The other partner's and the counselor's replies, taken back ones too (``removed_at``),
    with their words (client text; "" once erased)."""
    rows = db.session.scalars(
        sa.select(ReflectionReply)
        .where(ReflectionReply.couple_id == couple_id)
        .order_by(ReflectionReply.id)
    )
    return [
        {
            "id": r.id,
            "checkin_id": r.checkin_id,
            "kind": r.kind.value,
            "partner_id": r.partner_id,
            "counselor_id": r.counselor_id,
            "body": r.body,
            "created_at": r.created_at,
            "removed_at": r.removed_at,
        }
        for r in rows
    ]


def weekly_answers(couple_id: int) -> list[Document]:
    """Each partner's 1–5 answers, named by the item's key and the version answered (its
    words are the ladder file's, not the couple's)."""
    rows = db.session.execute(
        sa.select(WeeklyAnswer, WeeklyCheckinItem.key)
        .join(WeeklyCheckinItem, WeeklyCheckinItem.id == WeeklyAnswer.item_id)
        .where(WeeklyAnswer.couple_id == couple_id)
        .order_by(WeeklyAnswer.week_start, WeeklyAnswer.partner_id, WeeklyCheckinItem.position)
    )
    return [
        {
            "partner_id": w.partner_id,
            "week_start": w.week_start,
            "item_key": item_key,
            "item_version": w.item_version,
            "score": w.score,
            "created_at": w.created_at,
            "updated_at": w.updated_at,
        }
        for w, item_key in rows
    ]


def reminder_effects(couple_id: int) -> list[Document]:
    """The nightly figures of whether reminders are followed by check-ins, per partner
    and weekday (0 Monday)."""
    rows = db.session.scalars(
        sa.select(ReminderEffect)
        .where(ReminderEffect.couple_id == couple_id)
        .order_by(ReminderEffect.partner_id, ReminderEffect.weekday)
    )
    return [
        {
            "partner_id": e.partner_id,
            "weekday": e.weekday,
            "window_start": e.window_start,
            "window_end": e.window_end,
            "reminders": e.reminders,
            "reminders_followed": e.reminders_followed,
            "quiet_days": e.quiet_days,
            "quiet_days_followed": e.quiet_days_followed,
            "computed_at": e.computed_at,
        }
        for e in rows
    ]
