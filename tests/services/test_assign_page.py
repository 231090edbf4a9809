"""counselor/services/pages/assign_page.py: what the assign form shows about the couple."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counselor.extensions import db
from counselor.models import Assignee, AssignmentStatus
from counselor.services.errors import NotFound
from counselor.services.pages.assign_page import RECENT_WEEKS, assign_context
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import count_statements

pytestmark = pytest.mark.usefixtures("clock")


def step(couple, position, title, **fields):
    return factories.AssignmentFactory(
        couple=couple, rung=factories.rung(position), title=title, **fields
    )


def completed(couple, position, title, days_ago):
    return step(
        couple,
        position,
        title,
        status=AssignmentStatus.COMPLETED,
        ended_on=TODAY - timedelta(days=days_ago),
        starts_on=TODAY - timedelta(days=days_ago + 21),
    )


def test_the_context_holds_the_current_rung_active_and_recently_completed_steps(actor, couple):
    sam = couple.partners[1]
    chore = step(couple, 2, "Hand over a chore", starts_on=TODAY - timedelta(days=9))
    worry = step(
        couple,
        3,
        "Tell one work worry",
        assignee=Assignee.PARTNER,
        assignee_partner_id=sam.id,
        starts_on=TODAY - timedelta(days=2),
        times_per_week=2,
    )
    lanes = step(couple, 1, "Map the lanes", assignee=Assignee.TOGETHER)
    recent = completed(couple, 1, "Keep a log", days_ago=5)
    older = completed(couple, 1, "Pause first", days_ago=20)
    completed(couple, 1, "Long ago", days_ago=RECENT_WEEKS * 7 + 1)
    step(couple, 4, "Cancelled one", status=AssignmentStatus.CANCELLED, ended_on=TODAY)
    factories.AssignmentFactory(title="Another couple's step")  # another practice's couple

    context = assign_context(couple.id)

    assert context.couple.id == couple.id
    assert context.current_rung == factories.rung(3)
    # Active steps by rung, with who does each in words.
    assert [(line.assignment, line.who) for line in context.active] == [
        (lanes, "Together"),
        (chore, "Each partner"),
        (worry, f"Only {sam.first_name}"),
    ]
    # Completed within the last weeks, the latest first; cancelled steps are not "finished".
    assert [line.assignment for line in context.finished] == [recent, older]
    assert context.finished_since == TODAY - timedelta(weeks=RECENT_WEEKS)
    assert [r.position for r in context.rungs] == list(range(1, len(context.rungs) + 1))


def test_a_couple_without_steps_has_no_current_rung(actor, couple):
    context = assign_context(couple.id)
    assert (context.current_rung, context.active, context.finished) == (None, [], [])
    assert context.note_rung(None) is None


def test_the_note_is_the_chosen_rungs_else_the_current_rungs(actor, couple):
    step(couple, 2, "Hand over a chore")
    context = assign_context(couple.id)
    rung_four = factories.rung(4)

    assert context.note_rung(rung_four.id).rung == rung_four
    assert context.note_rung(None).rung == factories.rung(2)
    assert context.note_rung(999_999).rung == factories.rung(2)  # no such rung: the current one
    # The note is the rung's "what to watch for": the ladder file's, as the practice wrote
    # none (services/homework/practice_ladder.py).
    assert context.note_rung(None).counselor_note == factories.rung(2).counselor_note


def test_the_context_takes_a_fixed_number_of_queries(actor, couple):
    step(couple, 1, "Only step")
    db.session.expunge_all()  # as a request starts: nothing loaded yet
    with count_statements() as few:
        assign_context(couple.id)

    for n in range(6):
        step(couple, 1 + n % 5, f"Active {n}")
        completed(couple, 1 + n % 5, f"Completed {n}", days_ago=n)
    db.session.expunge_all()
    with count_statements() as many:
        context = assign_context(couple.id)

    assert len(context.active) == 7 and len(context.finished) == 6
    # The couple, its partners, its steps, and the practice's ladder (effective_ladder's 4).
    assert many.count == few.count == 8, many.statements


def test_another_practices_couple_is_not_found(actor):
    theirs = factories.CoupleFactory()
    with pytest.raises(NotFound):
        assign_context(theirs.id)
