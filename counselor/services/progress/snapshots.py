"""Compiled progress read back: what the nightly compile (``progress.compile``) stored and
the live figures cannot see — a streak that started before the weeks they read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Partner, PartnerWeek

ONE_WEEK = timedelta(weeks=1)


def stored_streaks(partners: Iterable[Partner], first: date) -> dict[tuple[int, date], int]:
    """The stored streaks of the weeks just before ``first`` (a Monday; a week more either
    way, for partners in other time zones), so a live streak can be longer than the weeks
    it reads: (partner id, Monday) -> streak. One query."""
    ids = [p.id for p in partners]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(PartnerWeek.partner_id, PartnerWeek.week_start, PartnerWeek.streak_weeks).where(
            PartnerWeek.partner_id.in_(ids),
            PartnerWeek.week_start >= first - ONE_WEEK,
            PartnerWeek.week_start < first + ONE_WEEK,
        )
    )
    return {(partner_id, monday): streak for partner_id, monday, streak in rows}
