"""A practice's own ladder: services/homework/practice_ladder.py (the effective ladder) and
practice_ladder_edits.py (an owner's changes), with the assign service reading it."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.ladder import (
    TEMPLATE_WORDS,
    check_template_fields,
    check_translation_words,
    load_ladder,
)
from counselor.models import AuditEvent, CounselorRole, TaskTemplate
from counselor.models.practice_ladder import (
    LadderChangeKind,
    PracticeLadderChange,
    PracticeTemplate,
)
from counselor.services.errors import DuplicateAssignment, InvalidInput
from counselor.services.homework import ladder
from counselor.services.homework import practice_ladder_edits as edits
from counselor.services.homework.assignments import (
    AssignmentChanges,
    AssignmentInput,
    assign_homework,
    update_assignment,
)
from counselor.services.homework.practice_ladder import (
    effective_ladder,
    effective_template,
    ladder_history,
)
from counselor.services.homework.practice_ladder_input import StepInput, checked_step
from tests.support import factories
from tests.support.helpers import count_statements, row_counts

KEY = "share-a-minor-worry"  # a base step on rung 2
OURS = StepInput(
    title="Tell them one small worry",
    instructions="Once a day, name one small worry out loud to your partner.",
    times_per_week=5,
    who="each",
    translations={"es": {"title": "Cuenta una preocupación", "instructions": "Cada día, una."}},
)


def step_input(**changes) -> StepInput:
    values = dict(OURS.__dict__) | changes
    return StepInput(**values)


def events(action: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_an_override_gives_the_practice_its_text_and_leaves_the_base_alone(actor, counselor):
    base = factories.template(KEY)
    base_words = (base.title, base.instructions, base.version)

    change = edits.save_step(counselor, KEY, OURS)

    step = effective_template(counselor.practice_id, KEY)
    assert (step.title, step.instructions, step.times_per_week) == (
        OURS.title,
        OURS.instructions,
        5,
    )
    assert step.source == "practice" and step.overridden and not step.base_updated
    assert step.translations == OURS.translations  # rewritten: only the practice's words
    assert step.leans_on_partner is base.leans_on_partner  # not said: the base's
    assert (base.title, base.instructions, base.version) == base_words
    assert change.kind == LadderChangeKind.OVERRIDDEN and change.version == 1
    assert change.counselor_id == counselor.id
    assert change.snapshot["title"] == OURS.title
    assert events("ladder.overridden") == 1


def test_a_field_the_base_has_is_stored_as_none_and_follows_the_base(actor, counselor):
    base = factories.template(KEY)
    edits.save_step(
        counselor,
        KEY,
        StepInput(base.title, base.instructions, 6, base.who.value),
    )
    row = db.session.scalar(sa.select(PracticeTemplate).where(PracticeTemplate.key == KEY))
    assert (row.title, row.instructions, row.times_per_week, row.who) == (None, None, 6, None)
    step = effective_template(counselor.practice_id, KEY)
    # Only the times changed: the base's words in other languages still say this step.
    assert step.translations == (base.translations or None)
    # Saving the same again changes nothing and records nothing.
    same = StepInput(base.title, base.instructions, 6, base.who.value)
    assert edits.save_step(counselor, KEY, same) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticeLadderChange)) == 1


def test_words_equal_to_the_bases_in_one_language_are_no_override(actor, counselor):
    base = factories.template(KEY)
    assert {"es", "de"} <= set(base.translations or {})  # the shipped step speaks both
    same_spanish = StepInput(
        base.title,
        base.instructions,
        base.times_per_week,
        base.who.value,
        translations={"es": dict(base.translations["es"])},
    )

    assert edits.save_step(counselor, KEY, same_spanish) is None
    assert effective_template(counselor.practice_id, KEY).source == "base"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticeTemplate)) == 0

    german = {"title": "Eine kleine Sorge teilen", "instructions": "Einmal am Tag, laut."}
    both = replace(same_spanish, translations={"es": base.translations["es"], "de": german})
    edits.save_step(counselor, KEY, both)
    row = db.session.scalar(sa.select(PracticeTemplate).where(PracticeTemplate.key == KEY))
    assert row.translations == {"de": german}  # the Spanish follows the base
    step = effective_template(counselor.practice_id, KEY)
    assert step.translations == {**base.translations, "de": german}

    # Rewritten English: every language given is the practice's, the base's too.
    reworded = replace(both, title="Share one small worry, out loud")
    edits.save_step(counselor, KEY, reworded)
    assert effective_template(counselor.practice_id, KEY).translations == {
        "es": base.translations["es"],
        "de": german,
    }


def test_a_step_of_the_practices_own_gets_a_new_key_and_its_rungs_leaning(actor, counselor):
    rung_one, rung_three = factories.rung(1), factories.rung(3)
    base_keys = set(db.session.scalars(sa.select(TaskTemplate.key)))

    first = edits.add_step(counselor, rung_one.id, step_input(title="Share a minor worry!"))
    second = edits.add_step(counselor, rung_one.id, step_input(title="Share a minor worry!"))
    on_three = edits.add_step(counselor, rung_three.id, step_input(title="Ask for help"))

    keys = [first.template_key, second.template_key]
    assert all(k.startswith("p-share-a-minor-worry-") and len(k) <= 64 for k in keys)
    assert len(set(keys)) == 2 and not set(keys) & base_keys
    rungs = {r.position: r for r in effective_ladder(counselor.practice_id)}
    assert [t.key for t in rungs[1].active][-2:] == keys  # after the base's steps
    ours = rungs[1].active[-1]
    assert ours.own and ours.source == "practice" and ours.version == 1
    assert ours.leans_on_partner is False  # rung 1: by its rung (leaning.template_leans)
    assert effective_template(counselor.practice_id, on_three.template_key).leans_on_partner
    assert first.kind == LadderChangeKind.ADDED and events("ladder.added") == 3


def test_a_long_title_still_makes_a_key_of_at_most_64_characters(actor, counselor):
    change = edits.add_step(counselor, factories.rung(2).id, step_input(title="Ñ" + "x" * 119))
    assert len(change.template_key) == 64 and change.template_key.startswith("p-nxxx")


def test_retire_hides_a_step_and_bring_back_offers_it_again(actor, counselor, couple):
    edits.retire_step(counselor, KEY)

    assert effective_template(counselor.practice_id, KEY) is None
    assert KEY not in {t.key for r in effective_ladder(counselor.practice_id) for t in r.active}
    retired = effective_template(counselor.practice_id, KEY, include_retired=True)
    assert retired.retired and retired.source == "base"  # retired, not rewritten
    with pytest.raises(InvalidInput) as refused:
        assign_homework(actor, couple.id, AssignmentInput(template_key=KEY))
    assert "template_key" in refused.value.errors
    with pytest.raises(InvalidInput):
        edits.retire_step(counselor, KEY)  # already retired

    edits.return_step(counselor, KEY)

    assert effective_template(counselor.practice_id, KEY) is not None
    kinds = [e.kind for e in ladder_history(counselor.practice_id)]
    assert kinds == [LadderChangeKind.RETURNED, LadderChangeKind.RETIRED]  # newest first


def test_an_assignment_keeps_the_text_it_was_given_after_the_base_is_restored(
    actor, counselor, couple
):
    edits.save_step(counselor, KEY, OURS)
    given = assign_homework(actor, couple.id, AssignmentInput(template_key=KEY))
    row = db.session.scalar(sa.select(PracticeTemplate).where(PracticeTemplate.key == KEY))
    assert (given.title, given.instructions, given.times_per_week) == (
        OURS.title,
        OURS.instructions,
        5,
    )
    assert (given.practice_template_id, given.practice_template_version) == (row.id, 1)
    assert given.template_id == factories.template(KEY).id
    assert given.translations == OURS.translations

    change = edits.restore_base(counselor, KEY)

    base = factories.template(KEY)
    step = effective_template(counselor.practice_id, KEY)
    assert (step.title, step.source) == (base.title, "base")
    assert (row.title, row.instructions, row.times_per_week, row.translations) == (
        None,
        None,
        None,
        None,
    )
    assert change.kind == LadderChangeKind.BASE_RESTORED and row.version == 2
    assert change.snapshot["replaced"]["title"] == OURS.title
    db.session.expire_all()
    assert (given.title, given.instructions) == (OURS.title, OURS.instructions)
    fresh = assign_homework(
        actor, couple.id, AssignmentInput(template_key=KEY, allow_duplicate=True)
    )
    assert (fresh.title, fresh.practice_template_id) == (base.title, None)


def test_undo_puts_the_practices_text_back_once(actor, counselor):
    edits.save_step(counselor, KEY, OURS)
    edits.restore_base(counselor, KEY)
    row = db.session.scalar(sa.select(PracticeTemplate).where(PracticeTemplate.key == KEY))
    assert row.id in edits.restores_to_undo(counselor.practice_id)

    edits.undo_restore(counselor, KEY)

    step = effective_template(counselor.practice_id, KEY)
    assert (step.title, step.source, step.version) == (OURS.title, "practice", 3)
    assert edits.restores_to_undo(counselor.practice_id) == {}
    with pytest.raises(InvalidInput):
        edits.undo_restore(counselor, KEY)


def test_a_sync_that_changes_the_base_marks_the_override_and_never_overwrites_it(actor, counselor):
    from tests.test_ladder import edited

    edits.save_step(counselor, KEY, OURS)
    ladder.sync_ladder(edited(load_ladder(), KEY, instructions="Say one small worry, daily."))

    step = effective_template(counselor.practice_id, KEY)
    assert step.base_updated and step.title == OURS.title  # the practice's text stays
    assert step.base.instructions == "Say one small worry, daily."

    change = edits.keep_ours(counselor, KEY)

    step = effective_template(counselor.practice_id, KEY)
    assert not step.base_updated and step.title == OURS.title
    assert change.kind == LadderChangeKind.BASE_REVIEWED
    with pytest.raises(InvalidInput):
        edits.keep_ours(counselor, KEY)  # nothing new to review


def test_the_practices_note_for_a_rung_and_back_to_the_base(actor, counselor):
    rung = factories.rung(2)
    edits.save_rung_note(counselor, rung.id, "Watch who reaches first.")
    ours = next(r for r in effective_ladder(counselor.practice_id) if r.id == rung.id)
    assert ours.counselor_note == "Watch who reaches first." and ours.note is not None

    edits.restore_rung_note(counselor, rung.id)

    back = next(r for r in effective_ladder(counselor.practice_id) if r.id == rung.id)
    assert (back.counselor_note, back.note) == (rung.counselor_note, None)
    history = ladder_history(counselor.practice_id)
    assert [e.kind for e in history] == [
        LadderChangeKind.RUNG_NOTE_RESTORED,
        LadderChangeKind.RUNG_NOTE,
    ]
    assert history[1].snapshot == {"counselor_note": "Watch who reaches first."}
    assert history[0].by == counselor.name


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"instructions": ""}, "instructions"),
        ({"times_per_week": 15}, "times_per_week"),
        ({"times_per_week": None}, "times_per_week"),
        ({"who": "both"}, "who"),
        ({"title": "a\x00b"}, "title"),
        ({"translations": {"de": {"title": "Nur ein Titel", "instructions": ""}}}, "de_"),
        ({"translations": {"es": {"title": "", "instructions": "Sólo esto."}}}, "es_title"),
        (
            {"translations": {"es": {"title": "Cuenta", "instructions": "x" * 4001}}},
            "es_instructions",
        ),
        (
            {"translations": {"fr": {"title": "Un titre", "instructions": "Fais-le."}}},
            "translations",
        ),
    ],
    ids=[
        "blank",
        "long",
        "no-instructions",
        "15",
        "none",
        "who",
        "nul",
        "half-german",
        "spanish-without-title",
        "long-spanish-instructions",
        "french",
    ],
)
def test_bad_input_writes_nothing(actor, counselor, changes, field):
    before = row_counts()
    for attempt in (
        lambda: edits.save_step(counselor, KEY, step_input(**changes)),
        lambda: edits.add_step(counselor, factories.rung(1).id, step_input(**changes)),
    ):
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert any(name.startswith(field) for name in refused.value.errors), refused.value
    assert row_counts() == before


def test_a_counselor_who_is_not_an_owner_changes_nothing(app, counselor):
    staff = factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)
    tenancy.enter_practice(counselor.practice_id)
    before = row_counts()
    for attempt in (
        lambda: edits.save_step(staff, KEY, OURS),
        lambda: edits.add_step(staff, factories.rung(1).id, OURS),
        lambda: edits.retire_step(staff, KEY),
        lambda: edits.restore_base(staff, KEY),
        lambda: edits.save_rung_note(staff, factories.rung(1).id, "Ours"),
    ):
        with pytest.raises(InvalidInput, match="Only an owner"):
            attempt()
    assert row_counts() == before


def test_one_practices_ladder_is_never_another_practices(app):
    owner_a, owner_b = factories.CounselorFactory(), factories.CounselorFactory()
    tenancy.enter_practice(owner_a.practice_id)
    edits.save_step(owner_a, KEY, OURS)
    own = edits.add_step(owner_a, factories.rung(1).id, step_input(title="Only in A"))
    edits.save_rung_note(owner_a, factories.rung(1).id, "A's note")
    db.session.commit()

    tenancy.enter_practice(owner_b.practice_id)
    theirs = effective_ladder(owner_b.practice_id)
    assert effective_template(owner_b.practice_id, KEY).source == "base"
    assert effective_template(owner_b.practice_id, own.template_key) is None
    assert theirs[0].note is None and ladder_history(owner_b.practice_id) == []
    # Even asked for practice A's id, practice B's scope shows none of A's rows.
    assert effective_template(owner_a.practice_id, KEY).source == "base"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PracticeLadderChange)) == 0


def test_the_effective_ladder_takes_four_statements_however_much_the_practice_changed(
    actor, counselor
):
    db.session.expunge_all()
    with count_statements() as plain:
        effective_ladder(counselor.practice_id)

    owner = db.session.merge(counselor)
    for rung in effective_ladder(owner.practice_id):
        for template in rung.active[:2]:
            edits.save_step(owner, template.key, step_input(title=f"Ours: {template.title}"))
        edits.add_step(owner, rung.id, step_input(title=f"Own step {rung.position}"))
        edits.save_rung_note(owner, rung.id, f"Note {rung.position}")
    db.session.expunge_all()
    with count_statements() as changed:
        rungs = effective_ladder(owner.practice_id)
        words = [(t.title, t.leans_on_partner, t.rung.position) for r in rungs for t in r.active]

    assert plain.count == changed.count == 4, changed.statements
    assert sum(title.startswith("Ours: ") for title, _, _ in words) == 2 * len(rungs)


def test_the_loader_and_the_forms_share_one_field_rule():
    assert check_template_fields("A step", "Do it.", 3, "each") == []
    problems = dict(check_template_fields("", "x" * 4001, True, "both"))
    assert set(problems) == {"title", "instructions", "times_per_week", "who"}
    assert check_template_fields("t" * 120, "i", 14, "together") == []


def test_the_loader_and_the_forms_share_one_translation_rule():
    """The ladder file's translations and an owner's are checked by one function: every
    field, each within its source field's length (the translated instructions too)."""
    too_long = {"title": "Cuenta una preocupación", "instructions": "x" * 4001}
    rule = check_translation_words("es", too_long, TEMPLATE_WORDS)
    assert rule == [
        ("instructions", "Keep the instructions in Spanish to 4000 characters or fewer.")
    ]
    with pytest.raises(InvalidInput) as refused:
        checked_step(step_input(translations={"es": too_long}))
    assert refused.value.errors == {"es_instructions": [rule[0][1]]}

    half = {"title": "Nur ein Titel", "instructions": ""}
    with pytest.raises(InvalidInput) as refused:
        checked_step(step_input(translations={"de": half}))
    assert refused.value.errors == {
        "de_instructions": [
            message for _, message in check_translation_words("de", half, TEMPLATE_WORDS)
        ]
    }


def test_a_language_left_empty_is_no_translation_and_anything_given_is_kept_whole():
    given = {
        "es": {"title": "  ", "instructions": "\n"},
        "de": {"title": " Erzähl  eine Sorge ", "instructions": " Einmal am Tag.\n"},
    }
    assert checked_step(step_input(translations=given))["translations"] == {
        "de": {"title": "Erzähl eine Sorge", "instructions": "Einmal am Tag."}
    }
    assert checked_step(step_input(translations={}))["translations"] is None


def test_a_step_of_the_practices_own_is_not_given_twice_by_mistake(actor, counselor, couple):
    own = edits.add_step(counselor, factories.rung(1).id, step_input(title="Our own step"))
    assign_homework(actor, couple.id, AssignmentInput(template_key=own.template_key))

    with pytest.raises(DuplicateAssignment) as asked:
        assign_homework(
            actor,
            couple.id,
            AssignmentInput(template_key=own.template_key, title="Reworded, same step"),
        )
    assert "template_key" in asked.value.errors


def test_reworded_when_given_or_later_the_step_keeps_no_stale_translations(
    actor, counselor, couple
):
    edits.save_step(counselor, KEY, OURS)
    reworded = assign_homework(
        actor, couple.id, AssignmentInput(template_key=KEY, title="Our couple's own words")
    )
    assert reworded.translations is None  # the practice's Spanish says another title

    given = assign_homework(
        actor, couple.id, AssignmentInput(template_key=KEY, allow_duplicate=True)
    )
    assert given.translations == OURS.translations
    update_assignment(
        actor,
        given.id,
        AssignmentChanges(
            title="Now reworded",
            instructions=given.instructions,
            assignee="each",
            times_per_week=given.times_per_week,
            starts_on=given.starts_on,
            due_on=None,
        ),
    )
    assert given.translations is None
