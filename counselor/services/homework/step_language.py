"""A step's words in the partner's language: the one rule every place a partner reads a
step uses (their page, their emails, the printed sheet).

An assignment keeps the words it was given in every language the ladder (the file, or
the practice's own text) had for it then (``Assignment.translations``, a snapshot like its
title). A partner reads the words in their language when the step has them; otherwise the
words as given, and the page says so (``StepText.untranslated``).

The weekly check-in's statements follow the same rule (``weekly_item_words``): the item's
words in the partner's language when the ladder file has them all, else the English ones,
marked untranslated. (Partners never read a rung's words; its translations are stored for
the API and for any page that shows them later, through the same rule.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Protocol

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
    translated = _translated(step.translations, language, ("title", "instructions"))
    if translated is not None:
        return StepText(**translated, untranslated=False)
    return StepText(
        title=step.title,
        instructions=step.instructions,
        untranslated=language != DEFAULT_LANGUAGE,
    )


class WeeklyWorded(Protocol):
    """What this needs of a weekly check-in item (``WeeklyCheckinItem``)."""

    @property
    def text(self) -> str: ...
    @property
    def low_label(self) -> str: ...
    @property
    def high_label(self) -> str: ...
    @property
    def translations(self) -> dict | None: ...


class WeeklyItemWords(NamedTuple):
    text: str
    low_label: str
    high_label: str
    # The partner's language has no words for this item: these are the English ones.
    untranslated: bool


def weekly_item_words(item: WeeklyWorded, partner_language: str | None) -> WeeklyItemWords:
    """The statement and the words at each end of its scale, in the partner's language."""
    language = language_of(partner_language)
    translated = _translated(item.translations, language, ("text", "low_label", "high_label"))
    if translated is not None:
        return WeeklyItemWords(**translated, untranslated=False)
    return WeeklyItemWords(
        item.text, item.low_label, item.high_label, untranslated=language != DEFAULT_LANGUAGE
    )


def _translated(
    translations: dict | None, language: str, fields: tuple[str, ...]
) -> dict[str, str] | None:
    """The one rule: the words in ``language`` when it is not the source's and every field
    has words in it (a half-translated entry reads wholly in English), else None."""
    if language == DEFAULT_LANGUAGE:
        return None
    words = (translations or {}).get(language) or {}
    chosen = {name: words.get(name) for name in fields}
    if not all(isinstance(value, str) and value for value in chosen.values()):
        return None
    return {name: str(value) for name, value in chosen.items()}
