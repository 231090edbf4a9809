"""Where many couples stand now, in a fixed number of queries: each partner's figures for
this week and the couple's readiness, judged live by ``week_rules.couple_readiness`` (the
couples list; the couple page, the API and the report call the same function on their own
reads).

Four statements whatever the number of couples: the steps that can count in the judged
weeks (and every active one, which sets the current rung), their rungs, the check-ins of
those weeks per step, partner and day, and the ladder's top rung.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor.extensions import db
from counselor.models import Assignment, AssignmentStatus, Couple
from counselor.services.homework import ladder
from counselor.services.progress import readiness, week_rules


@dataclass(frozen=True)
class CoupleNow:
    couple: Couple
    assignments: list[Assignment]  # the steps that count now or set the current rung
    this_week: dict[int, week_rules.WeekFigure]  # by partner id, in the partner's week
    readiness: readiness.CoupleReadiness


def couples_now(couples: list[Couple], now: datetime | None = None) -> dict[int, CoupleNow]:
    """Each couple's figures this week and its readiness, by couple id (partners loaded)."""
    if not couples:
        return {}
    partners = [p for c in couples for p in c.partners]
    first, last = week_rules.readiness_window(partners, now)
    by_couple: dict[int, list[Assignment]] = {c.id: [] for c in couples}
    for assignment in db.session.scalars(
        sa.select(Assignment)
        .where(Assignment.couple_id.in_(list(by_couple)), steps_that_count_now(first, last))
        .order_by(Assignment.id)
        .options(selectinload(Assignment.rung))
    ):
        by_couple[assignment.couple_id].append(assignment)
    day_counts = week_rules.checkin_day_counts(
        (a.id for steps in by_couple.values() for a in steps), first, last
    )
    top_rung = ladder.top_rung_position()
    return {
        couple.id: CoupleNow(
            couple,
            by_couple[couple.id],
            {
                p.id: week_rules.partner_week(
                    p.id, by_couple[couple.id], week_rules.partner_current_week(p, now), day_counts
                )
                for p in couple.partners
            },
            week_rules.couple_readiness(
                couple.partners, by_couple[couple.id], day_counts, top_rung, now
            ),
        )
        for couple in couples
    }


def steps_that_count_now(first: date, last: date) -> sa.ColumnElement[bool]:
    """The steps that can count between two local dates (the weeks judged and the week in
    progress), and every active one, which sets the current rung: what the figures of
    "now" are computed on (the couples list reads its steps with this too)."""
    may_count = sa.and_(
        Assignment.starts_on <= last,
        sa.func.coalesce(Assignment.ended_on, Assignment.due_on, first) >= first,
    )
    return sa.or_(Assignment.status == AssignmentStatus.ACTIVE, may_count)
