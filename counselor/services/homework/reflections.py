"""Reflections: what partners write with a check-in, and who may read it — the counselor
every one, a partner only what the other partner chose to share."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor.extensions import db
from counselor.models import Assignment, CheckIn, Partner, Visibility


def recent_reflections(couple_id: int, limit: int = 12) -> list[CheckIn]:
    """The couple's latest check-ins that carry a reflection, newest first: all of them,
    for the counselor."""
    query = _reflections(couple_id).options(
        selectinload(CheckIn.assignment), selectinload(CheckIn.partner)
    )
    return list(db.session.scalars(query.limit(limit)))


def reflections_shared_with(partner: Partner, limit: int = 5) -> list[CheckIn]:
    """Reflections the other partner chose to share — nothing else of theirs is shown."""
    query = _reflections(partner.couple_id).where(
        CheckIn.partner_id != partner.id, CheckIn.visibility == Visibility.SHARED
    )
    return list(db.session.scalars(query.limit(limit)))


def _reflections(couple_id: int) -> sa.Select[CheckIn]:
    """The couple's check-ins that carry a reflection, newest first."""
    return (
        sa.select(CheckIn)
        .join(Assignment)
        .where(Assignment.couple_id == couple_id, CheckIn.reflection.is_not(None))
        .order_by(CheckIn.occurred_on.desc(), CheckIn.id.desc())
    )
