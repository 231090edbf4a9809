"""A partner changing, deleting or taking back what they recorded (checkins.py: edit_checkin,
delete_checkin, withdraw_reflection), and who sees a reflection afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AssignmentStatus, AuditEvent, CheckIn, CoupleStatus, Visibility
from counselor.services.couples.links import partner_actor
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.homework import change_window, checkins
from counselor.services.homework.change_window import changeable_checkins
from counselor.services.homework.checkins import CheckInChanges
from counselor.services.homework.reflections import recent_reflections
from counselor.services.pages.partner_page import partner_homework
from tests.support import factories
from tests.support.clock import NOW, TODAY
from tests.support.helpers import count_rows, row_counts

# ``actor``: the couple's practice's scope, which the partner's link page enters.
pytestmark = pytest.mark.usefixtures("clock", "actor")


@pytest.fixture
def step(couple):
    return factories.AssignmentFactory(
        couple=couple, title="Share a minor worry", starts_on=TODAY - timedelta(weeks=2)
    )


@pytest.fixture
def mine(step, partner):
    return factories.CheckInFactory(
        assignment=step,
        partner=partner,
        occurred_on=TODAY - timedelta(days=1),
        comfort=3,
        reflection="I asked for help with the forms.",
        visibility=Visibility.SHARED,
    )


def changes(check_in: CheckIn, **fields) -> CheckInChanges:
    """The check-in's fields as they are, with ``fields`` changed."""
    current = {
        "occurred_on": check_in.occurred_on,
        "comfort": check_in.comfort,
        "reflection": check_in.reflection,
        "share_with_partner": check_in.visibility == Visibility.SHARED,
    }
    return CheckInChanges(**{**current, **fields})


def audit_actions() -> list[tuple[str, str, int | None]]:
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
    return [(e.action, e.object_type, e.object_id) for e in events]


def refused(call, *args) -> dict:
    """Call, expecting a refusal that writes nothing; return the field errors."""
    before = row_counts()
    with pytest.raises(InvalidInput) as error:
        call(*args)
    db.session.expire_all()
    assert row_counts() == before
    return error.value.errors


# --- editing -------------------------------------------------------------------------------


def test_edit_changes_day_comfort_reflection_and_marks_the_edit(partner, mine, clock):
    clock.advance(hours=5)
    data = changes(mine, occurred_on=TODAY, comfort=5, reflection="  I asked, and it was easy.  ")

    edited = checkins.edit_checkin(partner_actor(partner), partner, mine.id, data)

    assert (edited.occurred_on, edited.comfort) == (TODAY, 5)
    assert edited.reflection == "I asked, and it was easy."  # trimmed, as when recording
    assert edited.edited_at == NOW + timedelta(hours=5)
    assert audit_actions() == [("checkin.edit", "checkin", mine.id)]


def test_saving_without_a_change_changes_nothing(partner, mine):
    checkins.edit_checkin(partner_actor(partner), partner, mine.id, changes(mine))

    assert mine.edited_at is None
    assert audit_actions() == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"occurred_on": TODAY + timedelta(days=1)}, "occurred_on"),
        ({"occurred_on": TODAY - timedelta(days=8)}, "occurred_on"),
        ({"occurred_on": TODAY - timedelta(weeks=3)}, "occurred_on"),  # before the step
        ({"comfort": 0}, "comfort"),
        ({"comfort": 6}, "comfort"),
        ({"reflection": "x" * 2001}, "reflection"),
    ],
)
def test_edit_follows_the_rules_of_recording(partner, mine, fields, field):
    errors = refused(
        checkins.edit_checkin, partner_actor(partner), partner, mine.id, changes(mine, **fields)
    )

    assert field in errors
    assert mine.edited_at is None


def test_a_day_left_unchanged_stays_valid_once_more_than_a_week_back(partner, step, clock):
    old_day = factories.CheckInFactory(
        assignment=step, partner=partner, occurred_on=TODAY - timedelta(days=7)
    )
    clock.advance(days=3)

    edited = checkins.edit_checkin(
        partner_actor(partner), partner, old_day.id, changes(old_day, comfort=4)
    )

    assert (edited.occurred_on, edited.comfort) == (TODAY - timedelta(days=7), 4)


def test_after_seven_days_a_checkin_can_no_longer_be_changed_or_deleted(partner, mine, clock):
    clock.advance(days=7)
    checkins.edit_checkin(partner_actor(partner), partner, mine.id, changes(mine, comfort=4))

    clock.advance(minutes=1)
    for call, args in [
        (checkins.edit_checkin, (mine.id, changes(mine, comfort=5))),
        (checkins.delete_checkin, (mine.id,)),
    ]:
        errors = refused(call, partner_actor(partner), partner, *args)
        assert errors == {"checkin": [change_window.too_old_to_change()]}
    assert "7 days" in change_window.too_old_to_change()
    assert changeable_checkins(partner) == []


def test_a_checkin_of_a_step_no_longer_active_cannot_be_changed(partner, step, mine):
    step.status = AssignmentStatus.COMPLETED

    errors = refused(checkins.delete_checkin, partner_actor(partner), partner, mine.id)

    assert "assignment" in errors
    assert changeable_checkins(partner) == []


def test_a_closed_couples_checkins_cannot_be_changed(couple, partner, mine):
    couple.status = CoupleStatus.CLOSED

    errors = refused(
        checkins.edit_checkin, partner_actor(partner), partner, mine.id, changes(mine, comfort=1)
    )

    assert errors == {"assignment": ["This couple's work has been closed."]}


def test_the_other_partners_checkin_is_not_found(couple, step, partner):
    other = couple.partners[1]
    theirs = factories.CheckInFactory(assignment=step, partner=other, occurred_on=TODAY)
    before = row_counts()

    for call, args in [
        (checkins.edit_checkin, (theirs.id, changes(theirs, comfort=1))),
        (checkins.delete_checkin, (theirs.id,)),
        (checkins.withdraw_reflection, (theirs.id,)),
    ]:
        with pytest.raises(NotFound):
            call(partner_actor(partner), partner, *args)
    assert row_counts() == before


def test_another_couples_checkin_is_not_found(counselor, partner):
    neighbours = factories.CoupleFactory(counselor=counselor)
    theirs = factories.CheckInFactory(
        assignment=factories.AssignmentFactory(couple=neighbours, starts_on=TODAY),
        occurred_on=TODAY,
    )

    with pytest.raises(NotFound):
        checkins.delete_checkin(partner_actor(partner), partner, theirs.id)
    assert count_rows(CheckIn) == 1


def test_another_practices_checkin_is_not_found(partner):
    stranger = factories.CounselorFactory()
    theirs = factories.CheckInFactory(
        assignment=factories.AssignmentFactory(
            couple=factories.CoupleFactory(counselor=stranger), starts_on=TODAY
        ),
        occurred_on=TODAY,
    )
    assert theirs.practice_id != partner.couple.practice_id

    with pytest.raises(NotFound):
        checkins.delete_checkin(partner_actor(partner), partner, theirs.id)
    assert count_rows(CheckIn) == 1


# --- deleting --------------------------------------------------------------------------------


def test_delete_removes_the_checkin_and_records_ids_only(partner, mine):
    checkin_id = mine.id

    checkins.delete_checkin(partner_actor(partner), partner, checkin_id)

    assert count_rows(CheckIn) == 0
    assert audit_actions() == [("checkin.delete", "checkin", checkin_id)]
    event = db.session.scalar(sa.select(AuditEvent))
    assert (event.actor_type, event.actor_id) == ("partner", partner.id)


# --- taking a reflection back -------------------------------------------------------------------


def test_withdrawing_hides_it_from_the_other_partner_not_from_the_counselor(couple, partner, mine):
    other = couple.partners[1]
    assert [c.id for c in partner_homework(other).shared_with_me] == [mine.id]
    assert [c.id for c in partner_homework(partner).shared_by_me] == [mine.id]

    checkins.withdraw_reflection(partner_actor(partner), partner, mine.id)

    assert mine.reflection_withdrawn_at == NOW
    assert partner_homework(other).shared_with_me == []
    assert partner_homework(partner).shared_by_me == []
    assert [c.id for c in recent_reflections(couple.id)] == [mine.id]
    assert audit_actions() == [("checkin.withdraw_reflection", "checkin", mine.id)]


def test_withdrawing_works_whatever_the_checkins_age(couple, partner, mine, clock):
    clock.advance(days=40)

    checkins.withdraw_reflection(partner_actor(partner), partner, mine.id)

    assert partner_homework(couple.partners[1]).shared_with_me == []


def test_withdrawing_twice_is_once(partner, mine, clock):
    checkins.withdraw_reflection(partner_actor(partner), partner, mine.id)
    clock.advance(hours=1)
    checkins.withdraw_reflection(partner_actor(partner), partner, mine.id)

    assert mine.reflection_withdrawn_at == NOW
    assert len(audit_actions()) == 1


def test_a_reflection_never_shared_has_nothing_to_withdraw(partner, step):
    private = factories.CheckInFactory(
        assignment=step, partner=partner, occurred_on=TODAY, reflection="Just for my counselor."
    )

    errors = refused(checkins.withdraw_reflection, partner_actor(partner), partner, private.id)

    assert "checkin" in errors


def test_editing_a_withdrawn_reflection_keeps_it_withdrawn(couple, partner, mine):
    checkins.withdraw_reflection(partner_actor(partner), partner, mine.id)

    checkins.edit_checkin(
        partner_actor(partner),
        partner,
        mine.id,
        changes(mine, reflection="Rewritten.", share_with_partner=False),
    )

    assert mine.reflection_withdrawn_at == NOW
    assert partner_homework(couple.partners[1]).shared_with_me == []


def test_sharing_again_explicitly_undoes_the_withdrawal(couple, partner, mine, clock):
    checkins.withdraw_reflection(partner_actor(partner), partner, mine.id)
    clock.advance(hours=1)

    checkins.edit_checkin(
        partner_actor(partner), partner, mine.id, changes(mine, share_with_partner=True)
    )

    assert mine.reflection_withdrawn_at is None
    assert [c.id for c in partner_homework(couple.partners[1]).shared_with_me] == [mine.id]
    assert [a for a, _, _ in audit_actions()] == [
        "checkin.withdraw_reflection",
        "checkin.edit",
        "checkin.share_reflection",
    ]


def test_unticking_share_when_editing_is_a_withdrawal(couple, partner, mine):
    checkins.edit_checkin(
        partner_actor(partner), partner, mine.id, changes(mine, share_with_partner=False)
    )

    assert mine.reflection_withdrawn_at == NOW
    assert mine.visibility == Visibility.SHARED  # the counselor still sees it was shared
    assert partner_homework(couple.partners[1]).shared_with_me == []


def test_a_private_reflection_unticked_stays_private_not_withdrawn(partner, step):
    private = factories.CheckInFactory(
        assignment=step, partner=partner, occurred_on=TODAY, reflection="Mine.", comfort=2
    )

    checkins.edit_checkin(partner_actor(partner), partner, private.id, changes(private, comfort=3))

    assert (private.visibility, private.reflection_withdrawn_at) == (Visibility.COUNSELOR, None)


def test_the_partners_changeable_list_holds_only_their_own_recent_checkins(
    couple, step, partner, mine, clock
):
    factories.CheckInFactory(assignment=step, partner=couple.partners[1], occurred_on=TODAY)
    clock.advance(days=6)
    newer = factories.CheckInFactory(assignment=step, partner=partner, occurred_on=TODAY)

    assert [c.id for c in changeable_checkins(partner)] == [newer.id, mine.id]
    clock.advance(days=1, minutes=1)
    assert [c.id for c in changeable_checkins(partner)] == [newer.id]
