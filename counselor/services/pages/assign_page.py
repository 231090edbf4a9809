"""What the assign page shows beside the ladder: where the couple stands (their current
rung, the steps they have active, the steps they finished lately) and what to watch for
on a rung. A counselor assigning a step should see what the couple is already doing,
so that nothing is given twice by mistake and the next step fits the last ones.

Read in a fixed number of queries, whatever the couple's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    Couple,
    LadderRung,
    Partner,
)
from counselor.services.homework.assignments import current_rung, practice_today
from counselor.services.homework.practice_ladder import EffectiveRung, effective_ladder
from counselor.tenancy import get_in_practice

# "Finished recently": completed within this many weeks (the practice's local dates).
RECENT_WEEKS = 6


@dataclass(frozen=True)
class StepLine:
    """One of the couple's steps as the assign page lists it."""

    assignment: Assignment
    who: str  # "Each partner", "Together" or "Only <first name>"


@dataclass(frozen=True)
class AssignContext:
    couple: Couple
    # The practice's whole ladder in order, with its steps (the page's picker).
    rungs: list[EffectiveRung]
    current_rung: LadderRung | None
    # Active steps, by rung, then the oldest first.
    active: list[StepLine]
    # Steps completed on or after ``finished_since``, the latest first.
    finished: list[StepLine]
    finished_since: date

    def note_rung(self, chosen_rung_id: int | None) -> EffectiveRung | None:
        """The rung whose counselor note ("what to watch for", the practice's own when it
        wrote one) the page shows: the rung the counselor is assigning on, else the
        couple's current rung."""
        current_id = self.current_rung.id if self.current_rung else None
        for wanted in (chosen_rung_id, current_id):
            for rung in self.rungs:
                if wanted is not None and rung.id == wanted:
                    return rung
        return None


def assign_context(couple_id: int) -> AssignContext:
    """Everything the assign page shows about the couple and the practice's ladder (eight
    queries)."""
    couple = get_in_practice(Couple, couple_id)
    partners = list(couple.partners)
    rungs = effective_ladder(couple.practice_id)
    since = practice_today(couple.practice_id) - timedelta(weeks=RECENT_WEEKS)
    steps = db.session.scalars(
        sa.select(Assignment)
        .join(Assignment.rung)
        .where(
            Assignment.couple_id == couple.id,
            sa.or_(
                Assignment.status == AssignmentStatus.ACTIVE,
                sa.and_(
                    Assignment.status == AssignmentStatus.COMPLETED,
                    Assignment.ended_on >= since,
                ),
            ),
        )
        .order_by(LadderRung.position, Assignment.starts_on, Assignment.id)
        .options(contains_eager(Assignment.rung))
    ).all()
    active = [a for a in steps if a.status == AssignmentStatus.ACTIVE]
    finished = sorted(
        (a for a in steps if a.status == AssignmentStatus.COMPLETED),
        key=lambda a: (a.ended_on or since, a.id),
        reverse=True,
    )
    return AssignContext(
        couple=couple,
        rungs=rungs,
        current_rung=current_rung(active),
        active=[StepLine(a, who_does_it(a, partners)) for a in active],
        finished=[StepLine(a, who_does_it(a, partners)) for a in finished],
        finished_since=since,
    )


def who_does_it(assignment: Assignment, partners: list[Partner]) -> str:
    """Who does a step, in a few words (docs/design.md, "Assignee")."""
    if assignment.assignee == Assignee.TOGETHER:
        return "Together"
    for partner in partners:
        if partner.id == assignment.assignee_partner_id:
            return f"Only {partner.first_name}"
    return "Each partner"
