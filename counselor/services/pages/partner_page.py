"""What a partner sees behind their link: this week's steps, their own check-ins of the last
four weeks, the reflections they shared, the reflections shared with them, and whether their
reminders are paused. The counselor's preview of the page (``dashboard/partner_preview.py``)
shows the same view."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import Assignment, AssignmentStatus, CheckIn, Partner, ReflectionReply
from counselor.models.couples import other_partner
from counselor.services.couples.email_status import EmailStatus, email_status
from counselor.services.homework import replies, weekly_checkin
from counselor.services.homework.leaning import LeaningView, leaning_view
from counselor.services.homework.reflections import (
    HeldBack,
    held_back_from,
    held_back_from_other,
    reflections_shared_by,
    reflections_shared_with,
    week_of,
)
from counselor.services.homework.step_language import StepText, step_text
from counselor.services.homework.titles import step_titles
from counselor.services.progress import week_rules

# *My history*: the partner's own check-ins of this many weeks, today's included; at most
# HISTORY_LIMIT of them (a partner marking the same step done over and over).
HISTORY_WEEKS = 4
HISTORY_LIMIT = 100

StepsByCouple = dict[int, list[Assignment]]  # couple id -> its active steps, lowest rung first


@dataclass(frozen=True)
class StepThisWeek:
    assignment: Assignment
    week: week_rules.WeekFigure
    # Stable until this partner records (or deletes) a check-in for the step, so a double
    # click, a re-posted form or a second tab all carry the same key. It names the
    # partner's latest check-in on the step (not how many there are): a deleted check-in
    # must never bring back the key of one still recorded.
    checkin_key: str
    # The step's title in the partner's language, told apart from another active step
    # with the same title by its start date (homework.titles), as on the couple page and
    # in the report.
    title: str
    # The step's words in the partner's language (``untranslated``: as the counselor gave
    # them, which the page says).
    words: StepText

    @property
    def is_open(self) -> bool:
        return self.week.done < self.week.target


@dataclass(frozen=True)
class PartnerHomework:
    """The page's content. The lists below the steps are read when first used, so an email
    that only counts open steps queries nothing more."""

    partner: Partner
    steps: list[StepThisWeek]

    def step_title(self, checkin: CheckIn) -> str:
        """How a listed check-in names its step: as the step's card above does (told apart
        by start date), or the plain title for a step that is no longer on the page — in
        the partner's language either way."""
        return self.title_of(checkin.assignment)

    def title_of(self, assignment: Assignment) -> str:
        for step in self.steps:
            if step.assignment.id == assignment.id:
                return step.title
        return step_text(assignment, self.partner.language).title

    def held_title(self, held: HeldBack) -> str:
        """The step a held-back reflection is on, named as ``step_title`` names it."""
        assignment = db.session.get(Assignment, held.assignment_id)
        return held.step_title if assignment is None else self.title_of(assignment)

    @cached_property
    def shared_with_me(self) -> list[CheckIn]:
        return reflections_shared_with(self.partner)

    @cached_property
    def leaning(self) -> LeaningView:
        """The other partner's leaning acts this partner is invited to acknowledge, their
        answers, and the answers shared with them (``homework.leaning``)."""
        return leaning_view(self.partner)

    @cached_property
    def held_back(self) -> list[HeldBack]:
        """The other partner's shared reflections *reveal together* holds back from this
        partner until they write their own (or the week ends): told of, never shown."""
        return held_back_from(self.partner)

    def own_checkin_for(self, held: HeldBack) -> CheckIn | None:
        """This partner's latest check-in on ``held``'s step in the week it was written,
        if any: adding their own words to it shows ``held`` (the notice links to its Edit),
        where marking the step done again would record a check-in that never happened."""
        monday, sunday = week_of(held.shows_on - timedelta(weeks=1))  # reveal_day's week
        return next(
            (
                c
                for c in self.my_history
                if c.assignment_id == held.assignment_id and monday <= c.occurred_on <= sunday
            ),
            None,
        )

    @cached_property
    def my_replies(self) -> dict[int, ReflectionReply]:
        """This partner's live replies to the reflections shared with them, by check-in;
        held-back ones included (held back again after the reply: still theirs to take
        back)."""
        ids = [c.id for c in self.shared_with_me] + [h.checkin_id for h in self.held_back]
        return replies.replies_given_by(self.partner, ids)

    @cached_property
    def notes_to_me(self) -> list[replies.NoteToMe]:
        """The counselor's notes on this partner's reflections, of the last
        ``HISTORY_WEEKS`` weeks."""
        since = timeutil.utcnow() - timedelta(weeks=HISTORY_WEEKS)
        return replies.notes_for(self.partner, since)

    @cached_property
    def replies_to_mine(self) -> dict[int, ReflectionReply]:
        """The other partner's replies to the reflections listed in ``shared_by_me``."""
        return replies.replies_received(self.partner, (c.id for c in self.shared_by_me))

    @cached_property
    def waiting_for_other(self) -> dict[int, date]:
        """This partner's shared reflections the other cannot read yet (*reveal together*),
        by check-in id, with the day they show anyway."""
        return held_back_from_other(self.partner)

    @cached_property
    def _history_rows(self) -> list[CheckIn]:
        # One more than is shown, to tell whether the list is cut.
        first_day = history_start(self.partner)
        return own_checkins_since(self.partner, first_day, limit=HISTORY_LIMIT + 1)

    @property
    def my_history(self) -> list[CheckIn]:
        """The partner's own check-ins of the last ``HISTORY_WEEKS`` weeks, latest day
        first, at most ``HISTORY_LIMIT``. It holds every check-in they may still change or
        delete (recorded within the change window, so done at most two weeks ago);
        whether one may be is ``checkins.check_changeable``'s answer, asked by the page."""
        return self._history_rows[:HISTORY_LIMIT]

    @property
    def history_capped(self) -> bool:
        """The four weeks hold more check-ins than *My history* lists (it says "latest")."""
        return len(self._history_rows) > HISTORY_LIMIT

    @property
    def email_status(self) -> EmailStatus:
        """Whether reminders come, are paused (until when) or are stopped."""
        return email_status(self.partner)

    @cached_property
    def shared_by_me(self) -> list[CheckIn]:
        """The partner's own reflections the other partner can read now (each can be
        taken back)."""
        return reflections_shared_by(self.partner)

    @cached_property
    def weekly_checkin(self) -> weekly_checkin.WeeklyCard | None:
        """The weekly check-in's card (None: the counselor has not turned it on, or the
        couple is not active)."""
        return weekly_checkin.partner_card(self.partner)

    @property
    def other_partner(self) -> Partner | None:
        return other_partner(self.partner)

    @property
    def open_steps(self) -> list[StepThisWeek]:
        return [step for step in self.steps if step.is_open]


def history_start(partner: Partner) -> date:
    """The first day *My history* covers, in the partner's zone."""
    today = timeutil.local_today(partner.timezone)
    return today - timedelta(weeks=HISTORY_WEEKS) + timedelta(days=1)


def own_checkins_since(
    partner: Partner, first_day: date, limit: int = HISTORY_LIMIT
) -> list[CheckIn]:
    """The partner's own check-ins done on ``first_day`` or later, latest day first (the
    latest recorded first within a day), on any step, active or ended; at most ``limit``."""
    query = (
        sa.select(CheckIn)
        .where(CheckIn.partner_id == partner.id, CheckIn.occurred_on >= first_day)
        .order_by(CheckIn.occurred_on.desc(), CheckIn.id.desc())
        .options(selectinload(CheckIn.assignment))
        .limit(limit)
    )
    return list(db.session.scalars(query))


def active_steps(couple_ids: Iterable[int], *, across_practices: bool = False) -> StepsByCouple:
    """The active steps of these couples, lowest rung first, in one query."""
    ids = sorted(set(couple_ids))
    steps: StepsByCouple = defaultdict(list)
    if not ids:
        return steps
    statement = (
        sa.select(Assignment)
        .where(Assignment.couple_id.in_(ids), Assignment.status == AssignmentStatus.ACTIVE)
        .order_by(Assignment.rung_id, Assignment.id)
    )
    for assignment in db.session.scalars(_marked(statement, across_practices)):
        steps[assignment.couple_id].append(assignment)
    return steps


def _steps_of(partner: Partner, couple_steps: Iterable[Assignment]) -> list[Assignment]:
    return [a for a in couple_steps if week_rules.does_step(a, partner.id)]


@dataclass(frozen=True)
class WeekRows:
    """What the week on a partner's page is read from, loaded for several partners at once
    (``load_week_rows``): their couples' active steps, the check-ins per step, partner and
    day of the partners' current weeks, and each partner's latest check-in per step. A
    page holds one partner's; a chunk of emails, its partners' (``homework_from_rows``
    then judges each partner's week by the same rules, in memory)."""

    steps: StepsByCouple
    day_counts: week_rules.DayCounts
    latest: dict[tuple[int, int], int]  # (partner id, step id) -> latest check-in id


def load_week_rows(partners: Sequence[Partner], *, across_practices: bool = False) -> WeekRows:
    """The rows ``homework_from_rows`` reads for these partners, in at most three queries
    whatever their number. ``across_practices``: the partners belong to several practices
    (an outbox chunk), their ids already checked by the caller."""
    steps = active_steps((p.couple_id for p in partners), across_practices=across_practices)
    assignment_ids = [a.id for couple_steps in steps.values() for a in couple_steps]
    first, last = week_rules.couple_weeks_window(partners, weeks=1)
    day_counts = week_rules.checkin_day_counts(
        assignment_ids, first, last, across_practices=across_practices
    )
    latest = _latest_checkin_ids([p.id for p in partners], assignment_ids, across_practices)
    return WeekRows(steps, day_counts, latest)


def partner_homework(partner: Partner) -> PartnerHomework:
    return homework_from_rows(partner, load_week_rows([partner]))


def homework_from_rows(partner: Partner, rows: WeekRows) -> PartnerHomework:
    """The partner's page from rows already loaded (``load_week_rows``), by the week rules;
    titles in the current language, which the caller makes the partner's."""
    assignments = _steps_of(partner, rows.steps.get(partner.couple_id, []))
    monday = week_rules.partner_current_week(partner)
    titles = step_titles(assignments, partner.language)
    steps = [
        StepThisWeek(
            assignment=a,
            week=week_rules.assignment_week(a, partner.id, monday, rows.day_counts),
            checkin_key=f"link:{a.id}:{rows.latest.get((partner.id, a.id), 0)}",
            title=titles[a.id],
            words=step_text(a, partner.language),
        )
        for a in assignments
    ]
    # Open steps first; steps already met this week follow (they can still be done again).
    steps = sorted((s for s in steps if s.week.target > 0), key=lambda s: not s.is_open)
    return PartnerHomework(partner, steps)


def _latest_checkin_ids(
    partner_ids: list[int], assignment_ids: list[int], across_practices: bool = False
) -> dict[tuple[int, int], int]:
    """The id of each partner's latest check-in on each step. A check-in recorded under
    ``link:<step>:<n>`` gets an id above n, so the key naming the latest id is nobody's yet,
    also after a delete (a count of check-ins would then hand out a key already used)."""
    if not assignment_ids or not partner_ids:
        return {}
    statement = (
        sa.select(CheckIn.partner_id, CheckIn.assignment_id, sa.func.max(CheckIn.id))
        .where(CheckIn.partner_id.in_(partner_ids), CheckIn.assignment_id.in_(assignment_ids))
        .group_by(CheckIn.partner_id, CheckIn.assignment_id)
    )
    rows = db.session.execute(_marked(statement, across_practices))
    return {(partner_id, step_id): latest for partner_id, step_id, latest in rows}


def _marked(statement: Select, across: bool) -> Select:
    return tenancy.across_practices(statement) if across else statement
