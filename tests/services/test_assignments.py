"""counselor/services/homework/assignments.py: giving ladder steps to a couple and ending them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    AuditEvent,
    CoupleStatus,
)
from counselor.services.audit import Actor
from counselor.services.delivery import notifications
from counselor.services.errors import DuplicateAssignment, InvalidInput, NotFound
from counselor.services.homework.assignments import (
    AssignmentInput,
    assign_homework,
    current_rung,
)
from counselor.services.homework.lifecycle import end_assignment
from counselor.tenancy import get_in_practice
from tests.support import factories
from tests.support.clock import NOW, TODAY

pytestmark = pytest.mark.usefixtures("clock")


def assignment_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Assignment))


def rejected_field(actor: Actor, couple_id: int, data: AssignmentInput) -> dict:
    """Assign, expecting a refusal that writes nothing; return the field errors."""
    before = assignment_count()
    with pytest.raises(InvalidInput) as error:
        assign_homework(actor, couple_id, data)
    assert assignment_count() == before
    return error.value.errors


def test_assign_from_template_snapshots_its_text_rung_and_cadence(actor, couple):
    template = factories.template("share-a-minor-worry")

    assignment = assign_homework(actor, couple.id, AssignmentInput(template_key=template.key))

    assert assignment.title == template.title
    assert assignment.instructions == template.instructions
    assert assignment.template_id == template.id
    assert assignment.template_version == template.version
    assert assignment.rung_id == template.rung_id == factories.rung(2).id
    assert assignment.times_per_week == template.times_per_week == 3
    assert assignment.starts_on == TODAY
    assert assignment.status == AssignmentStatus.ACTIVE


def test_assigning_records_an_audit_event(actor, couple):
    assignment = assign_homework(
        actor, couple.id, AssignmentInput(template_key="hand-over-a-chore")
    )
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [(e.action, e.object_id) for e in events] == [("assignment.create", assignment.id)]


def test_custom_step_sits_on_the_chosen_rung(actor, couple):
    rung = factories.rung(4)
    data = AssignmentInput(
        rung_id=rung.id,
        title="Plan the holidays",
        instructions="Talk it through.",
        times_per_week=2,
    )

    assignment = assign_homework(actor, couple.id, data)

    assert (assignment.rung_id, assignment.template_id) == (rung.id, None)
    assert (assignment.title, assignment.instructions) == ("Plan the holidays", "Talk it through.")


def test_custom_step_needs_rung_title_and_instructions(actor, couple):
    errors = rejected_field(actor, couple.id, AssignmentInput(times_per_week=2))
    assert {"rung_id", "title", "instructions"} <= errors.keys()


def test_edited_title_keeps_the_template_link_but_uses_the_edited_text(actor, couple):
    template = factories.template("ask-opinion-work-email")
    data = AssignmentInput(template_key=template.key, title="Ask Sam about the board memo")

    assignment = assign_homework(actor, couple.id, data)

    assert assignment.template_id == template.id
    assert assignment.title == "Ask Sam about the board memo"
    assert assignment.instructions == template.instructions


@pytest.mark.parametrize("times", [0, 99])
def test_times_per_week_out_of_range_is_rejected(actor, couple, times):
    data = AssignmentInput(template_key="hand-over-a-chore", times_per_week=times)
    assert "times_per_week" in rejected_field(actor, couple.id, data)


def test_due_date_before_start_is_rejected(actor, couple):
    data = AssignmentInput(
        template_key="hand-over-a-chore",
        starts_on=TODAY + timedelta(days=10),
        due_on=TODAY + timedelta(days=5),
    )
    assert "due_on" in rejected_field(actor, couple.id, data)


def test_assignee_from_another_couple_is_rejected(actor, couple, counselor):
    stranger = factories.CoupleFactory(counselor=counselor).partners[0]
    data = AssignmentInput(template_key="hand-over-a-chore", assignee=stranger.id)
    assert "assignee" in rejected_field(actor, couple.id, data)


def test_one_partner_of_the_couple_can_be_the_assignee(actor, couple):
    chosen = couple.partners[1]
    data = AssignmentInput(template_key="hand-over-a-chore", assignee=str(chosen.id))

    assignment = assign_homework(actor, couple.id, data)

    assert (assignment.assignee, assignment.assignee_partner_id) == (Assignee.PARTNER, chosen.id)


def test_closed_couple_gets_no_homework(actor, counselor):
    closed = factories.CoupleFactory(counselor=counselor, status=CoupleStatus.CLOSED)
    data = AssignmentInput(template_key="hand-over-a-chore")
    assert "couple" in rejected_field(actor, closed.id, data)


def test_assignment_of_another_practice_is_not_found(actor):
    theirs = factories.AssignmentFactory()
    with pytest.raises(NotFound):
        get_in_practice(Assignment, theirs.id)
    with pytest.raises(NotFound):
        end_assignment(actor, theirs.id, AssignmentStatus.COMPLETED)
    assert db.session.get(Assignment, theirs.id).status == AssignmentStatus.ACTIVE


def test_assigning_to_another_practices_couple_is_not_found(actor):
    theirs = factories.CoupleFactory()
    with pytest.raises(NotFound):
        assign_homework(actor, theirs.id, AssignmentInput(template_key="hand-over-a-chore"))
    assert assignment_count() == 0


@pytest.mark.parametrize("status", [AssignmentStatus.COMPLETED, AssignmentStatus.CANCELLED])
def test_end_assignment_sets_the_status_and_end_time(actor, couple, status):
    assignment = factories.AssignmentFactory(couple=couple)

    ended = end_assignment(actor, assignment.id, status)

    assert ended.status == status
    assert ended.ended_at == NOW
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions == [f"assignment.{status.value}"]


@pytest.mark.parametrize("status", [AssignmentStatus.COMPLETED, AssignmentStatus.CANCELLED])
def test_ending_twice_with_the_same_status_changes_nothing(actor, couple, clock, status):
    assignment = factories.AssignmentFactory(couple=couple)
    end_assignment(actor, assignment.id, status)
    clock.advance(hours=1)

    again = end_assignment(actor, assignment.id, status)

    assert (again.status, again.ended_at) == (status, NOW)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (AssignmentStatus.COMPLETED, AssignmentStatus.CANCELLED),
        (AssignmentStatus.CANCELLED, AssignmentStatus.COMPLETED),
    ],
)
def test_an_ended_step_cannot_be_ended_the_other_way(actor, couple, first, then):
    assignment = factories.AssignmentFactory(couple=couple)
    end_assignment(actor, assignment.id, first)

    with pytest.raises(InvalidInput) as error:
        end_assignment(actor, assignment.id, then)

    assert "status" in error.value.errors
    db.session.expire_all()
    assert get_in_practice(Assignment, assignment.id).status == first


def test_current_rung_is_the_highest_among_active_steps(couple):
    low = factories.AssignmentFactory(couple=couple, rung=factories.rung(2))
    high_but_done = factories.AssignmentFactory(
        couple=couple, rung=factories.rung(5), status=AssignmentStatus.COMPLETED
    )
    middle = factories.AssignmentFactory(couple=couple, rung=factories.rung(3))

    assert current_rung([low, high_but_done, middle]) == factories.rung(3)


def test_current_rung_is_none_without_active_steps(couple):
    cancelled = factories.AssignmentFactory(couple=couple, status=AssignmentStatus.CANCELLED)
    assert current_rung([cancelled]) is None
    assert current_rung([]) is None


# Duplicates (docs/design.md, "Duplicate steps"): a step the couple already has active is
# assigned again only when the caller confirms.


def test_a_template_the_couple_has_active_is_refused_naming_the_existing_step(actor, couple):
    first = assign_homework(actor, couple.id, AssignmentInput(template_key="hand-over-a-chore"))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    with pytest.raises(DuplicateAssignment) as refused:
        # Edited text is still the same step of the ladder.
        assign_homework(
            actor,
            couple.id,
            AssignmentInput(template_key="hand-over-a-chore", title="Let Sam do the groceries"),
        )

    assert assignment_count() == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
    assert (refused.value.existing_id, refused.value.existing_starts_on) == (first.id, TODAY)
    assert refused.value.errors == {
        "template_key": [
            f"This couple already has \u201c{first.title}\u201d active, since 13 May 2026."
        ]
    }
    assert isinstance(refused.value, InvalidInput)  # an edge that knows no better refuses it


def test_a_confirmed_duplicate_is_assigned(actor, couple):
    first = assign_homework(actor, couple.id, AssignmentInput(template_key="hand-over-a-chore"))
    again = assign_homework(
        actor,
        couple.id,
        AssignmentInput(template_key="hand-over-a-chore", allow_duplicate=True),
    )
    assert again.id != first.id
    assert (again.template_id, again.status) == (first.template_id, AssignmentStatus.ACTIVE)
    assert assignment_count() == 2


@pytest.mark.parametrize("status", [AssignmentStatus.COMPLETED, AssignmentStatus.CANCELLED])
def test_an_ended_step_can_be_assigned_again_without_asking(actor, couple, status):
    first = assign_homework(actor, couple.id, AssignmentInput(template_key="hand-over-a-chore"))
    end_assignment(actor, first.id, status)

    again = assign_homework(actor, couple.id, AssignmentInput(template_key="hand-over-a-chore"))

    assert again.id != first.id


def test_a_custom_step_titled_like_an_active_step_on_its_rung_is_a_duplicate(actor, couple):
    rung = factories.rung(4)
    first = factories.AssignmentFactory(couple=couple, rung=rung, title="Plan the holidays")
    custom = AssignmentInput(
        rung_id=rung.id, title="  plan THE   holidays ", instructions="Talk.", times_per_week=1
    )

    with pytest.raises(DuplicateAssignment) as refused:
        assign_homework(actor, couple.id, custom)
    assert (refused.value.existing_id, list(refused.value.errors)) == (first.id, ["title"])

    # The same title on another rung is another step.
    elsewhere = AssignmentInput(
        rung_id=factories.rung(5).id,
        title="Plan the holidays",
        instructions="Talk.",
        times_per_week=1,
    )
    assert assign_homework(actor, couple.id, elsewhere).rung_id == factories.rung(5).id


def test_a_template_titled_like_an_active_custom_step_on_its_rung_is_a_duplicate(actor, couple):
    template = factories.template("hand-over-a-chore")
    factories.AssignmentFactory(couple=couple, rung=template.rung, title=template.title)
    with pytest.raises(DuplicateAssignment):
        assign_homework(actor, couple.id, AssignmentInput(template_key=template.key))


def test_another_couples_active_step_is_no_duplicate(actor, couple, counselor):
    other = factories.CoupleFactory(counselor=counselor)
    assign_homework(actor, other.id, AssignmentInput(template_key="hand-over-a-chore"))
    theirs = factories.AssignmentFactory(title="Hand over a chore you usually do")

    mine = assign_homework(actor, couple.id, AssignmentInput(template_key="hand-over-a-chore"))

    assert mine.couple_id == couple.id
    assert theirs.couple_id != couple.id


def test_field_errors_come_before_the_duplicate_question(actor, couple):
    assign_homework(actor, couple.id, AssignmentInput(template_key="hand-over-a-chore"))
    data = AssignmentInput(template_key="hand-over-a-chore", times_per_week=99)
    errors = rejected_field(actor, couple.id, data)
    assert list(errors) == ["times_per_week"]


@pytest.mark.parametrize("send_now", [False, True])
def test_send_now_reaches_the_new_step_email(actor, couple, monkeypatch, send_now):
    calls = []
    monkeypatch.setattr(
        notifications,
        "notify_new_step",
        lambda assignment, *, send_now=False: calls.append((assignment.id, send_now)),
    )
    data = AssignmentInput(template_key="hand-over-a-chore", send_now=send_now)

    assignment = assign_homework(actor, couple.id, data)

    assert calls == [(assignment.id, send_now)]
