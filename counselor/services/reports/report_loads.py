"""What a pre-session report reads from the database, set-based: the couple with its
practice, counselor and partners in one statement; the ladder's rungs with the couple's
steps in one; every check-in of the weeks the report reads in one. The figures are then
worked out from these rows by the week rules (``counselor.services.progress.week_rules``),
as the dashboard and the API work them out: nothing here decides done, target, streak or
readiness.

Every statement goes through the ORM, so the practice's scope (``counselor.tenancy``)
applies to it as to any other; another practice's couple is not found.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only

from counselor.extensions import db
from counselor.models import Assignment, CheckIn, Couple, LadderRung
from counselor.services.errors import NotFound
from counselor.services.progress import week_rules


def load_couple(couple_id: int) -> Couple:
    """The couple with its practice, counselor and partners (in their order), in one
    statement; ``NotFound`` when the current practice may not see it (as
    ``tenancy.get_in_practice``)."""
    couple = (
        db.session.scalars(
            sa.select(Couple)
            .filter_by(id=couple_id)
            .options(
                joinedload(Couple.practice),
                joinedload(Couple.counselor),
                joinedload(Couple.partners),
            )
        )
        .unique()
        .one_or_none()
    )
    if couple is None:
        raise NotFound(f"couple {couple_id}")
    return couple


def load_steps(couple_id: int) -> tuple[list[LadderRung], list[Assignment]]:
    """Every rung of the ladder in order, and the couple's steps (each with its rung: a
    step's ``rung`` is read from the rungs loaded here, without a statement of its own),
    ordered by rung id, then id. One statement."""
    rows = db.session.execute(
        sa.select(LadderRung, Assignment)
        .outerjoin(
            Assignment,
            sa.and_(Assignment.rung_id == LadderRung.id, Assignment.couple_id == couple_id),
        )
        .order_by(LadderRung.position, Assignment.id)
    ).all()
    rungs = list(dict.fromkeys(rung for rung, _ in rows))
    steps = sorted((step for _, step in rows if step is not None), key=lambda a: (a.rung_id, a.id))
    return rungs, steps


@dataclass(frozen=True)
class CheckInRows:
    """A couple's check-ins from a Monday on, read once and handed out in the shapes the
    report reads: per-day counts for the week rules, comfort ratings per partner, and the
    newest reflections."""

    rows: list[CheckIn]

    def day_counts(self, last: date) -> week_rules.DayCounts:
        """Check-ins per step, partner and local day up to ``last``: the shape
        ``week_rules.checkin_day_counts`` gives, counted from the rows already read."""
        counts: week_rules.DayCounts = defaultdict(dict)
        for row in self.rows:
            if row.occurred_on <= last:
                per_day = counts[(row.assignment_id, row.partner_id)]
                per_day[row.occurred_on] = per_day.get(row.occurred_on, 0) + 1
        return counts

    def comforts(self) -> dict[int, list[tuple[date, int]]]:
        """Each partner's comfort ratings with their days."""
        by_partner: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for row in self.rows:
            if row.comfort is not None:
                by_partner[row.partner_id].append((row.occurred_on, row.comfort))
        return by_partner

    def reflections(self, since: date, limit: int) -> list[CheckIn]:
        """The newest ``limit`` check-ins from ``since`` on with a reflection, newest first."""
        written = [r for r in self.rows if r.reflection is not None and r.occurred_on >= since]
        written.sort(key=lambda r: (r.occurred_on, r.id), reverse=True)
        return written[:limit]


def load_check_ins(couple_id: int, first: date, last: date) -> CheckInRows:
    """The check-ins on the couple's steps between two local dates, with only the columns
    the report reads (the reflection's text among them: the report prints it). One
    statement."""
    rows = db.session.scalars(
        sa.select(CheckIn)
        .join(Assignment, Assignment.id == CheckIn.assignment_id)
        .where(
            Assignment.couple_id == couple_id,
            CheckIn.occurred_on >= first,
            CheckIn.occurred_on <= last,
        )
        .options(
            load_only(
                CheckIn.assignment_id,
                CheckIn.partner_id,
                CheckIn.occurred_on,
                CheckIn.comfort,
                CheckIn.reflection,
                CheckIn.visibility,
                CheckIn.reflection_withdrawn_at,
            )
        )
    ).all()
    return CheckInRows(list(rows))
