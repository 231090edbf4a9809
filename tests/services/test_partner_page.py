"""services/pages/partner_page.py: what one partner sees behind their link, and nothing more."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counselor.models import Assignee, AssignmentStatus, CheckInSource, Visibility
from counselor.services.audit import Actor
from counselor.services.homework.checkins import CheckInInput, record_checkin
from counselor.services.pages.partner_page import partner_homework
from tests.support import factories
from tests.support.clock import TODAY

STARTED = TODAY - timedelta(weeks=2)


# ``actor``: the couple's practice's scope, which the partner's link page enters.
pytestmark = pytest.mark.usefixtures("clock", "actor")


def assignment(couple, **fields):
    return factories.AssignmentFactory(couple=couple, starts_on=STARTED, **fields)


def checkin(step, partner, **fields):
    return factories.CheckInFactory(
        assignment=step, partner=partner, **{"occurred_on": TODAY, **fields}
    )


def steps_by_title(partner) -> dict:
    return {s.assignment.title: s for s in partner_homework(partner).steps}


def link_checkin(counselor, step, partner, key: str) -> None:
    record_checkin(
        Actor.for_counselor(counselor),
        step.id,
        CheckInInput(partner_id=partner.id, source=CheckInSource.LINK, idempotency_key=key),
    )


def test_partner_sees_only_the_active_steps_they_do(couple):
    me, other = couple.partners
    assignment(couple, title="Each of us", assignee=Assignee.EACH)
    assignment(couple, title="Together", assignee=Assignee.TOGETHER)
    assignment(couple, title="Only me", assignee=Assignee.PARTNER, assignee_partner_id=me.id)
    assignment(couple, title="Only them", assignee=Assignee.PARTNER, assignee_partner_id=other.id)
    assignment(couple, title="Finished", status=AssignmentStatus.COMPLETED, ended_on=STARTED)
    assignment(factories.CoupleFactory(), title="Another couple's step")

    assert set(steps_by_title(me)) == {"Each of us", "Together", "Only me"}
    assert set(steps_by_title(other)) == {"Each of us", "Together", "Only them"}


def test_each_step_shows_this_weeks_done_and_target(couple):
    me, other = couple.partners
    mine = assignment(couple, title="Each of us", times_per_week=3)
    joint = assignment(couple, title="Together", assignee=Assignee.TOGETHER, times_per_week=2)
    checkin(mine, me)
    checkin(mine, other)
    checkin(mine, other, occurred_on=TODAY - timedelta(weeks=1))  # last week: not counted
    checkin(joint, other)  # either partner's check-in counts for a joint step

    steps = steps_by_title(me)

    assert (steps["Each of us"].week.done, steps["Each of us"].week.target) == (1, 3)
    assert (steps["Together"].week.done, steps["Together"].week.target) == (1, 2)
    assert [s.assignment.title for s in partner_homework(me).open_steps] == [
        "Each of us",
        "Together",
    ]


def test_a_step_met_this_week_is_listed_after_the_open_ones(couple):
    me = couple.partners[0]
    done = assignment(couple, title="Done already", times_per_week=1, rung=factories.rung(1))
    assignment(couple, title="Still open", times_per_week=1, rung=factories.rung(3))
    checkin(done, me)

    view = partner_homework(me)

    assert [s.assignment.title for s in view.steps] == ["Still open", "Done already"]
    assert [s.assignment.title for s in view.open_steps] == ["Still open"]


def test_checkin_key_changes_only_when_this_partner_checks_in(counselor, couple):
    me, other = couple.partners
    step = assignment(couple)
    key = steps_by_title(me)[step.title].checkin_key

    assert steps_by_title(me)[step.title].checkin_key == key  # a second tab, a reload
    link_checkin(counselor, step, other, "their-click")
    assert steps_by_title(me)[step.title].checkin_key == key

    link_checkin(counselor, step, me, key)
    new_key = steps_by_title(me)[step.title].checkin_key
    assert new_key != key
    assert steps_by_title(me)[step.title].checkin_key == new_key


def test_shared_with_me_holds_only_the_other_partners_shared_reflections(couple):
    me, other = couple.partners
    step = assignment(couple)
    shared = checkin(step, other, reflection="Asking felt easier.", visibility=Visibility.SHARED)
    checkin(step, other, reflection="Only for the counselor.", visibility=Visibility.COUNSELOR)
    checkin(step, me, reflection="My own shared note.", visibility=Visibility.SHARED)
    checkin(step, other, visibility=Visibility.SHARED)  # shared, but nothing written
    foreign = assignment(factories.CoupleFactory())
    checkin(foreign, foreign.couple.partners[1], reflection="x", visibility=Visibility.SHARED)

    assert [c.id for c in partner_homework(me).shared_with_me] == [shared.id]
