"""A step's title as people read it in a list: two steps listed together under the same
title are told apart by their start date — "Ask for a lift (from 3 Nov)" — on the couple
page, in the pre-session report, on the partner's page and in emails that name steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Protocol

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Titled(Protocol):
    """What a title needs of a step (an ``Assignment``)."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def starts_on(self) -> date: ...


def step_titles(steps: Iterable[Titled]) -> dict[int, str]:
    """Each listed step's title by id. Titles that differ only in case or spacing count as
    the same; steps that share a title get "(from 3 Nov)", and steps that also share the
    start date a number after it in the order they were given (by id): "(from 3 Nov, #2)".
    """
    by_title: dict[str, list[Titled]] = defaultdict(list)
    for step in steps:
        by_title[" ".join(step.title.split()).casefold()].append(step)
    titles: dict[int, str] = {}
    for group in by_title.values():
        if len(group) == 1:
            titles[group[0].id] = group[0].title
            continue
        starts: dict[date, int] = defaultdict(int)
        for step in sorted(group, key=lambda s: s.id):
            starts[step.starts_on] += 1
            number = starts[step.starts_on]
            suffix = f", #{number}" if number > 1 else ""
            titles[step.id] = f"{step.title.rstrip()} (from {day_month(step.starts_on)}{suffix})"
    return titles


def day_month(day: date) -> str:
    """'3 Nov' (no locale: the same on every machine, like the report's dates)."""
    return f"{day.day} {MONTHS[day.month - 1]}"
