"""The few queries behind a couple's FHIR Bundle, in one place: whatever the couple holds,
its rows come in ``STATEMENTS`` statements (tests/api/test_fhir_bundle.py counts them).

Every query runs in the caller's scope (``counselor/tenancy.py``): the practice, and the
counselor's own couples for a key limited to a counselor.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from counselor.extensions import db
from counselor.models import (
    Assignment,
    CheckIn,
    Couple,
    Partner,
    Practice,
    WeeklyAnswer,
    WeeklyCheckinItem,
)
from counselor.services.homework import step_origin

# The practice's slug, the partners, the steps with their rungs and ladder rows, the
# check-ins and the weekly answers with their items' keys: one statement each.
STATEMENTS = 5


@dataclass(frozen=True)
class WeeklyAnswerRow:
    answer: WeeklyAnswer
    item_key: str
    item_position: int


@dataclass(frozen=True)
class CoupleRows:
    """What a couple's Bundle is made of, loaded by ``couple_rows``."""

    couple: Couple
    practice_slug: str
    partners: list[Partner]
    assignments: list[Assignment]  # oldest first, with its rung and ladder rows loaded
    checkins: list[CheckIn]  # by day, then as recorded
    weekly_answers: list[WeeklyAnswerRow]  # by partner, week and item


def couple_rows(couple: Couple) -> CoupleRows:
    """The couple's rows (``couple`` loaded by the edge, in its scope)."""
    slug = db.session.scalar(sa.select(Practice.slug).where(Practice.id == couple.practice_id))
    partners = list(
        db.session.scalars(
            sa.select(Partner).where(Partner.couple_id == couple.id).order_by(Partner.position)
        )
    )
    assignments = list(
        db.session.scalars(
            sa.select(Assignment)
            .options(joinedload(Assignment.rung), *step_origin.ORIGIN_LOADS)
            .where(Assignment.couple_id == couple.id)
            .order_by(Assignment.id)
        )
    )
    checkins = list(
        db.session.scalars(
            sa.select(CheckIn)
            .join(Assignment, Assignment.id == CheckIn.assignment_id)
            .where(Assignment.couple_id == couple.id)
            .order_by(CheckIn.occurred_on, CheckIn.id)
        )
    )
    answers = db.session.execute(
        sa.select(WeeklyAnswer, WeeklyCheckinItem.key, WeeklyCheckinItem.position)
        .join(WeeklyCheckinItem, WeeklyCheckinItem.id == WeeklyAnswer.item_id)
        .where(WeeklyAnswer.couple_id == couple.id)
        .order_by(
            WeeklyAnswer.partner_id,
            WeeklyAnswer.week_start,
            WeeklyCheckinItem.position,
            WeeklyCheckinItem.id,
        )
    )
    return CoupleRows(
        couple=couple,
        practice_slug=slug or "",
        partners=partners,
        assignments=assignments,
        checkins=checkins,
        weekly_answers=[WeeklyAnswerRow(a, key, position) for a, key, position in answers],
    )
