"""A step's title as people read it in a list: two steps listed together under the same
title are told apart by their start date — "Ask for a lift (from 3 Nov)" — on the couple
page, in the pre-session report, on the partner's page and in emails that name steps.

The counselor's pages and the report read the titles as given, with an English date that
is the same on every machine. A partner reads them in their language (``language``): the
step's words in it (``step_language.step_text``) and the date as the current locale writes
it ("(desde el 3 nov)"); the caller speaks that language (``i18n.use_language`` on a
partner's page, ``i18n.in_language`` in an email or the printed sheet).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Protocol, cast

from flask_babel import gettext

from counselor.i18n import DEFAULT_LANGUAGE, current_language, format_day
from counselor.services.homework.step_language import Worded, step_text

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Titled(Protocol):
    """What a title needs of a step (an ``Assignment``)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def starts_on(self) -> date: ...


def step_titles(steps: Iterable[Titled], language: str | None = None) -> dict[int, str]:
    """Each listed step's title by id. Titles that differ only in case or spacing count as
    the same; steps that share a title get "(from 3 Nov)", and steps that also share the
    start date a number after it in the order they were given (by id): "(from 3 Nov, #2)".
    With ``language`` (a partner's), the titles are the step's words in that language and
    the date and its words are the current locale's.
    """
    by_title: dict[str, list[tuple[Titled, str]]] = defaultdict(list)
    for step in steps:
        # A partner's titles need the step's words (an ``Assignment`` has them).
        title = step.title if language is None else step_text(cast(Worded, step), language).title
        by_title[" ".join(title.split()).casefold()].append((step, title))
    titles: dict[int, str] = {}
    for group in by_title.values():
        if len(group) == 1:
            step, title = group[0]
            titles[step.id] = title
            continue
        starts: dict[date, int] = defaultdict(int)
        for step, title in sorted(group, key=lambda pair: pair[0].id):
            starts[step.starts_on] += 1
            number = starts[step.starts_on]
            if language is None:
                suffix = f", #{number}" if number > 1 else ""
                titles[step.id] = f"{title.rstrip()} (from {day_month(step.starts_on)}{suffix})"
            else:
                titles[step.id] = _told_apart(title.rstrip(), step.starts_on, number)
    return titles


def _told_apart(title: str, starts_on: date, number: int) -> str:
    """A partner's title with its start date, in the current locale: "Pedir ayuda (desde el
    3 nov)", "Pedir ayuda (desde el 3 nov, n.º 2)". In English the day reads as the
    counselor's pages and the report write it ("3 Nov"): one title, wherever it is read."""
    day = (
        day_month(starts_on)
        if current_language() == DEFAULT_LANGUAGE
        else format_day(starts_on, "MMMd")
    )
    if number > 1:
        return gettext("%(title)s (from %(day)s, #%(number)s)", title=title, day=day, number=number)
    return gettext("%(title)s (from %(day)s)", title=title, day=day)


def day_month(day: date) -> str:
    """'3 Nov' (no locale: the same on every machine, like the report's dates)."""
    return f"{day.day} {MONTHS[day.month - 1]}"
