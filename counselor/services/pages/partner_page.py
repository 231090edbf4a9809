"""What a partner sees behind their link: this week's steps, and reflections shared with them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Assignment, AssignmentStatus, CheckIn, Partner
from counselor.services.homework.reflections import reflections_shared_with
from counselor.services.progress import week_rules


@dataclass(frozen=True)
class StepThisWeek:
    assignment: Assignment
    week: week_rules.WeekFigure
    # Stable until this partner records another check-in for the step, so a double
    # click, a re-posted form or a second tab all carry the same key.
    checkin_key: str

    @property
    def is_open(self) -> bool:
        return self.week.done < self.week.target


@dataclass(frozen=True)
class PartnerHomework:
    partner: Partner
    steps: list[StepThisWeek]
    shared_with_me: list[CheckIn]

    @property
    def open_steps(self) -> list[StepThisWeek]:
        return [step for step in self.steps if step.is_open]


def partner_steps(partner: Partner) -> list[Assignment]:
    """The active steps this partner does, lowest rung first."""
    assignments = db.session.scalars(
        sa.select(Assignment)
        .where(
            Assignment.couple_id == partner.couple_id,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
        .order_by(Assignment.rung_id, Assignment.id)
    ).all()
    return [a for a in assignments if week_rules.does_step(a, partner.id)]


def partner_homework(partner: Partner) -> PartnerHomework:
    assignments = partner_steps(partner)
    monday = week_rules.partner_current_week(partner)
    first, last = week_rules.couple_weeks_window([partner], weeks=1)
    day_counts = week_rules.checkin_day_counts((a.id for a in assignments), first, last)
    recorded = _checkins_so_far(partner.id, [a.id for a in assignments])
    steps = [
        StepThisWeek(
            assignment=a,
            week=week_rules.assignment_week(a, partner.id, monday, day_counts),
            checkin_key=f"link:{a.id}:{recorded.get(a.id, 0)}",
        )
        for a in assignments
    ]
    # Open steps first; steps already met this week follow (they can still be done again).
    steps = sorted((s for s in steps if s.week.target > 0), key=lambda s: not s.is_open)
    return PartnerHomework(partner, steps, reflections_shared_with(partner))


def open_step_count(partner: Partner) -> int:
    return len(partner_homework(partner).open_steps)


def _checkins_so_far(partner_id: int, assignment_ids: list[int]) -> dict[int, int]:
    if not assignment_ids:
        return {}
    rows = db.session.execute(
        sa.select(CheckIn.assignment_id, sa.func.count())
        .where(CheckIn.partner_id == partner_id, CheckIn.assignment_id.in_(assignment_ids))
        .group_by(CheckIn.assignment_id)
    )
    return dict(rows.all())
