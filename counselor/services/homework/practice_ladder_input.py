"""A step as an owner writes it for the practice's ladder: its fields checked by the ladder
file's rules (``counselor.ladder.check_template_fields``), its words in other languages,
and the key a step of the practice's own gets (used by ``practice_ladder_edits.py``)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from babel import Locale

from counselor.extensions import db
from counselor.i18n import DEFAULT_LANGUAGE, LANGUAGES
from counselor.ladder import STEP_TITLE_MAX, check_template_fields
from counselor.models import TaskTemplate, TemplateWho
from counselor.models.practice_ladder import PracticeTemplate
from counselor.services.errors import FieldErrors
from counselor.services.validation import TEMPLATE_KEY_MAX, unstorable

# The other languages a practice may give a step's words in (English is the source).
OTHER_LANGUAGES = tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)
KEY_SUFFIX_BYTES = 2  # four hex characters after the title's slug: "call-your-mum-3f9a"


@dataclass(frozen=True)
class StepInput:
    """A step as the owner writes it (the edit and add forms)."""

    title: str
    instructions: str
    times_per_week: int | None
    who: str
    # None: as the base step says (an override), or by its rung (a step of its own).
    leans_on_partner: bool | None = None
    # {"es": {"title": …, "instructions": …}}; a language left blank is left out.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


def language_name(code: str) -> str:
    """A language's name in English, for the dashboard: "Spanish", "German"."""
    return Locale.parse(code).get_display_name(DEFAULT_LANGUAGE) or code


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
    words: dict[str, dict[str, str]] = {}
    for language in OTHER_LANGUAGES:
        entry = given.get(language) or {}
        title = " ".join((entry.get("title") or "").split())
        instructions = (entry.get("instructions") or "").strip()
        if not title and not instructions:
            continue
        name = language_name(language)
        if not title or not instructions:
            problems.add(
                f"{language}_title" if not title else f"{language}_instructions",
                f"Give both the title and the instructions in {name}, or neither.",
            )
        elif len(title) > STEP_TITLE_MAX:
            problems.add(f"{language}_title", f"Keep the title to {STEP_TITLE_MAX} characters.")
        elif problem := unstorable(title) or unstorable(instructions):
            problems.add(f"{language}_instructions", problem)
        else:
            words[language] = {"title": title, "instructions": instructions}
    return words


def new_key(practice_id: int, title: str) -> str:
    """A key for a step of the practice's own: its title's slug and a short random suffix,
    never a key the shipped ladder or the practice already uses."""
    suffix_length = 1 + KEY_SUFFIX_BYTES * 2
    slug = _slug(title)[: TEMPLATE_KEY_MAX - suffix_length].strip("-") or "step"
    taken = set(db.session.scalars(sa.select(TaskTemplate.key))) | set(
        db.session.scalars(
            sa.select(PracticeTemplate.key).where(PracticeTemplate.practice_id == practice_id)
        )
    )
    while True:
        key = f"{slug}-{secrets.token_hex(KEY_SUFFIX_BYTES)}"
        if key not in taken:
            return key


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
