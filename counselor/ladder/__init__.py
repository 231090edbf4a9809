"""The practical-steps ladder as data: ``ladder.toml`` and a loader that checks it. The
same file holds the weekly healthy-dependence check-in's items (``[weekly_checkin]``),
versioned on sync the way templates are."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path

from counselor.i18n import DEFAULT_LANGUAGE, LANGUAGES, english_name

LADDER_FILE = Path(__file__).with_name("ladder.toml")
WHO_VALUES = ("each", "together")
# The weekly check-in: how many items (one screen, under a minute), and the columns'
# lengths (models/ladder.py WeeklyCheckinItem).
WEEKLY_ITEMS_MIN, WEEKLY_ITEMS_MAX = 1, 12
KEY_MAX, ITEM_TEXT_MAX, ITEM_LABEL_MAX = 64, 240, 60
# A step's bounds, defined here only: the ladder file's, a practice's own ladder's
# (``check_template_fields``) and every assignment's (services/validation.py and
# services/homework/assignments.py import them) — the columns' lengths (task_templates',
# practice_templates' and assignments' title and instructions) and the weekly target (the
# practice_times_per_week check).
STEP_TITLE_MAX, STEP_INSTRUCTIONS_MAX = 120, 4000
TIMES_PER_WEEK_MIN, TIMES_PER_WEEK_MAX = 1, 14
# The words a partner may read in their own language, per kind of entry, each with the
# length its source field may have (None: no limit). A rung's counselor_note is for
# counselors only and is never translated; its title's column is as long as a step's.
TEMPLATE_WORDS: dict[str, int | None] = {
    "title": STEP_TITLE_MAX,
    "instructions": STEP_INSTRUCTIONS_MAX,
}
RUNG_WORDS: dict[str, int | None] = {"title": STEP_TITLE_MAX, "purpose": None}
ITEM_WORDS: dict[str, int | None] = {
    "text": ITEM_TEXT_MAX,
    "low_label": ITEM_LABEL_MAX,
    "high_label": ITEM_LABEL_MAX,
}
# The key of every step of a practice's own starts with this
# (services/homework/practice_ladder_input.py ``new_key``) and no key of the file may, so
# no later ladder file can take a key a practice already uses.
OWN_KEY_PREFIX = "p-"
# The languages words may be given in besides English, the source.
OTHER_LANGUAGES = tuple(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)


class LadderFileError(ValueError):
    """The ladder file is malformed; the message names the rung or template."""


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    title: str
    instructions: str
    times_per_week: int
    who: str
    # Doing the step means turning toward the other partner. None (not said in the file):
    # its rung decides (services/homework/leaning.py: rungs 2–5 do); true or false
    # overrides that for this step.
    leans_on_partner: bool | None = None
    # The step's words in other languages: {"es": {"title": …, "instructions": …}}.
    translations: dict[str, dict[str, str]] = dataclass_field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class RungSpec:
    position: int
    key: str
    title: str
    purpose: str
    counselor_note: str
    templates: tuple[TemplateSpec, ...]
    # What partners may read of the rung in other languages: {"es": {"title", "purpose"}}.
    translations: dict[str, dict[str, str]] = dataclass_field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class WeeklyItemSpec:
    """A statement of the weekly check-in, rated 1–5 between ``low_label`` (1) and
    ``high_label`` (5)."""

    key: str
    text: str
    low_label: str
    high_label: str
    # {"es": {"text": …, "low_label": …, "high_label": …}}.
    translations: dict[str, dict[str, str]] = dataclass_field(default_factory=dict, hash=False)


def load_ladder(path: Path = LADDER_FILE) -> list[RungSpec]:
    """Read and check the ladder file; rungs come back in ladder order."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    rungs = [_rung_from(entry) for entry in raw.get("rungs", [])]
    rungs.sort(key=lambda rung: rung.position)
    _check_whole_ladder(rungs)
    return rungs


def _rung_from(entry: dict) -> RungSpec:
    key = _text(entry, "key", "a rung")
    where = f"rung {key!r}"
    templates = tuple(_template_from(t, where) for t in entry.get("templates", []))
    if not 1 <= len(templates) <= 5:
        raise LadderFileError(f"{where} has {len(templates)} templates; give it 1 to 5.")
    position = entry.get("order")
    if not isinstance(position, int):
        raise LadderFileError(f"{where} needs a whole-number 'order'.")
    return RungSpec(
        position=position,
        key=key,
        title=_text(entry, "title", where),
        purpose=_text(entry, "purpose", where),
        counselor_note=_text(entry, "counselor_note", where),
        templates=templates,
        translations=_translations(entry, where, RUNG_WORDS),
    )


def _template_from(entry: dict, rung: str) -> TemplateSpec:
    key = _text(entry, "key", f"a template of {rung}")
    where = f"template {key!r}"
    if key.startswith(OWN_KEY_PREFIX):
        raise LadderFileError(
            f"{where}: keys starting with {OWN_KEY_PREFIX!r} are kept for the steps practices "
            "add to their own ladders; give the template another key."
        )
    times, who = entry.get("times_per_week"), entry.get("who")
    problems = check_template_fields(entry.get("title"), entry.get("instructions"), times, who)
    if problems:
        field_name, message = problems[0]
        raise LadderFileError(f"{where}: {field_name}: {message}")
    assert isinstance(times, int) and isinstance(who, str)  # as check_template_fields found
    leans = entry.get("leans_on_partner")
    if leans is not None and not isinstance(leans, bool):
        raise LadderFileError(f"{where}: leans_on_partner must be true or false.")
    return TemplateSpec(
        key=key,
        title=_text(entry, "title", where),
        instructions=_text(entry, "instructions", where),
        times_per_week=times,
        who=who,
        leans_on_partner=leans,
        translations=_translations(entry, where, TEMPLATE_WORDS),
    )


def _text(entry: dict, field: str, where: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise LadderFileError(f"{where} needs a non-empty {field!r}.")
    return " ".join(value.split())


def check_template_fields(
    title: object, instructions: object, times_per_week: object, who: object
) -> list[tuple[str, str]]:
    """What is wrong with a step's fields, as (field, message) pairs, none when all is
    well: the one rule for the ladder file's templates (``_template_from``) and for a
    practice's own steps and overrides (services/homework/practice_ladder.py). Text is
    checked as given: callers collapse its spacing first, as the loader does."""
    problems: list[tuple[str, str]] = []
    for name, value, most in (
        ("title", title, STEP_TITLE_MAX),
        ("instructions", instructions, STEP_INSTRUCTIONS_MAX),
    ):
        if not isinstance(value, str) or not value.strip():
            problems.append((name, f"Give the step its {name}; it may not be empty."))
        elif len(value) > most:
            problems.append((name, f"Keep the {name} to {most} characters or fewer."))
    if (
        not isinstance(times_per_week, int)
        or isinstance(times_per_week, bool)
        or not TIMES_PER_WEEK_MIN <= times_per_week <= TIMES_PER_WEEK_MAX
    ):
        problems.append(
            (
                "times_per_week",
                f"Times per week must be a whole number from {TIMES_PER_WEEK_MIN} "
                f"to {TIMES_PER_WEEK_MAX}.",
            )
        )
    if who not in WHO_VALUES:
        problems.append(("who", f"Who does it must be one of {', '.join(WHO_VALUES)}."))
    return problems


def _translations(
    entry: dict, where: str, fields: dict[str, int | None]
) -> dict[str, dict[str, str]]:
    """An entry's ``translations`` table (``[….translations.es]``), each language's words
    with their spacing collapsed as the source's are, checked by ``check_translation_words``."""
    raw = entry.get("translations", {})
    if not isinstance(raw, dict):
        raise LadderFileError(f"{where}: translations must be a table of languages.")
    translations: dict[str, dict[str, str]] = {}
    for language, words in raw.items():
        given = (
            {name: _collapsed(value) for name, value in words.items()}
            if isinstance(words, dict)
            else words
        )
        problems = check_translation_words(language, given, fields)
        if problems:
            field_name, message = problems[0]
            here = f"{where}, translation {language!r}"
            raise LadderFileError(
                f"{here}: {field_name}: {message}" if field_name in fields else f"{here}: {message}"
            )
        translations[language] = {name: str(given[name]) for name in fields}  # all text, as checked
    return translations


def _collapsed(value: object) -> object:
    return " ".join(value.split()) if isinstance(value, str) else value


def language_name(code: str) -> str:
    """A language's name in English, for counselors: "Spanish", "German"."""
    return english_name(code)


def check_translation_words(
    language: object, words: object, fields: dict[str, int | None]
) -> list[tuple[str, str]]:
    """What is wrong with an entry's words in one other language, as (field, message)
    pairs (field "translations" for the language or the table as a whole), none when all
    is well: a language the service speaks other than English (the source), exactly the
    entry's ``fields``, each given (not blank) and no longer than its source field may be
    (None: no limit). The one rule for the ladder file's translations (``_translations``)
    and for the words an owner gives a step of the practice's ladder
    (services/homework/practice_ladder_input.py). Text is checked as given: callers
    collapse its spacing first, as the loader does."""
    if language not in OTHER_LANGUAGES:
        return [
            (
                "translations",
                f"{language!r} is not a language the service speaks; "
                f"use one of {', '.join(OTHER_LANGUAGES)}.",
            )
        ]
    assert isinstance(language, str)
    name = language_name(language)
    if not isinstance(words, dict):
        return [("translations", f"Give the {name} words as a table of {', '.join(fields)}.")]
    unknown = sorted(set(words) - set(fields))
    if unknown:
        return [("translations", f"unknown fields {unknown}; give exactly {', '.join(fields)}.")]
    problems: list[tuple[str, str]] = []
    for field_name, most in fields.items():
        value = words.get(field_name)
        if not isinstance(value, str) or not value.strip():
            problems.append(
                (field_name, f"Give the {field_name} in {name} too, or leave {name} out.")
            )
        elif most is not None and len(value) > most:
            problems.append(
                (field_name, f"Keep the {field_name} in {name} to {most} characters or fewer.")
            )
    return problems


def _check_whole_ladder(rungs: list[RungSpec]) -> None:
    positions = [rung.position for rung in rungs]
    if positions != list(range(1, len(rungs) + 1)):
        raise LadderFileError(f"rung orders must run 1, 2, 3 … without gaps; found {positions}.")
    keys = [rung.key for rung in rungs] + [t.key for rung in rungs for t in rung.templates]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise LadderFileError(f"keys must be unique across the file; repeated: {duplicates}.")


def load_weekly_checkin(path: Path = LADDER_FILE) -> list[WeeklyItemSpec]:
    """Read and check the weekly check-in's items (``[[weekly_checkin.items]]``), in the
    order the partner sees them."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    section = raw.get("weekly_checkin", {})
    entries = section.get("items", []) if isinstance(section, dict) else []
    if not WEEKLY_ITEMS_MIN <= len(entries) <= WEEKLY_ITEMS_MAX:
        raise LadderFileError(
            f"the weekly check-in has {len(entries)} items; give it "
            f"{WEEKLY_ITEMS_MIN} to {WEEKLY_ITEMS_MAX}."
        )
    items = [_weekly_item_from(entry) for entry in entries]
    keys = [item.key for item in items]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise LadderFileError(f"weekly check-in keys must be unique; repeated: {duplicates}.")
    return items


def _weekly_item_from(entry: dict) -> WeeklyItemSpec:
    key = _text(entry, "key", "a weekly check-in item")
    where = f"weekly check-in item {key!r}"
    item = WeeklyItemSpec(
        key=key,
        text=_text(entry, "text", where),
        low_label=_text(entry, "low_label", where),
        high_label=_text(entry, "high_label", where),
        translations=_translations(entry, where, ITEM_WORDS),
    )
    for field, value, most in (
        ("key", item.key, KEY_MAX),
        ("text", item.text, ITEM_TEXT_MAX),
        ("low_label", item.low_label, ITEM_LABEL_MAX),
        ("high_label", item.high_label, ITEM_LABEL_MAX),
    ):
        if len(value) > most:
            raise LadderFileError(f"{where}: {field} is longer than {most} characters.")
    return item
