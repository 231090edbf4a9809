"""Where a given step's words came from, and what a host system may read of them.

A step (``Assignment``) keeps the words it was given — a snapshot — and remembers the
ladder step it was given from: a shipped template (``template``), and the practice's text
when the practice's ladder gave it (``practice_template``: the practice's words for a
shipped step, or a step of the practice's own). Its **ladder key** is the key a host
assigns it by (``GET /ladder``): the practice row's when there is one — an override keeps
the shipped key, a step of the practice's own has its own — else the shipped template's.

**Words written for a couple are clinical text.** ``words_from_ladder`` says whether the
title and instructions are the ladder's as given (``services/homework/assignments.py``
sets it: true when given from the ladder unchanged, false for a custom step or once
reworded). A host whose key lacks the ``clinical_text`` scope reads a step written or
reworded for its couple without its instructions, and under a neutral title instead of
its own: the title of the ladder step it was given from, or, for a custom step, "Step
written for this couple (rung N)". The ladder's own words are the practice's, not the
couple's, and reach every reader. ``host_step_words`` is that rule, for the JSON API, the
export and FHIR alike.

Every loader of steps for a host loads the ladder rows with ``ORIGIN_LOADS`` (joined:
no statement added, however many steps)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from counselor.models import Assignment, PracticeTemplate, TaskTemplate

Source = Literal["base", "practice"]
# What a host without clinical_text reads as the title of a custom step written for the
# couple (its rung's position filled in).
WRITTEN_FOR_COUPLE = "Step written for this couple (rung {position})"
# A step's ladder rows, loaded in the statement that loads the step.
ORIGIN_LOADS = (joinedload(Assignment.template), joinedload(Assignment.practice_template))


@dataclass(frozen=True)
class HostStepWords:
    """A step's words as a host may read them; ``instructions`` None: left out."""

    title: str
    instructions: str | None


def ladder_key(step: Assignment) -> str | None:
    """The key of the ladder step it was given from (``template_key``); None if custom."""
    if step.practice_template is not None:
        return step.practice_template.key
    return step.template.key if step.template is not None else None


def template_source(step: Assignment) -> Source | None:
    """``practice`` when given in the practice's text, ``base`` when in the shipped
    ladder's, None for a custom step."""
    if step.practice_template_id is not None:
        return "practice"
    return "base" if step.template_id is not None else None


def ladder_title(step: Assignment) -> str | None:
    """The title of the ladder step it was given from, as the ladder words it now: the
    practice's when its text has one (an override without one follows the base), else
    the shipped template's; None for a custom step."""
    row = step.practice_template
    if row is not None and row.title is not None:
        return row.title
    return step.template.title if step.template is not None else None


def ladder_title_sql() -> sa.ColumnElement[str | None]:
    """``ladder_title`` as SQL, for set-based updates of ``Assignment`` rows."""
    practice_title = (
        sa.select(PracticeTemplate.title)
        .where(PracticeTemplate.id == Assignment.practice_template_id)
        .scalar_subquery()
    )
    base_title = (
        sa.select(TaskTemplate.title).where(TaskTemplate.id == Assignment.template_id)
    ).scalar_subquery()
    return sa.func.coalesce(practice_title, base_title)


def neutral_title(step: Assignment) -> str:
    """The title a host without clinical_text reads for words written for the couple."""
    return ladder_title(step) or WRITTEN_FOR_COUPLE.format(position=step.rung.position)


def host_step_words(step: Assignment, *, clinical_text: bool) -> HostStepWords:
    """What a host reads of a step's words: all of them with the ``clinical_text`` scope or
    when they are the ladder's as given; else a neutral title and no instructions."""
    if clinical_text or step.words_from_ladder:
        return HostStepWords(step.title, step.instructions)
    return HostStepWords(neutral_title(step), None)
