"""*Reveal together*: a shared reflection on a step both partners do stays hidden from the
other partner until they have written their own for the same week, or until the author's
week ends. The rule (``reflections.is_held_back``) and its SQL twin (``held_back_clause``)
must agree; every list a partner reads goes through the SQL form."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Assignee, CheckIn, Visibility
from counselor.services.couples.links import partner_actor
from counselor.services.homework import checkins, reflections
from counselor.services.pages.partner_page import partner_homework
from tests.support import factories
from tests.support.clock import NOW, TODAY

pytestmark = pytest.mark.usefixtures("clock", "actor")

MONDAY = TODAY - timedelta(days=TODAY.weekday())  # Monday 11 May 2026
# The author's week ends at midnight Chicago (CDT, UTC-5) between Sunday 17 and Monday 18.
WEEK_ENDS = datetime(2026, 5, 18, 5, 0, tzinfo=UTC)
SECRET = "A thing Sam should not read yet"


@pytest.fixture
def reveal_on(couple):
    couple.practice.reveal_together = True
    db.session.commit()
    return couple


@pytest.fixture
def alex(couple):
    return couple.partners[0]


@pytest.fixture
def sam(couple):
    return couple.partners[1]


def step(couple, assignee=Assignee.EACH, partner=None):
    return factories.AssignmentFactory(
        couple=couple,
        title="Share a minor worry",
        assignee=assignee,
        assignee_partner_id=partner.id if partner is not None else None,
        starts_on=TODAY - timedelta(weeks=2),
    )


def write(assignment, partner, day=TODAY, text=SECRET, visibility=Visibility.SHARED):
    return factories.CheckInFactory(
        assignment=assignment,
        partner=partner,
        occurred_on=day,
        reflection=text,
        visibility=visibility,
    )


def shown_to(partner):
    return [c.id for c in reflections.reflections_shared_with(partner, limit=50)]


def held_ids(partner):
    return [h.checkin_id for h in reflections.held_back_from(partner)]


def test_each_step_is_held_back_until_the_reader_writes_theirs(reveal_on, alex, sam):
    assignment = step(reveal_on)
    theirs = write(assignment, alex)

    assert shown_to(sam) == [] and held_ids(sam) == [theirs.id]
    write(
        assignment, sam, day=TODAY - timedelta(days=1), text="Mine", visibility=Visibility.COUNSELOR
    )

    assert shown_to(sam) == [theirs.id] and held_ids(sam) == []


def test_together_steps_are_held_back_too(reveal_on, alex, sam):
    theirs = write(step(reveal_on, Assignee.TOGETHER), alex)

    assert held_ids(sam) == [theirs.id]


def test_a_step_only_one_partner_does_is_never_held_back(reveal_on, alex, sam):
    theirs = write(step(reveal_on, Assignee.PARTNER, alex), alex)

    assert shown_to(sam) == [theirs.id] and held_ids(sam) == []


def test_the_readers_reflection_must_be_on_the_same_step_and_week_and_not_empty(
    reveal_on, alex, sam
):
    assignment, other = step(reveal_on), step(reveal_on)
    theirs = write(assignment, alex)
    write(other, sam, text="On another step")
    write(assignment, sam, day=MONDAY - timedelta(days=1), text="Last week")
    factories.CheckInFactory(assignment=assignment, partner=sam, occurred_on=TODAY)  # no words
    write(assignment, sam, text="")

    assert held_ids(sam) == [theirs.id]


def test_it_shows_once_the_authors_week_has_ended(reveal_on, alex, sam, clock):
    theirs = write(step(reveal_on), alex, day=MONDAY + timedelta(days=6))  # Sunday
    [held] = reflections.held_back_from(sam)
    assert held.shows_on == MONDAY + timedelta(weeks=1)

    clock.set(WEEK_ENDS - timedelta(seconds=1))
    assert held_ids(sam) == [theirs.id]
    clock.set(WEEK_ENDS)
    assert held_ids(sam) == [] and shown_to(sam) == [theirs.id]


def test_the_authors_own_clock_ends_the_week(reveal_on, alex, sam, clock):
    """Sam lives in Tokyo, where Monday has come; Alex's Chicago week has not ended."""
    sam.timezone = "Asia/Tokyo"
    db.session.commit()
    theirs = write(step(reveal_on), alex, day=MONDAY + timedelta(days=6))
    clock.set(WEEK_ENDS - timedelta(hours=1))

    assert held_ids(sam) == [theirs.id]


def test_withdrawn_and_counselor_only_reflections_are_neither_shown_nor_announced(
    reveal_on, alex, sam
):
    assignment = step(reveal_on)
    withdrawn = write(assignment, alex)
    checkins.withdraw_reflection(partner_actor(alex), alex, withdrawn.id)
    write(assignment, alex, visibility=Visibility.COUNSELOR)

    assert shown_to(sam) == [] and held_ids(sam) == []


@pytest.mark.parametrize(
    ("practice", "couple_choice", "held"),
    [(True, None, True), (False, None, False), (False, True, True), (True, False, False)],
)
def test_the_couples_choice_overrides_the_practices(
    couple, alex, sam, practice, couple_choice, held
):
    couple.practice.reveal_together = practice
    couple.reveal_together = couple_choice
    db.session.commit()
    theirs = write(step(couple), alex)

    assert held_ids(sam) == ([theirs.id] if held else [])
    assert reflections.reveal_together(couple) is held


def test_the_author_still_lists_it_with_the_day_it_shows(reveal_on, alex, sam):
    theirs = write(step(reveal_on), alex)

    view = partner_homework(alex)
    assert [c.id for c in view.shared_by_me] == [theirs.id]
    assert view.waiting_for_other == {theirs.id: MONDAY + timedelta(weeks=1)}
    assert partner_homework(sam).shared_with_me == []


def test_the_counselor_sees_which_are_held_back_from_whom(reveal_on, alex, sam):
    theirs = write(step(reveal_on), alex)

    assert reflections.held_back_ids(reveal_on) == {theirs.id: sam}


def test_setting_the_couples_choice_is_audited_once(couple, actor):
    assert reflections.set_reveal_together(actor, couple, True) is True
    assert reflections.set_reveal_together(actor, couple, True) is False
    assert reflections.set_reveal_together(actor, couple, None) is True
    assert couple.reveal_together is None


def test_the_python_rule_and_its_sql_twin_agree(couple, alex, sam, clock):
    """Every combination of choice, assignee, day, visibility and the reader's own writing,
    at moments around the week's end: the list the SQL gives is the Python rule's."""
    couple.practice.reveal_together = True
    db.session.commit()
    steps = {
        kind: step(couple, kind, alex if kind == Assignee.PARTNER else None) for kind in Assignee
    }
    days = [MONDAY - timedelta(days=1), MONDAY, TODAY, MONDAY + timedelta(days=6)]
    authored = []
    for assignment, day, visibility in itertools.product(steps.values(), days, list(Visibility)):
        authored.append(write(assignment, alex, day=day, visibility=visibility))
    write(steps[Assignee.EACH], sam, day=MONDAY, text="Mine")
    write(steps[Assignee.TOGETHER], sam, day=MONDAY - timedelta(days=2), text="Last week's")
    moments = [NOW, WEEK_ENDS - timedelta(seconds=1), WEEK_ENDS]
    for choice, moment in itertools.product([None, True, False], moments):
        couple.reveal_together = choice
        db.session.commit()
        clock.set(moment)
        own = list(db.session.scalars(sa.select(CheckIn).where(CheckIn.partner_id == sam.id)))
        by_python = {c.id for c in authored if reflections.is_held_back(c, sam, own, moment)}
        by_sql = set(
            db.session.scalars(
                sa.select(CheckIn.id).where(reflections.held_back_clause(sam, moment))
            )
        )
        assert by_sql == by_python, (choice, moment)
        if choice is not False and moment == NOW:
            assert by_python  # the walk holds something back
