"""A step's words in the partner's language: the one rule every place a partner reads a
step uses (their page, their emails, the printed sheet).

An assignment keeps the words it was given in every language the ladder (the file, or
the practice's own text) had for it then (``Assignment.translations``, a snapshot like its
title). A partner reads the words in their language when the step has them; otherwise the
words as given, and the page says so (``StepText.untranslated``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from counselor.i18n import DEFAULT_LANGUAGE, language_of


class Worded(Protocol):
    """What this needs of a step (an ``Assignment``, or a template as the ladder gives it)."""

    @property
    def title(self) -> str: ...
    @property
    def instructions(self) -> str: ...
    @property
    def translations(self) -> dict | None: ...


@dataclass(frozen=True)
class StepText:
    title: str
    instructions: str
    # The partner's language has no words for this step: these are the words as given
    # (the page and email add a short note saying so).
    untranslated: bool


def step_text(step: Worded, partner_language: str | None) -> StepText:
    language = language_of(partner_language)
    if language != DEFAULT_LANGUAGE:
        words = (step.translations or {}).get(language) or {}
        title, instructions = words.get("title"), words.get("instructions")
        if title and instructions:
            return StepText(title=title, instructions=instructions, untranslated=False)
    return StepText(
        title=step.title,
        instructions=step.instructions,
        untranslated=language != DEFAULT_LANGUAGE,
    )
