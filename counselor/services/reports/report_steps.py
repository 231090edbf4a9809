"""The pre-session report's steps: which it lists, and each one's row — its weekly cells
per partner, who checked it off in the period and the weeks its target was met early.
Figures come from ``week_rules`` and the check-ins the report already read (no query)."""

from __future__ import annotations

from datetime import date, timedelta

from counselor.models import Assignee, Assignment, AssignmentStatus, Couple
from counselor.services.progress import week_rules
from reports import TOGETHER_LABEL, AssignmentRow, WeekCell

EARLY_BY_DAYS = 2  # a week's whole target met by its Wednesday (Monday + 2) was met early


def active_during(assignment: Assignment, first: date, last: date) -> bool:
    """Whether the step counted on any day from ``first`` to ``last``."""
    until = week_rules.active_until(assignment)
    return assignment.starts_on <= last and (until is None or until >= first)


def _assignee_label(assignment: Assignment, couple: Couple) -> str:
    if assignment.assignee == Assignee.EACH:
        return "Each partner"
    if assignment.assignee == Assignee.TOGETHER:
        return TOGETHER_LABEL
    return next(p.first_name for p in couple.partners if p.id == assignment.assignee_partner_id)


def assignment_row(
    assignment: Assignment,
    title: str,
    couple: Couple,
    day_counts: week_rules.DayCounts,
    weeks: list[date],
    today: date,
) -> AssignmentRow:
    """The step's row over the period's ``weeks`` (Mondays), which end ``today``."""
    rows = week_rules.step_rows(assignment, couple.partners)
    cells = tuple(
        (
            label,  # one joint row for a together step, as on the couple page
            tuple(
                WeekCell(w, f.done, f.target)
                for w in weeks
                for f in [week_rules.assignment_week(assignment, partner.id, w, day_counts)]
            ),
        )
        for label, partner in rows
    )
    return AssignmentRow(
        title=title,
        instructions=assignment.instructions,
        rung_position=assignment.rung.position,
        rung_title=assignment.rung.title,
        assignee_label=_assignee_label(assignment, couple),
        times_per_week=assignment.times_per_week,
        starts_on=assignment.starts_on,
        due_on=assignment.due_on,
        status=assignment.status.value,
        cells=cells,
        ended_on=assignment.ended_on if assignment.status != AssignmentStatus.ACTIVE else None,
        check_ins_by_partner=tuple(
            (p.first_name, _check_ins(day_counts.get((assignment.id, p.id), {}), weeks[0], today))
            for p in couple.partners
            if week_rules.does_step(assignment, p.id)
        ),
        early_weeks=tuple(
            (label, sum(_met_by_wednesday(assignment, partner.id, w, day_counts) for w in weeks))
            for label, partner in rows
        ),
    )


def _check_ins(per_day: dict[date, int], first: date, last: date) -> int:
    return sum(number for day, number in per_day.items() if first <= day <= last)


def _met_by_wednesday(
    assignment: Assignment, partner_id: int, monday: date, day_counts: week_rules.DayCounts
) -> bool:
    """Whether the week's whole target was checked off by its Wednesday (a together step
    counts its days, as ``week_rules.done_in_week`` does)."""
    target = week_rules.week_target(assignment, monday)
    wednesday = monday + timedelta(days=EARLY_BY_DAYS)
    if target <= 0:
        return False
    if assignment.assignee == Assignee.TOGETHER:
        done = len(
            {
                day
                for (assignment_id, _), per_day in day_counts.items()
                if assignment_id == assignment.id
                for day in per_day
                if monday <= day <= wednesday
            }
        )
    else:
        done = _check_ins(day_counts.get((assignment.id, partner_id), {}), monday, wednesday)
    return done >= target
