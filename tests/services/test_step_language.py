"""services/homework/step_language.py: a step's and a weekly item's words in the partner's
language, one fallback rule for both (pure: plain objects, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from counselor.services.homework.step_language import (
    StepText,
    WeeklyItemWords,
    step_text,
    weekly_item_words,
)

STEP_WORDS = {
    "es": {"title": "Pide consejo directamente", "instructions": "Explícale la situación."},
    "de": {"title": "Bitte direkt um Rat", "instructions": "Schildere die Lage."},
}
ITEM_WORDS = {
    "es": {"text": "Esta semana lo hablé.", "low_label": "Para nada", "high_label": "Mucho"},
}


@dataclass
class Step:
    title: str = "Ask directly for advice"
    instructions: str = "Describe the situation."
    translations: dict | None = field(default_factory=lambda: dict(STEP_WORDS))


@dataclass
class Item:
    text: str = "This week I talked it over."
    low_label: str = "Not at all"
    high_label: str = "Very much"
    translations: dict | None = field(default_factory=lambda: dict(ITEM_WORDS))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", StepText("Pide consejo directamente", "Explícale la situación.", False)),
        ("es-MX", StepText("Pide consejo directamente", "Explícale la situación.", False)),
        ("de_AT", StepText("Bitte direkt um Rat", "Schildere die Lage.", False)),
        ("en", StepText("Ask directly for advice", "Describe the situation.", False)),
        (None, StepText("Ask directly for advice", "Describe the situation.", False)),
    ],
)
def test_step_text_in_the_partners_language(language, expected):
    assert step_text(Step(), language) == expected


@pytest.mark.parametrize(
    "translations",
    [
        None,
        {},
        {"de": STEP_WORDS["de"]},
        {"es": {"title": "Pide consejo directamente"}},  # half a translation
        {"es": {"title": "Pide consejo directamente", "instructions": ""}},
    ],
    ids=["none", "empty", "other-language", "title-only", "empty-instructions"],
)
def test_step_text_falls_back_to_the_words_as_given_and_says_so(translations):
    assert step_text(Step(translations=translations), "es") == StepText(
        "Ask directly for advice", "Describe the situation.", untranslated=True
    )


def test_a_language_the_service_does_not_speak_reads_all_english_with_no_note():
    # The whole page is in English then (i18n.language_of): nothing to point out.
    words = step_text(Step(translations={"fr": {"title": "x", "instructions": "y"}}), "fr")
    assert (words.title, words.untranslated) == ("Ask directly for advice", False)


def test_weekly_item_words_in_the_partners_language():
    assert weekly_item_words(Item(), "es-419") == WeeklyItemWords(
        "Esta semana lo hablé.", "Para nada", "Mucho", untranslated=False
    )


def test_weekly_item_words_unpack_as_a_tuple():
    text, low, high, untranslated = weekly_item_words(Item(), "es")
    assert (text, low, high, untranslated) == ("Esta semana lo hablé.", "Para nada", "Mucho", False)


@pytest.mark.parametrize(
    ("language", "translations", "untranslated"),
    [
        ("en", ITEM_WORDS, False),
        (None, ITEM_WORDS, False),
        ("de", ITEM_WORDS, True),  # no German words for this item
        ("es", None, True),
        ("es", {"es": {"text": "Esta semana lo hablé.", "low_label": "Para nada"}}, True),
        ("es", {"es": {**ITEM_WORDS["es"], "high_label": ""}}, True),
        ("fr", {"fr": {"text": "t", "low_label": "l", "high_label": "h"}}, False),
    ],
    ids=["en", "none", "other-language", "no-translations", "no-high-label", "empty", "fr"],
)
def test_weekly_item_words_fall_back_like_a_step(language, translations, untranslated):
    assert weekly_item_words(Item(translations=translations), language) == WeeklyItemWords(
        "This week I talked it over.", "Not at all", "Very much", untranslated
    )
