"""The ladder's words in other languages: the file's translation tables, the loader's
checks, what ``ladder sync`` stores, and the backfill of steps given before translations
(services/homework/given_translations.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.i18n import DEFAULT_LANGUAGE, LANGUAGES
from counselor.ladder import (
    ITEM_WORDS,
    RUNG_WORDS,
    TEMPLATE_WORDS,
    LadderFileError,
    RungSpec,
    load_ladder,
    load_weekly_checkin,
)
from counselor.models import (
    Assignment,
    LadderRung,
    PracticeTemplate,
    TaskTemplate,
    WeeklyCheckinItem,
)
from counselor.services.homework import ladder
from counselor.services.homework.given_translations import backfill_given_translations
from tests.support import factories
from tests.support.helpers import count_statements, stored

OTHER_LANGUAGES = sorted(set(LANGUAGES) - {DEFAULT_LANGUAGE})
SPANISH = {"title": "Pide consejo", "instructions": "Explícale la situación a tu pareja."}

# --- the file as shipped ----------------------------------------------------------------


def test_shipped_ladder_speaks_every_language_for_every_rung_and_template():
    """A new rung or template comes with its words in every language partners may read."""
    missing = [
        f"{entry.key} ({language})"
        for rung in load_ladder()
        for entry in (rung, *rung.templates)
        for language in OTHER_LANGUAGES
        if language not in entry.translations
    ]
    assert missing == []


def test_shipped_weekly_checkin_speaks_every_language_for_every_item():
    missing = [
        f"{item.key} ({language})"
        for item in load_weekly_checkin()
        for language in OTHER_LANGUAGES
        if language not in item.translations
    ]
    assert missing == []


def test_shipped_translations_are_whole_and_differ_from_the_english():
    for rung in load_ladder():
        for entry, fields in ((rung, RUNG_WORDS), *((t, TEMPLATE_WORDS) for t in rung.templates)):
            for language, words in entry.translations.items():
                assert set(words) == set(fields), (entry.key, language)
                assert all(words[name] != getattr(entry, name) for name in fields), entry.key
    for item in load_weekly_checkin():
        for words in item.translations.values():
            assert set(words) == set(ITEM_WORDS)
            assert words["text"] != item.text


def test_a_rungs_counselor_note_is_never_translated():
    assert all("counselor_note" not in w for r in load_ladder() for w in r.translations.values())


# --- the loader: small files in tmp_path --------------------------------------------------


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_ladder(tmp_path: Path, translations: dict | None = None, where: str = "template") -> Path:
    """Two rungs of one template each; ``translations`` under the first rung, its template
    or the weekly check-in's one item (``where``)."""
    lines = []
    for order in (1, 2):
        lines += [
            "[[rungs]]",
            f"order = {order}",
            f'key = "rung-{order}"',
            f'title = "Rung {order}"',
            'purpose = "A purpose."',
            'counselor_note = "A note."',
        ]
        if order == 1 and where == "rung":
            lines += _tables("rungs", translations or {})
        lines += [
            "[[rungs.templates]]",
            f'key = "step-{order}"',
            f'title = "Step {order}"',
            'instructions = "Do it."',
            "times_per_week = 2",
            'who = "each"',
        ]
        if order == 1 and where == "template":
            lines += _tables("rungs.templates", translations or {})
    lines += [
        "[weekly_checkin]",
        "[[weekly_checkin.items]]",
        'key = "item"',
        'text = "This week I talked it over."',
        'low_label = "Not at all"',
        'high_label = "Very much"',
    ]
    if where == "item":
        lines += _tables("weekly_checkin.items", translations or {})
    path = tmp_path / "ladder.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tables(table: str, translations: dict) -> list[str]:
    lines = []
    for language, words in translations.items():
        lines.append(f"[{table}.translations.{language}]")
        lines += [f"{name} = {_toml(value)}" for name, value in words.items()]
    return lines


def test_loader_reads_translations_onto_the_right_entry(tmp_path):
    path = write_ladder(tmp_path, {"es": SPANISH, "de": {**SPANISH, "title": "Bitte um Rat"}})

    first, second = load_ladder(path)

    assert first.templates[0].translations == {
        "es": SPANISH,
        "de": {**SPANISH, "title": "Bitte um Rat"},
    }
    assert second.templates[0].translations == {}
    assert first.translations == {} and second.translations == {}


def test_loader_collapses_spacing_in_translations_as_in_the_source(tmp_path):
    path = write_ladder(tmp_path, {"es": {"title": "  Pide   consejo ", "instructions": "a\n b"}})
    assert load_ladder(path)[0].templates[0].translations == {
        "es": {"title": "Pide consejo", "instructions": "a b"}
    }


def test_loader_reads_a_rungs_and_an_items_translations(tmp_path):
    rung_words = {"es": {"title": "Peldaño", "purpose": "Un propósito."}}
    item_words = {"de": {"text": "Diese Woche.", "low_label": "Gar nicht", "high_label": "Sehr"}}

    assert load_ladder(write_ladder(tmp_path, rung_words, "rung"))[0].translations == rung_words
    items = load_weekly_checkin(write_ladder(tmp_path, item_words, "item"))
    assert items[0].translations == item_words


@pytest.mark.parametrize(
    ("where", "translations", "message"),
    [
        (
            "template",
            {"fr": SPANISH},
            "template 'step-1', translation 'fr': 'fr' is not a language",
        ),
        ("template", {"en": SPANISH}, "translation 'en': 'en' is not a language"),
        (
            "template",
            {"es": {"title": "Pide consejo"}},
            "'es': instructions: Give the instructions in Spanish too",
        ),
        (
            "template",
            {"es": {**SPANISH, "title": "  "}},
            "'es': title: Give the title in Spanish too",
        ),
        (
            "template",
            {"es": {**SPANISH, "title": "x" * 121}},
            "title: Keep the title in Spanish to 120 characters",
        ),
        (
            "template",
            {"es": {**SPANISH, "instructions": "x" * 4001}},
            "instructions: Keep the instructions in Spanish to 4000 characters",
        ),
        ("template", {"es": {**SPANISH, "instruction": "typo"}}, "unknown fields"),
        ("rung", {"de": {"title": "Stufe"}}, "rung 'rung-1', translation 'de': purpose: Give"),
        ("rung", {"de": {"title": "Stufe", "purpose": "Ziel.", "counselor_note": "x"}}, "unknown"),
        (
            "item",
            {"es": {"text": "x" * 241, "low_label": "a", "high_label": "b"}},
            "text: Keep the text in Spanish to 240 characters",
        ),
        (
            "item",
            {"es": {"text": "t", "low_label": "a" * 61, "high_label": "b"}},
            "low_label: Keep the low_label",
        ),
        (
            "item",
            {"es": {"text": "t", "low_label": "a"}},
            "item 'item', translation 'es': high_label: Give",
        ),
    ],
    ids=[
        "unknown-language",
        "english",
        "missing-field",
        "empty-field",
        "long-title",
        "long-instructions",
        "misspelt-field",
        "rung-missing-purpose",
        "rung-counselor-note",
        "long-item-text",
        "long-label",
        "item-missing-label",
    ],
)
def test_loader_rejects_bad_translations(tmp_path, where, translations, message):
    path = write_ladder(tmp_path, translations, where)
    with pytest.raises(LadderFileError, match=message):
        (load_weekly_checkin if where == "item" else load_ladder)(path)


def test_loader_rejects_translations_that_are_not_a_table(tmp_path):
    path = write_ladder(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        'who = "each"', 'who = "each"\ntranslations = "es"', 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LadderFileError, match="translations must be a table"):
        load_ladder(path)

    path.write_text(
        text.replace('translations = "es"', 'translations = { es = "Pide" }'), encoding="utf-8"
    )
    with pytest.raises(LadderFileError, match="'es': Give the Spanish words as a table"):
        load_ladder(path)


# --- the sync ---------------------------------------------------------------------------


def _with_template_words(specs: list[RungSpec], key: str, words: dict) -> list[RungSpec]:
    return [
        replace(
            r,
            templates=tuple(
                replace(t, translations=words) if t.key == key else t for t in r.templates
            ),
        )
        for r in specs
    ]


def test_sync_stores_every_translation_of_the_file(app):
    specs, items = load_ladder(), load_weekly_checkin()
    rungs = {r.key: r for r in db.session.scalars(sa.select(LadderRung))}
    templates = {t.key: t for t in db.session.scalars(sa.select(TaskTemplate))}
    stored_items = {i.key: i for i in db.session.scalars(sa.select(WeeklyCheckinItem))}

    for spec in specs:
        assert rungs[spec.key].translations == spec.translations
        for template_spec in spec.templates:
            assert templates[template_spec.key].translations == template_spec.translations
    for item in items:
        assert stored_items[item.key].translations == item.translations


def test_a_changed_translation_updates_the_template_without_a_new_version(app):
    key = "ask-for-advice"
    template = factories.template(key)
    version = template.version
    words = {**template.translations, "es": SPANISH}

    result = ladder.sync_ladder(_with_template_words(load_ladder(), key, words))

    assert result.updated == [key]
    assert (template.translations, template.version) == (words, version)
    assert not ladder.sync_ladder(_with_template_words(load_ladder(), key, words)).changed
    assert ladder.sync_ladder().updated == [key]  # back to the file's words
    assert template.translations == next(
        t.translations for r in load_ladder() for t in r.templates if t.key == key
    )


def test_translations_dropped_from_the_file_are_dropped_on_sync(app):
    key = "ask-for-advice"
    ladder.sync_ladder(_with_template_words(load_ladder(), key, {}))
    assert factories.template(key).translations == {}


def test_a_changed_rung_translation_updates_the_rung(app):
    specs = load_ladder()
    words = {**specs[0].translations, "de": {"title": "Stufe eins", "purpose": "Ein Ziel."}}

    result = ladder.sync_ladder([replace(specs[0], translations=words), *specs[1:]])

    assert result.updated == [specs[0].key]
    assert factories.rung(1).translations == words


def test_a_changed_item_translation_updates_the_item_without_a_new_version(app):
    items = load_weekly_checkin()
    words = {**items[0].translations, "es": {"text": "Hablé.", "low_label": "a", "high_label": "b"}}
    item = db.session.scalar(sa.select(WeeklyCheckinItem).filter_by(key=items[0].key))
    version = item.version

    result = ladder.sync_ladder(items=[replace(items[0], translations=words), *items[1:]])

    assert result.items_updated == [items[0].key]
    assert (item.translations, item.version) == (words, version)


# --- steps given before the ladder had translations ---------------------------------------


def _given(template: TaskTemplate, couple=None, **fields) -> Assignment:
    values = {"title": template.title, "instructions": template.instructions} | fields
    return factories.AssignmentFactory(
        couple=couple or factories.CoupleFactory(),
        rung=template.rung,
        template_id=template.id,
        template_version=template.version,
        **values,
    )


def test_sync_gives_earlier_steps_their_templates_translations_once(app):
    template = factories.template("ask-for-advice")
    other = factories.template("hand-over-a-chore")
    couple = factories.CoupleFactory()
    as_given = _given(template, couple)  # translations never set: SQL NULL
    set_to_none = _given(template, couple, translations=None)  # through the ORM: JSON null
    given_empty = _given(template, couple, translations={})  # the template had none then
    another_practice = _given(template)
    from_other_template = _given(other, couple)
    reworded = _given(template, couple, title="Ask me for advice")
    already = _given(template, couple, translations={"es": SPANISH})
    override = PracticeTemplate(
        practice_id=already.practice_id,
        base_template_id=template.id,
        rung_id=template.rung_id,
        key=template.key,
        title="Our words",
    )
    db.session.add(override)
    db.session.flush()
    from_practice_text = _given(template, couple, practice_template_id=override.id)
    db.session.flush()

    assert another_practice.practice_id != couple.practice_id

    result = ladder.sync_ladder()

    db.session.expire_all()
    for filled in (as_given, set_to_none, given_empty, another_practice):
        assert stored(Assignment, filled.id).translations == template.translations
    assert stored(Assignment, from_other_template.id).translations == other.translations
    assert stored(Assignment, reworded.id).translations is None
    assert stored(Assignment, already.id).translations == {"es": SPANISH}
    assert stored(Assignment, from_practice_text.id).translations is None
    assert result.steps_translated == 5
    assert result.changed
    assert ladder.sync_ladder().steps_translated == 0


def test_backfill_is_one_update_per_template_with_translations(app):
    templates = list(db.session.scalars(sa.select(TaskTemplate)))
    for template in templates[:3]:
        _given(template)
        _given(template)
    db.session.flush()

    with count_statements() as counter:
        filled = backfill_given_translations(templates)

    updates = [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE")]
    assert filled == 6
    assert len(updates) == len([t for t in templates if t.translations])


def test_backfill_leaves_a_step_whose_template_was_reworded_since(app):
    template = factories.template("ask-for-advice")
    older = _given(template, instructions="Words of an older version.")
    db.session.flush()

    assert backfill_given_translations([template]) == 0
    db.session.expire_all()
    assert stored(Assignment, older.id).translations is None


def test_backfill_keeps_each_steps_updated_at(app):
    template = factories.template("ask-for-advice")
    earlier = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    step = _given(template, updated_at=earlier)
    db.session.flush()

    assert backfill_given_translations([template]) == 1
    db.session.expire_all()
    filled = stored(Assignment, step.id)
    assert filled.translations == template.translations
    assert filled.updated_at == earlier
