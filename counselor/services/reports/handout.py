"""*Print steps*: a couple's active steps as a one-page sheet to take home (``reports.handout``).

The sheet covers one week, Monday to Sunday in the practice's zone: the current one, or
the next. It holds what the couple already knows — each step's title as listed
(``homework.titles``), its instructions, who does it and how often — and nothing of
what they wrote: no reflections, no ratings, no agenda or notes. Printing it is audited
as a read (``couple.handout_printed``) and changes nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Assignment, AssignmentStatus, Couple, LadderRung
from counselor.services.audit import Actor, record_event
from counselor.services.homework.titles import step_titles
from counselor.services.progress import week_rules
from counselor.tenancy import get_in_practice
from reports import HandoutData, HandoutStep, render_handout
from reports.paper import paper_name

SLUG_MAX = 60  # characters of the couple's label in the file name


@dataclass(frozen=True)
class Handout:
    """A printed sheet: its PDF and the name to download it under."""

    pdf: bytes
    file_name: str


def print_handout(
    actor: Actor, couple_id: int, *, next_week: bool = False, now: datetime | None = None
) -> Handout:
    """The couple's sheet for this week (or the next), audited as ``couple.handout_printed``.
    Another practice's couple, or a colleague's where counselors keep to their own, is
    ``NotFound`` (the tenancy layer)."""
    data = handout_data(couple_id, next_week=next_week, now=now)
    record_event(actor, "couple.handout_printed", "couple", couple_id)
    return Handout(render_handout(data), file_name(data.couple_label, data.week_start))


def handout_data(
    couple_id: int, *, next_week: bool = False, now: datetime | None = None
) -> HandoutData:
    """What the sheet shows: the couple's active steps that count on a day of the week,
    lowest rung first, each with its rows of tick boxes as the couple page lists them
    (``week_rules.step_rows``) and the days it counts (``week_rules.active_until``)."""
    couple = get_in_practice(Couple, couple_id)
    practice = couple.practice
    today = timeutil.local_today(practice.timezone, now or timeutil.utcnow())
    monday = timeutil.week_start(today) + timedelta(weeks=1 if next_week else 0)
    steps = [a for a in _active_steps(couple.id) if _counts_in_week(a, monday)]
    titles = step_titles(steps)
    return HandoutData(
        practice_name=practice.name,
        couple_label=couple.label,
        week_start=monday,
        printed_on=today,
        paper=paper_name(practice.paper_size, practice.timezone),
        steps=tuple(
            HandoutStep(
                title=titles[a.id],
                instructions=a.instructions,
                assignee=a.assignee.value,
                rows=tuple(label for label, _ in week_rules.step_rows(a, couple.partners)),
                times_per_week=a.times_per_week,
                first_day=a.starts_on,
                last_day=week_rules.active_until(a),
            )
            for a in steps
        ),
    )


def file_name(couple_label: str, week_start: date) -> str:
    """``steps-zoe-jose-m-2025-11-10.pdf``: the label in ASCII letters and digits (accents
    dropped; "couple" when none is left) and the sheet's Monday."""
    ascii_label = unicodedata.normalize("NFKD", couple_label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_label).strip("-").lower()[:SLUG_MAX].strip("-")
    return f"steps-{slug or 'couple'}-{week_start.isoformat()}.pdf"


def _active_steps(couple_id: int) -> list[Assignment]:
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .join(LadderRung)
            .where(
                Assignment.couple_id == couple_id,
                Assignment.status == AssignmentStatus.ACTIVE,
            )
            .order_by(LadderRung.position, Assignment.starts_on, Assignment.id)
        )
    )


def _counts_in_week(assignment: Assignment, monday: date) -> bool:
    """Whether the step has a day in the week: a step not started by its Sunday, or due
    before its Monday, has no box to tick."""
    return week_rules.week_target(assignment, monday) > 0
