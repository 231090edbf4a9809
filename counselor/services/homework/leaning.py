"""Leaning on the other partner: which check-ins are *leaning acts*, which of them the
leaned-on partner is invited to acknowledge, and each act paired with its answer.

The rule, in one place:

- A step *leans on the partner* when checking it off means turning toward the other
  partner. By default every step on rungs ``LEANING_RUNGS`` does and no other; the ladder
  file may say otherwise for a template (``leans_on_partner = true`` on another rung, or
  ``false`` for a step on those rungs that is the other side of leaning, such as welcoming
  the partner who reaches out), and sync stores the answer on the template
  (``template_leans``). ``Assignment.leans_on_partner`` is a snapshot taken when the step
  is assigned (``leans_on_partner``): the template's answer, or for a custom step its rung.
  Later edits of the ladder never change homework already given.
- A check-in is a *leaning act* when its step leans on the partner and it was done by one
  partner on their own: a step each partner does, or one partner's step. A *together*
  step is done jointly — neither partner leans on the other by checking it off, and
  either may mark it — so its check-ins are never leaning acts.
- The other partner is invited to acknowledge each leaning act done in the last
  ``WINDOW_DAYS`` days (today in their own zone included) that has no acknowledgement
  yet. One acknowledgement per act (a unique key): its answer stays as given.

The counselor's view (the couple page and the report) pairs every leaning act of a
period with its acknowledgement, or none yet (``period_pairs``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import aliased, selectinload

from counselor import timeutil
from counselor.extensions import db
from counselor.i18n import format_day, language_of
from counselor.models import (
    Acknowledgement,
    Assignee,
    Assignment,
    CheckIn,
    Partner,
    TaskTemplate,
    Visibility,
)
from counselor.services.homework.step_language import step_text
from counselor.services.validation import REFLECTION_MAX

LEANING_RUNGS = range(2, 6)  # rungs 2–5: every step there turns toward the other partner
WINDOW_DAYS = 14
INVITATIONS_SHOWN = 3
# The acknowledging partner's own answers, and those shared with the leaning partner.
ANSWERS_SHOWN = 5
NOTE_MAX = REFLECTION_MAX  # an acknowledgement's note is as long as a reflection may be


def template_leans(rung_position: int, marked: bool | None) -> bool:
    """Whether a ladder template leans on the partner: as the ladder file marks it, else
    by its rung (what ladder sync stores on the template)."""
    return rung_position in LEANING_RUNGS if marked is None else marked


def leans_on_partner(rung_position: int, template: TaskTemplate | None) -> bool:
    """Whether a step given now leans on the partner (the snapshot stored on it): the
    template's answer, or for a custom step (no template) its rung's."""
    if template is not None:
        return template.leans_on_partner
    return template_leans(rung_position, None)


def is_leaning_act(check_in: CheckIn) -> bool:
    """The check-in is a leaning act: its step leans on the partner and is not done together."""
    assignment = check_in.assignment
    return assignment.leans_on_partner and assignment.assignee != Assignee.TOGETHER


def _leaning_clause() -> sa.ColumnElement[bool]:
    """``is_leaning_act`` as a query condition (the query joins ``Assignment``)."""
    return sa.and_(Assignment.leans_on_partner.is_(True), Assignment.assignee != Assignee.TOGETHER)


def window_start(partner: Partner) -> date:
    """The first day whose leaning acts the partner is still invited to acknowledge."""
    return timeutil.local_today(partner.timezone) - timedelta(days=WINDOW_DAYS - 1)


def still_asked(partner: Partner, day: date) -> bool:
    """Whether ``partner``'s page still asks about a leaning act done on ``day`` (if not
    answered): within the window. An older act without an answer is *no longer asked* —
    the couple page and the report say so rather than "not answered yet"."""
    return day >= window_start(partner)


def may_acknowledge(partner: Partner, check_in: CheckIn) -> bool:
    """Whether ``partner`` is the one this leaning act leaned on, within the window: the
    other partner of the same couple (never its own doer)."""
    return (
        check_in.partner_id != partner.id
        and check_in.partner.couple_id == partner.couple_id
        and is_leaning_act(check_in)
        and still_asked(partner, check_in.occurred_on)
    )


# --- what the partner page shows ------------------------------------------------------------


@dataclass(frozen=True)
class LeaningView:
    """The leaned-on partner's side of their page: the latest open invitations (and how
    many more there are), their own answers, and the answers the other partner shared
    about this partner's leaning acts."""

    partner: Partner
    invitations: list[CheckIn]
    more: int
    my_answers: list[Acknowledgement]
    shared_with_me: list[Acknowledgement]
    note_max: int = NOTE_MAX

    def invitation(self, act: CheckIn) -> str:
        return invitation_words(act, self.partner)


def leaning_view(partner: Partner) -> LeaningView:
    open_acts = _open_invitations(partner)
    return LeaningView(
        partner=partner,
        invitations=open_acts[:INVITATIONS_SHOWN],
        more=max(len(open_acts) - INVITATIONS_SHOWN, 0),
        my_answers=_answers(Acknowledgement.partner_id == partner.id),
        shared_with_me=_answers(
            CheckIn.partner_id == partner.id, Acknowledgement.visibility == Visibility.SHARED
        ),
    )


def _open_invitations(partner: Partner) -> list[CheckIn]:
    """The other partner's leaning acts of the window with no acknowledgement, newest first."""
    answered = sa.select(Acknowledgement.id).where(Acknowledgement.checkin_id == CheckIn.id)
    query = (
        sa.select(CheckIn)
        .join(Assignment)
        .where(
            Assignment.couple_id == partner.couple_id,
            CheckIn.partner_id != partner.id,
            CheckIn.occurred_on >= window_start(partner),
            _leaning_clause(),
            ~answered.exists(),
        )
        .order_by(CheckIn.occurred_on.desc(), CheckIn.id.desc())
        .options(selectinload(CheckIn.assignment), selectinload(CheckIn.partner))
    )
    return list(db.session.scalars(query))


def _answers(*conditions: sa.ColumnElement[bool]) -> list[Acknowledgement]:
    query = (
        sa.select(Acknowledgement)
        .join(CheckIn, CheckIn.id == Acknowledgement.checkin_id)
        .where(*conditions)
        .order_by(Acknowledgement.created_at.desc(), Acknowledgement.id.desc())
        .options(
            selectinload(Acknowledgement.checkin).selectinload(CheckIn.assignment),
            selectinload(Acknowledgement.partner),
        )
        .limit(ANSWERS_SHOWN)
    )
    return list(db.session.scalars(query))


# --- how the invitation words the act -------------------------------------------------------

# A step's title is an instruction to its doer ("Ask their view on a work email"); the
# invitation tells the other partner what was done ("asked your view on a work email").
_PAST = {
    "agree": "agreed",
    "ask": "asked",
    "check": "checked",
    "debrief": "debriefed",
    "hand": "handed",
    "hold": "held",
    "invite": "invited",
    "keep": "kept",
    "let": "let",
    "make": "made",
    "map": "mapped",
    "name": "named",
    "pause": "paused",
    "plan": "planned",
    "request": "requested",
    "share": "shared",
    "talk": "talked",
    "tell": "told",
    "trace": "traced",
    "welcome": "welcomed",
}
# Seen from the other side: the doer's partner becomes "you", the doer "they".
_SWAP = {
    "your partner's": "your",
    "your partner": "you",
    "their": "your",
    "theirs": "yours",
    "them": "you",
    "they": "you",
    "you each": "you each",  # both of them: it stays
    "you'd": "they'd",
    "you're": "they're",
    "you": "they",
    "your": "their",
    "yours": "theirs",
    "yourself": "themselves",
}
_SWAP_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(_SWAP, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def act_words(title: str) -> str:
    """What the leaning partner did, in words for the partner they leaned on: "asked your
    view on a work email" for "Ask their view on a work email". A title that does not
    start with a verb this knows is quoted as it is: the step “…”."""
    words = " ".join(title.split())
    return _past_tense(words) or f"the step \u201c{words}\u201d"


def _past_tense(words: str) -> str | None:
    """An English title told back in the past tense, seen from the other side; None when
    its first word is not a verb this knows. English grammar only: other languages quote
    the step's title in a whole sentence (``invitation_words``)."""
    verb, _, rest = words.partition(" ")
    past = _PAST.get(verb.casefold())
    if past is None:
        return None
    swapped = _SWAP_PATTERN.sub(lambda m: _SWAP[m.group(1).casefold()], rest)
    return f"{past} {swapped}".strip()


def when_words(check_in: CheckIn, partner: Partner) -> tuple[str, str]:
    """When the act was, for the leaned-on partner: ("today", ""), ("this week", the
    weekday) in their current week, else ("on", the day) — in the current language. The
    day is always named, so two acts on the same step read differently."""
    day = check_in.occurred_on
    today = timeutil.local_today(partner.timezone)
    if day == today:
        return "today", ""
    if timeutil.week_start(day) == timeutil.week_start(today):
        return "this week", format_day(day, "EEEE")
    return "on", format_day(day)


def invitation_words(act: CheckIn, partner: Partner) -> str:
    """The invitation's sentence for the leaned-on ``partner``, in their language (the
    current one): who leaned on them, when, and on which step. In English a step whose
    title starts with a verb this knows is told back in the past tense ("Alex says they
    leaned on you today (asked your view on a work email)."); every other title, and
    every other language, quotes the step's words in the partner's language."""
    name = act.partner.first_name
    kind, day = when_words(act, partner)
    language = language_of(partner.language)
    title = " ".join(step_text(act.assignment, language).title.split())
    told = _past_tense(title) if language == "en" else None
    if told is not None:  # English grammar: not a translated sentence
        when = {"today": "today", "this week": f"this week, on {day}", "on": f"on {day}"}[kind]
        return f"{name} says they leaned on you {when} ({told})."
    if kind == "today":
        return gettext(
            "%(name)s says they leaned on you today, with the step \u201c%(step)s\u201d.",
            name=name,
            step=title,
        )
    if kind == "this week":
        return gettext(
            "%(name)s says they leaned on you this week, on %(weekday)s, with the step "
            "\u201c%(step)s\u201d.",
            name=name,
            weekday=day,
            step=title,
        )
    return gettext(
        "%(name)s says they leaned on you on %(day)s, with the step \u201c%(step)s\u201d.",
        name=name,
        day=day,
        step=title,
    )


# --- the counselor's view: each act of a period with its answer ---------------------------


@dataclass(frozen=True)
class LeaningPair:
    """A leaning act and the answer to it (``None``: not acknowledged yet), as plain values."""

    checkin_id: int
    occurred_on: date
    leaner_id: int
    step_title: str
    acknowledgement: Acknowledgement | None


def period_pairs(couple_id: int, since: date, until: date) -> list[LeaningPair]:
    """Every leaning act of the couple done from ``since`` to ``until`` (both included),
    oldest first, each with its acknowledgement: one query."""
    answer = aliased(Acknowledgement)
    rows = db.session.execute(
        sa.select(CheckIn.id, CheckIn.occurred_on, CheckIn.partner_id, Assignment.title, answer)
        .join(Assignment, Assignment.id == CheckIn.assignment_id)
        .outerjoin(answer, answer.checkin_id == CheckIn.id)
        .where(
            Assignment.couple_id == couple_id,
            CheckIn.occurred_on >= since,
            CheckIn.occurred_on <= until,
            _leaning_clause(),
        )
        .order_by(CheckIn.occurred_on, CheckIn.id)
    )
    return [LeaningPair(*row) for row in rows]
