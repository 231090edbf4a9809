"""*Print steps*: a couple's active steps as a one-page sheet to take home (``reports.handout``).

The sheet covers one week, Monday to Sunday in the practice's zone: the current one, or
the next. It holds what the couple already knows — each step's title as listed
(``homework.titles``), its instructions, who does it and how often — and nothing of
what they wrote: no reflections, no ratings, no agenda or notes. Printing it is audited
as a read (``couple.handout_printed``) and changes nothing else.

The sheet is the couple's, so it is printed in their language (``sheet_language``): the
first partner's, unless the counselor picks another (the couple page offers each
partner's language when theirs differ). Its words, its dates and each step's words
(``step_language.step_text``) are all made here, under ``i18n.in_language``, and handed
to ``reports.handout`` as data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from babel.dates import format_interval
from flask_babel import gettext, ngettext, pgettext

from counselor import timeutil
from counselor.extensions import db
from counselor.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    current_language,
    format_day,
    in_language,
    language_of,
    supported_language,
)
from counselor.models import Assignee, Assignment, AssignmentStatus, Couple, LadderRung
from counselor.services.audit import Actor, record_event
from counselor.services.homework.step_language import step_text
from counselor.services.homework.titles import step_titles
from counselor.services.progress import week_rules
from counselor.tenancy import get_in_practice
from reports import HandoutData, HandoutStep, render_handout
from reports.formatting import date_range, short_date, weekday_day, weekday_day_month
from reports.handout import HandoutWords
from reports.paper import paper_name

SLUG_MAX = 60  # characters of the couple's label in the file name


@dataclass(frozen=True)
class Handout:
    """A printed sheet: its PDF and the name to download it under."""

    pdf: bytes
    file_name: str


def print_handout(
    actor: Actor,
    couple_id: int,
    *,
    next_week: bool = False,
    now: datetime | None = None,
    language: str | None = None,
) -> Handout:
    """The couple's sheet for this week (or the next), audited as ``couple.handout_printed``,
    in ``language`` when the service speaks it, else the couple's (``sheet_language``).
    Another practice's couple, or a colleague's where counselors keep to their own, is
    ``NotFound`` (the tenancy layer)."""
    data = handout_data(couple_id, next_week=next_week, now=now, language=language)
    record_event(actor, "couple.handout_printed", "couple", couple_id)
    return Handout(render_handout(data), file_name(data.couple_label, data.week_start))


def handout_data(
    couple_id: int,
    *,
    next_week: bool = False,
    now: datetime | None = None,
    language: str | None = None,
) -> HandoutData:
    """What the sheet shows: the couple's active steps that count on a day of the week,
    lowest rung first, each with its rows of tick boxes as the couple page lists them
    (``week_rules.step_rows``) and the days it counts (``week_rules.active_until``); worded
    in the sheet's language."""
    couple = get_in_practice(Couple, couple_id)
    practice = couple.practice
    today = timeutil.local_today(practice.timezone, now or timeutil.utcnow())
    monday = timeutil.week_start(today) + timedelta(weeks=1 if next_week else 0)
    days = tuple(monday + timedelta(days=n) for n in range(7))
    steps = [a for a in _active_steps(couple.id) if _counts_in_week(a, monday)]
    sheet_in = sheet_language(couple, language)
    with in_language(sheet_in):
        dates = SheetDates(english=sheet_in == DEFAULT_LANGUAGE)
        # An English sheet names steps as the couple page does ("from 3 Nov"), like its dates.
        titles = step_titles(steps, None if dates.english else sheet_in)
        return HandoutData(
            practice_name=practice.name,
            couple_label=couple.label,
            week_start=monday,
            printed_on=today,
            paper=paper_name(practice.paper_size, practice.timezone),
            steps=tuple(
                HandoutStep(
                    title=titles[a.id],
                    instructions=step_text(a, sheet_in).instructions,
                    who=who_line(a, days, dates),
                    rows=row_labels(a, couple),
                    first_day=a.starts_on,
                    last_day=week_rules.active_until(a),
                )
                for a in steps
            ),
            words=sheet_words(
                days,
                today,
                dates,
                untranslated=any(step_text(a, sheet_in).untranslated for a in steps),
            ),
            language=sheet_in,
        )


def sheet_language(couple: Couple, asked: str | None = None) -> str:
    """The language the sheet is printed in: ``asked`` (the counselor's pick) when the
    service speaks it, else the first partner's (their language when they share one)."""
    first = min(couple.partners, key=lambda p: p.position)
    return supported_language(asked) or language_of(first.language)


def print_languages(couple: Couple) -> list[tuple[str, str]]:
    """The partners' languages, the first partner's first, each once, with its name as
    written in it: what *Print steps* offers (one entry: no choice to make)."""
    languages: list[str] = []
    for partner in sorted(couple.partners, key=lambda p: p.position):
        language = language_of(partner.language)
        if language not in languages:
            languages.append(language)
    return [(language, LANGUAGES[language]) for language in languages]


@dataclass(frozen=True)
class SheetDates:
    """How the sheet writes a date: in English as every printed page does, the same on
    every machine (``reports.formatting``: "10 – 16 Nov 2025", "Wed 12 Nov"); in another
    language as the current locale writes it ("10–16 nov 2025", "mié, 12 nov")."""

    english: bool

    def week(self, first: date, last: date) -> str:
        if self.english:
            return date_range(first, last)
        return format_interval(first, last, "yMMMd", locale=current_language())

    def day(self, day: date) -> str:
        return weekday_day_month(day) if self.english else format_day(day, "MMMEd")

    def printed(self, day: date) -> str:
        return short_date(day) if self.english else format_day(day, "yMMMEd")

    def column(self, day: date) -> str:
        return weekday_day(day) if self.english else format_day(day, "Ed")


def sheet_words(
    days: tuple[date, ...], printed_on: date, dates: SheetDates, *, untranslated: bool = False
) -> HandoutWords:
    """The sheet's own words in the current language; ``untranslated``: a step has none in
    it, which the sheet says, as an email listing it does."""
    week = dates.week(days[0], days[-1])
    return HandoutWords(
        week_heading=gettext("Your steps for the week of %(week)s", week=week),
        intro=gettext(
            "Tick a box each day you do the step. Bring this sheet to your next session."
        ),
        no_steps=gettext("No steps are active this week. Your counselor will give you new ones."),
        notes=gettext("Notes"),
        footer=gettext(
            "Steps for the week of %(week)s · Printed %(day)s",
            week=week,
            day=dates.printed(printed_on),
        ),
        # Filled in per page, and with the couple's name, by reports.handout.
        page=gettext("Page %(number)s of %(pages)s", number="%(number)s", pages="%(pages)s"),
        pdf_title=gettext("Steps for %(couple)s, %(week)s", couple="%(couple)s", week=week),
        pdf_subject=gettext("Steps for the week of %(week)s", week=week),
        day_heads=tuple(dates.column(day) for day in days),
        # Its own context: the sheet speaks to both partners (German "euch", not "dich").
        untranslated_note=pgettext(
            "printed sheet",
            "Some of these steps aren't translated yet, so they appear as your counselor wrote"
            " them.",
        )
        if untranslated
        else "",
    )


def who_line(step: Assignment, days: tuple[date, ...], dates: SheetDates) -> str:
    """Who does the step and how often, and its first or last day when that falls in the
    week: "Each of you, 3 times a week", "Together, once a week · from Wed 12 Nov", "Only
    José, twice a week · until Fri 14 Nov"."""
    if step.assignee == Assignee.TOGETHER:
        who = gettext("Together")
    elif step.assignee == Assignee.PARTNER and step.assignee_partner is not None:
        who = gettext("Only %(name)s", name=step.assignee_partner.first_name)
    else:
        who = gettext("Each of you")
    line = gettext("%(who)s, %(how_often)s", who=who, how_often=how_often(step.times_per_week))
    if days[0] < step.starts_on <= days[-1]:
        line += " · " + gettext("from %(day)s", day=dates.day(step.starts_on))
    last_day = week_rules.active_until(step)
    if last_day is not None and days[0] <= last_day < days[-1]:
        line += " · " + gettext("until %(day)s", day=dates.day(last_day))
    return line


def how_often(times_per_week: int) -> str:
    """'once a week', 'twice a week', '3 times a week'."""
    if times_per_week == 1:
        return gettext("once a week")
    if times_per_week == 2:
        return gettext("twice a week")
    return ngettext("%(num)d time a week", "%(num)d times a week", times_per_week)


def row_labels(step: Assignment, couple: Couple) -> tuple[str, ...]:
    """The step's rows of tick boxes as the couple page lists them (``week_rules.step_rows``):
    each partner who does it by first name, or the couple's joint row."""
    rows = week_rules.step_rows(step, couple.partners)
    if step.assignee == Assignee.TOGETHER:
        return tuple(gettext("Together") for _ in rows)
    return tuple(partner.first_name for _, partner in rows)


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
