"""A step as an owner writes it for the practice's ladder: its fields and its words in
other languages checked by the ladder file's rules (``counselor.ladder``'s
``check_template_fields`` and ``check_translation_words``), and the key a step of the
practice's own gets (used by ``practice_ladder_edits.py``)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa

from counselor.extensions import db
from counselor.ladder import (
    OWN_KEY_PREFIX,
    TEMPLATE_WORDS,
    check_template_fields,
    check_translation_words,
)
from counselor.models import TemplateWho
from counselor.models.practice_ladder import PracticeTemplate
from counselor.services.errors import FieldErrors
from counselor.services.validation import TEMPLATE_KEY_MAX, unstorable

KEY_SUFFIX_BYTES = 2  # four hex characters after the title's slug: "p-call-your-mum-3f9a"


@dataclass(frozen=True)
class StepInput:
    """A step as the owner writes it (the edit and add forms)."""

    title: str
    instructions: str
    times_per_week: int | None
    who: str
    # None: as the base step says (an override), or by its rung (a step of its own).
    leans_on_partner: bool | None = None
    # {"es": {"title": …, "instructions": …}}; a language whose words are all left blank
    # is no translation (the form offers every language); anything given is checked whole.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


def checked_step(data: StepInput) -> dict:
    """The step's fields as they will be stored, or ``InvalidInput`` with every problem."""
    title = " ".join((data.title or "").split())
    instructions = (data.instructions or "").strip()
    problems = FieldErrors()
    for name, message in check_template_fields(title, instructions, data.times_per_week, data.who):
        problems.add(name, message)
    for name, text in (("title", title), ("instructions", instructions)):
        if (problem := unstorable(text)) and name not in problems.errors:
            problems.add(name, problem)
    translations = _checked_translations(problems, data.translations)
    problems.raise_if_any()
    return {
        "title": title,
        "instructions": instructions,
        "times_per_week": data.times_per_week,
        "who": TemplateWho(data.who),
        "leans_on_partner": data.leans_on_partner,
        "translations": translations or None,
    }


def _checked_translations(problems: FieldErrors, given: dict[str, dict[str, str]]) -> dict:
    """The words given per language, checked by the ladder file's rule; a language whose
    every field is blank is left out (the form's "leave them empty for no translation")."""
    checked: dict[str, dict[str, str]] = {}
    for language, entry in given.items():
        words = {
            name: (" ".join(text.split()) if name == "title" else text.strip())
            for name, text in entry.items()
        }
        if not any(words.values()):
            continue
        found = dict(check_translation_words(language, words, TEMPLATE_WORDS))
        for name in TEMPLATE_WORDS:
            if name not in found and (problem := unstorable(words.get(name, ""))):
                found[name] = problem
        for name, message in found.items():
            problems.add(f"{language}_{name}" if name in TEMPLATE_WORDS else name, message)
        if not found:
            checked[language] = words
    return checked


def new_key(practice_id: int, title: str) -> str:
    """A key for a step of the practice's own: ``OWN_KEY_PREFIX``, its title's slug and a
    short random suffix ("p-call-your-mum-3f9a"). The shipped ladder's keys never start
    with the prefix (the loader refuses them), so it is never a base key, now or after a
    later sync; nor one the practice already uses."""
    fixed_length = len(OWN_KEY_PREFIX) + 1 + KEY_SUFFIX_BYTES * 2
    slug = _slug(title)[: TEMPLATE_KEY_MAX - fixed_length].strip("-") or "step"
    taken = set(
        db.session.scalars(
            sa.select(PracticeTemplate.key).where(PracticeTemplate.practice_id == practice_id)
        )
    )
    while True:
        key = f"{OWN_KEY_PREFIX}{slug}-{secrets.token_hex(KEY_SUFFIX_BYTES)}"
        if key not in taken:
            return key


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
