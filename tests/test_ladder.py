"""counselor/ladder (the data file and its loader) and services/homework/ladder.py (sync)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from counselor import ladder as ladder_file
from counselor.extensions import db
from counselor.ladder import LadderFileError, RungSpec, load_ladder, load_weekly_checkin
from counselor.models import Assignment, LadderRung, TaskTemplate, WeeklyCheckinItem
from counselor.models.practice_ladder import PracticeTemplate
from counselor.services import validation
from counselor.services.homework import ladder
from counselor.services.homework.assignments import AssignmentInput, assign_homework
from counselor.services.homework.practice_ladder import EffectiveTemplate, effective_template
from tests.support import factories
from tests.support.helpers import count_rows

# --- a step's bounds: defined once, and the columns' -------------------------------------


def test_a_steps_bounds_are_defined_once_and_are_the_columns():
    """The ladder's bounds are every edge's (the assignment service and the forms import
    them through services/validation.py), and the database's columns and checks agree."""
    title_max, instructions_max = ladder_file.STEP_TITLE_MAX, ladder_file.STEP_INSTRUCTIONS_MAX
    assert (title_max, instructions_max) == (validation.TITLE_MAX, validation.INSTRUCTIONS_MAX)
    for model in (TaskTemplate, PracticeTemplate, Assignment):
        assert model.__table__.c.title.type.length == title_max, model
    week = f"BETWEEN {ladder_file.TIMES_PER_WEEK_MIN} AND {ladder_file.TIMES_PER_WEEK_MAX}"
    for model in (PracticeTemplate, Assignment):
        checks = [
            str(c.sqltext)
            for c in model.__table__.constraints
            if "times_per_week" in str(getattr(c, "sqltext", ""))
        ]
        assert any(week in check for check in checks), (model, checks)


# --- the loader: pure, small files in tmp_path ----------------------------------------


def template(key: str, **changes) -> dict:
    values = {
        "key": key,
        "title": f"Title of {key}",
        "instructions": f"Instructions of {key}.",
        "times_per_week": 2,
        "who": "each",
    }
    return values | changes


def rung(order: int, key: str, templates: list[dict]) -> dict:
    return {
        "order": order,
        "key": key,
        "title": f"Title of {key}",
        "purpose": f"Purpose of {key}.",
        "counselor_note": f"Note on {key}.",
        "templates": templates,
    }


def write_ladder(tmp_path: Path, rungs: list[dict]) -> Path:
    lines = ["version = 1"]
    for entry in rungs:
        lines.append("[[rungs]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in entry.items() if k != "templates"]
        for spec in entry["templates"]:
            lines.append("[[rungs.templates]]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in spec.items()]
    path = tmp_path / "ladder.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def two_rungs(**first_template_changes) -> list[dict]:
    return [
        rung(1, "first", [template("first-a", **first_template_changes), template("first-b")]),
        rung(2, "second", [template("second-a", who="together")]),
    ]


def test_shipped_ladder_has_at_least_five_rungs_of_three_steps():
    rungs = load_ladder()
    assert len(rungs) >= 5
    assert all(len(r.templates) >= 3 for r in rungs)


def test_shipped_ladder_runs_in_order_from_one():
    rungs = load_ladder()
    assert [r.position for r in rungs] == list(range(1, len(rungs) + 1))


def test_shipped_ladder_starts_small_on_rung_two():
    rung_two = load_ladder()[1]
    keys = {t.key for t in rung_two.templates}
    assert {"ask-opinion-work-email", "hand-over-a-chore", "share-a-minor-worry"} <= keys


def test_shipped_ladder_ends_with_doing_it_together():
    capstone = load_ladder()[-1]
    assert "together" in f"{capstone.title} {capstone.purpose}".lower()


def test_shipped_ladder_keys_are_unique():
    rungs = load_ladder()
    keys = [r.key for r in rungs] + [t.key for r in rungs for t in r.templates]
    assert len(keys) == len(set(keys))


def test_a_small_valid_file_loads_in_order(tmp_path):
    path = write_ladder(tmp_path, list(reversed(two_rungs())))

    rungs = load_ladder(path)

    assert [r.key for r in rungs] == ["first", "second"]
    assert [t.key for t in rungs[0].templates] == ["first-a", "first-b"]
    assert rungs[1].templates[0].who == "together"


@pytest.mark.parametrize(
    "rungs",
    [
        [rung(1, "first", [template("same")]), rung(2, "second", [template("same")])],
        [rung(1, "first", [template("same"), template("same")])],
        [rung(1, "same", [template("a")]), rung(2, "second", [template("same")])],
    ],
    ids=["template-in-two-rungs", "template-twice-in-a-rung", "rung-and-template"],
)
def test_loader_rejects_duplicate_keys(tmp_path, rungs):
    with pytest.raises(LadderFileError, match="same"):
        load_ladder(write_ladder(tmp_path, rungs))


def test_loader_keeps_the_practices_key_prefix_for_their_own_steps(tmp_path):
    """A practice's own steps have keys "p-…" (practice_ladder_input.new_key): a ladder file
    may never give a template one, so a later sync can't take a practice's key."""
    own_key = [rung(1, "first", [template("p-share-a-worry-3f9a")])]
    with pytest.raises(LadderFileError, match="template 'p-share-a-worry-3f9a': keys starting"):
        load_ladder(write_ladder(tmp_path, own_key))
    assert not any(
        t.key.startswith(ladder_file.OWN_KEY_PREFIX) for r in load_ladder() for t in r.templates
    )
    # "p" alone, or inside a key, is any key's.
    plain = [rung(1, "p", [template("pause-and-ask-p-3")])]
    assert load_ladder(write_ladder(tmp_path, plain))[0].templates[0].key == "pause-and-ask-p-3"


@pytest.mark.parametrize("who", ["both", "partner", ""])
def test_loader_rejects_an_unknown_who(tmp_path, who):
    with pytest.raises(LadderFileError, match="first-a"):
        load_ladder(write_ladder(tmp_path, two_rungs(who=who)))


@pytest.mark.parametrize("times", [0, 15, -1, "3", 2.5])
def test_loader_rejects_times_per_week_out_of_range(tmp_path, times):
    with pytest.raises(LadderFileError, match="times_per_week"):
        load_ladder(write_ladder(tmp_path, two_rungs(times_per_week=times)))


@pytest.mark.parametrize("times", [1, 14])
def test_loader_accepts_times_per_week_at_the_limits(tmp_path, times):
    rungs = load_ladder(write_ladder(tmp_path, two_rungs(times_per_week=times)))
    assert rungs[0].templates[0].times_per_week == times


@pytest.mark.parametrize("orders", [(1, 3), (2, 3), (0, 1), (1, 1)])
def test_loader_rejects_gaps_in_rung_order(tmp_path, orders):
    rungs = [
        rung(orders[0], "first", [template("first-a")]),
        rung(orders[1], "second", [template("second-a")]),
    ]
    with pytest.raises(LadderFileError, match="order"):
        load_ladder(write_ladder(tmp_path, rungs))


def test_loader_rejects_a_rung_without_templates(tmp_path):
    with pytest.raises(LadderFileError, match="first"):
        load_ladder(write_ladder(tmp_path, [rung(1, "first", [])]))


def test_loader_rejects_empty_text(tmp_path):
    with pytest.raises(LadderFileError, match="instructions"):
        load_ladder(write_ladder(tmp_path, two_rungs(instructions="   ")))


# --- sync into the database -----------------------------------------------------------


def edited(specs: list[RungSpec], key: str, **changes) -> list[RungSpec]:
    return [
        replace(
            r,
            templates=tuple(replace(t, **changes) if t.key == key else t for t in r.templates),
        )
        for r in specs
    ]


def without(specs: list[RungSpec], key: str) -> list[RungSpec]:
    return [replace(r, templates=tuple(t for t in r.templates if t.key != key)) for r in specs]


def offered(actor, key: str) -> EffectiveTemplate | None:
    """The step as the actor's practice offers it (no changes of its own: the base's)."""
    return effective_template(actor.practice_id, key)


def test_database_ladder_matches_the_file(app):
    specs = load_ladder()
    rungs = ladder.ladder_rungs()
    assert [(r.position, r.key) for r in rungs] == [(s.position, s.key) for s in specs]
    assert [[t.key for t in ladder.base_active_templates(r)] for r in rungs] == [
        [t.key for t in s.templates] for s in specs
    ]


def test_sync_twice_reports_no_changes(app):
    before = (count_rows(LadderRung), count_rows(TaskTemplate))

    first, second = ladder.sync_ladder(), ladder.sync_ladder()

    assert not first.changed
    assert not second.changed
    assert (count_rows(LadderRung), count_rows(TaskTemplate)) == before


def test_changed_text_bumps_the_version_but_not_given_homework(actor, couple):
    key = "share-a-minor-worry"
    given = assign_homework(actor, couple.id, AssignmentInput(template_key=key))
    old_text, old_version = given.instructions, given.template_version

    result = ladder.sync_ladder(edited(load_ladder(), key, instructions="Say one small worry."))
    db.session.commit()  # as `ladder sync` does
    db.session.expire_all()

    assert result.updated == [key]
    current = offered(actor, key)
    assert (current.instructions, current.version) == ("Say one small worry.", old_version + 1)
    assert (given.instructions, given.template_version) == (old_text, old_version)
    # The same step again while the first is active: confirmed (docs/design.md, "Duplicate steps").
    fresh = assign_homework(
        actor, couple.id, AssignmentInput(template_key=key, allow_duplicate=True)
    )
    assert (fresh.instructions, fresh.template_version) == ("Say one small worry.", old_version + 1)


def test_changed_cadence_also_bumps_the_version(actor):
    key = "hand-over-a-chore"
    old_version = offered(actor, key).version

    ladder.sync_ladder(edited(load_ladder(), key, times_per_week=4))

    assert offered(actor, key).version == old_version + 1


def test_template_missing_from_the_file_is_retired_not_deleted(actor):
    key = "welcome-their-turn"
    templates_before = count_rows(TaskTemplate)

    result = ladder.sync_ladder(without(load_ladder(), key))

    assert result.retired == [key]
    assert count_rows(TaskTemplate) == templates_before
    retired = db.session.scalar(sa.select(TaskTemplate).where(TaskTemplate.key == key))
    assert retired.retired is True
    assert offered(actor, key) is None
    rung_two = factories.rung(2)
    assert key not in [t.key for t in ladder.base_active_templates(rung_two)]


def test_retired_template_comes_back_when_the_file_has_it_again(actor):
    key = "welcome-their-turn"
    ladder.sync_ladder(without(load_ladder(), key))

    result = ladder.sync_ladder()

    assert key in result.updated
    assert offered(actor, key) is not None


# --- leans_on_partner and the weekly check-in's items -------------------------------------


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_loader_rejects_leans_on_partner_that_is_not_a_bool(tmp_path, value):
    with pytest.raises(LadderFileError, match="leans_on_partner"):
        load_ladder(write_ladder(tmp_path, two_rungs(leans_on_partner=value)))


def test_leans_on_partner_is_left_to_the_rung_unless_said(tmp_path):
    rungs = load_ladder(write_ladder(tmp_path, two_rungs(leans_on_partner=True)))
    assert [t.leans_on_partner for t in rungs[0].templates] == [True, None]


def test_shipped_ladder_says_leaning_only_where_the_rung_would_be_wrong():
    said = {
        t.key: t.leans_on_partner
        for r in load_ladder()
        for t in r.templates
        if t.leans_on_partner is not None
    }
    assert said == {"revisit-separate-lanes": True, "welcome-their-turn": False}


def test_sync_stores_each_templates_answer_the_file_or_its_rung(app):
    leaning = {t.key for r in ladder.ladder_rungs() for t in r.templates if t.leans_on_partner}
    rung_two_to_five = {t.key for r in load_ladder() if 2 <= r.position <= 5 for t in r.templates}
    assert leaning == (rung_two_to_five - {"welcome-their-turn"}) | {"revisit-separate-lanes"}


def weekly_item(key: str, **changes) -> dict:
    values = {
        "key": key,
        "text": f"This week, {key}.",
        "low_label": "Not at all",
        "high_label": "Very much",
    }
    return values | changes


def write_weekly(tmp_path: Path, items: list[dict]) -> Path:
    lines = ["[weekly_checkin]"]
    for item in items:
        lines.append("[[weekly_checkin.items]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in item.items()]
    path = tmp_path / "weekly.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_shipped_weekly_checkin_has_the_six_signals_in_order():
    items = load_weekly_checkin()
    assert [i.key for i in items] == [
        "decided-together",
        "shared-stress",
        "overlapping-days",
        "felt-trusted",
        "felt-valued",
        "felt-included",
    ]
    assert all(i.text.startswith("This week") for i in items)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], "0 items"),
        ([weekly_item(f"item-{n}") for n in range(13)], "13 items"),
        ([weekly_item("same"), weekly_item("same")], "same"),
        ([weekly_item("long", text="x" * 241)], "text is longer than 240"),
        ([weekly_item("long", high_label="x" * 61)], "high_label is longer than 60"),
        ([weekly_item("k" * 65)], "key is longer than 64"),
        ([weekly_item("blank", low_label=" ")], "low_label"),
    ],
    ids=["none", "thirteen", "duplicate", "long-text", "long-label", "long-key", "blank-label"],
)
def test_weekly_loader_rejects(tmp_path, items, message):
    with pytest.raises(LadderFileError, match=message):
        load_weekly_checkin(write_weekly(tmp_path, items))


def test_weekly_loader_accepts_twelve_items_at_the_limits(tmp_path):
    items = [weekly_item(f"item-{n}", text="x" * 240, low_label="y" * 60) for n in range(12)]
    assert len(load_weekly_checkin(write_weekly(tmp_path, items))) == 12


def current_item(key: str) -> WeeklyCheckinItem:
    return db.session.scalar(sa.select(WeeklyCheckinItem).where(WeeklyCheckinItem.key == key))


def test_database_items_match_the_file(app):
    specs = load_weekly_checkin()
    rows = db.session.scalars(
        sa.select(WeeklyCheckinItem)
        .where(WeeklyCheckinItem.retired.is_(False))
        .order_by(WeeklyCheckinItem.position)
    ).all()
    assert [(r.key, r.text, r.low_label, r.high_label) for r in rows] == [
        (s.key, s.text, s.low_label, s.high_label) for s in specs
    ]


def test_changed_item_words_bump_its_version_and_a_retired_item_comes_back(app):
    specs = load_weekly_checkin()
    old = current_item("felt-valued").version
    reworded = [replace(s, low_label="Hardly") if s.key == "felt-valued" else s for s in specs]

    result = ladder.sync_ladder(items=reworded)
    assert result.items_updated == ["felt-valued"]
    assert (current_item("felt-valued").low_label, current_item("felt-valued").version) == (
        "Hardly",
        old + 1,
    )

    result = ladder.sync_ladder(items=[s for s in specs if s.key != "felt-trusted"])
    assert result.items_retired == ["felt-trusted"]
    assert current_item("felt-trusted").retired is True

    result = ladder.sync_ladder()
    assert "felt-trusted" in result.items_updated
    assert current_item("felt-trusted").retired is False
    assert current_item("felt-trusted").version == 1  # same words: no new version


def test_leaning_flag_alone_updates_without_a_new_version(actor):
    key = "celebrate-team-wins"
    before = offered(actor, key).version

    result = ladder.sync_ladder(edited(load_ladder(), key, leans_on_partner=True))

    assert result.updated == [key]
    template = offered(actor, key)
    assert (template.leans_on_partner, template.version) == (True, before)
    assert offered(actor, "revisit-separate-lanes").leans_on_partner is True


def test_cli_sync_reports_item_changes(app):
    from counselor.cli import _print_sync

    result = ladder.SyncResult(items_updated=["felt-valued"], items_retired=["old-item"])
    runner = app.test_cli_runner()
    import click

    @click.command()
    def show() -> None:
        _print_sync(result)

    output = runner.invoke(show).output
    assert "Weekly check-in items updated: felt-valued" in output
    assert "Weekly check-in items retired: old-item" in output
