"""Where a given step's words came from (services/homework/step_origin.py) and whether
they are the ladder's as given (``Assignment.words_from_ladder``, set by the assign and
change services): words written or reworded for a couple are clinical text, which a host
without the clinical_text scope reads as a neutral title and no instructions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Assignment
from counselor.services.homework import practice_ladder_edits as edits
from counselor.services.homework import step_origin
from counselor.services.homework.assignments import (
    AssignmentChanges,
    AssignmentInput,
    assign_homework,
    update_assignment,
)
from counselor.services.homework.practice_ladder_input import StepInput
from tests.support import factories

KEY = "share-a-minor-worry"  # a base step on rung 2
OTHER = "hand-over-a-chore"
OURS = StepInput(
    title="Tell them one small worry",
    instructions="Once a day, name one small worry out loud to your partner.",
    times_per_week=5,
    who="each",
)


def given(actor, couple, **fields) -> Assignment:
    return assign_homework(actor, couple.id, AssignmentInput(notify=False, **fields))


def changes_of(step: Assignment, **fields) -> AssignmentChanges:
    values = {
        "title": step.title,
        "instructions": step.instructions,
        "assignee": step.assignee.value,
        "times_per_week": step.times_per_week,
        "starts_on": step.starts_on,
        "due_on": step.due_on,
    }
    return AssignmentChanges(**(values | fields))


@pytest.fixture
def steps(actor, counselor, couple) -> dict[str, Assignment]:
    """One step of each origin: the shipped words, the practice's words for a shipped
    step, a step of the practice's own, one reworded as it was given, a custom one."""
    edits.save_step(counselor, KEY, OURS)
    own_key = edits.add_step(
        counselor, factories.rung(1).id, StepInput("Our own step", "Do it.", 2, "each")
    ).template_key
    base = factories.template(OTHER)
    made = {
        "base": given(actor, couple, template_key=OTHER),
        "override": given(actor, couple, template_key=KEY),
        "own": given(actor, couple, template_key=own_key),
        "reworded": given(
            actor,
            couple,
            template_key=OTHER,
            title="Hand Sam the dishes after the row",
            allow_duplicate=True,
        ),
        "custom": given(
            actor,
            couple,
            rung_id=factories.rung(3).id,
            title="Call his mother",
            instructions="About Sunday.",
            times_per_week=1,
        ),
    }
    assert made["base"].title == base.title
    return made


def test_a_step_given_as_the_ladder_words_it_is_the_ladders_and_others_are_not(steps):
    assert {name: step.words_from_ladder for name, step in steps.items()} == {
        "base": True,
        "override": True,
        "own": True,
        "reworded": False,
        "custom": False,
    }


def test_rewording_a_step_later_makes_its_words_the_couples(actor, steps):
    step = steps["override"]
    update_assignment(actor, step.id, changes_of(step, times_per_week=2))
    assert step.words_from_ladder  # no word changed

    update_assignment(actor, step.id, changes_of(step, instructions="Say it at dinner."))

    assert (step.words_from_ladder, step.translations) == (False, None)
    db.session.flush()
    db.session.expire_all()
    assert db.session.get(Assignment, step.id).words_from_ladder is False


def test_a_step_s_ladder_key_and_source(steps):
    own_key = steps["own"].practice_template.key
    assert {
        name: (step_origin.ladder_key(step), step_origin.template_source(step))
        for name, step in steps.items()
    } == {
        "base": (OTHER, "base"),
        "override": (KEY, "practice"),
        "own": (own_key, "practice"),
        "reworded": (OTHER, "base"),
        "custom": (None, None),
    }


def test_a_host_without_clinical_text_reads_words_written_for_the_couple_neutrally(steps):
    read = {
        name: step_origin.host_step_words(step, clinical_text=False) for name, step in steps.items()
    }
    for name in ("base", "override", "own"):  # the ladder's words: the practice's, not theirs
        assert read[name] == step_origin.HostStepWords(steps[name].title, steps[name].instructions)
    assert read["reworded"] == step_origin.HostStepWords(factories.template(OTHER).title, None)
    assert read["custom"] == step_origin.HostStepWords(
        "Step written for this couple (rung 3)", None
    )
    for step in steps.values():  # with the scope, every word as written
        assert step_origin.host_step_words(step, clinical_text=True) == (
            step_origin.HostStepWords(step.title, step.instructions)
        )


def test_the_neutral_title_follows_the_practices_text_then_the_base(actor, counselor, steps):
    step = steps["override"]
    update_assignment(actor, step.id, changes_of(step, title="Tell Sam about the biopsy"))
    assert step_origin.neutral_title(step) == OURS.title  # the practice's title
    # An override that keeps the base's title: the base's.
    step.practice_template.title = None
    assert step_origin.neutral_title(step) == factories.template(KEY).title


def test_the_sql_ladder_title_is_the_same_rule(steps):
    steps["override"].practice_template.title = None  # follows the base
    db.session.flush()
    in_sql = dict(
        db.session.execute(
            sa.select(Assignment.id, step_origin.ladder_title_sql()).where(
                Assignment.id.in_([s.id for s in steps.values()])
            )
        ).all()
    )
    assert in_sql == {s.id: step_origin.ladder_title(s) for s in steps.values()}
    assert in_sql[steps["custom"].id] is None
