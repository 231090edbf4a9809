"""services/accounts/team.py: owners invite, deactivate, reactivate counselors and change
their roles; the practice never loses its last active owner."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    AuditEvent,
    Counselor,
    CounselorRole,
    CounselorSession,
    CoupleStatus,
    EmailKind,
    OutboxEmail,
)
from counselor.services.accounts import counselors, team
from counselor.services.errors import InvalidInput, NotFound
from tests.support import factories
from tests.support.helpers import row_counts


@pytest.fixture
def owner(counselor, actor) -> Counselor:
    """The owner ``counselor``, their practice in scope."""
    return counselor


@pytest.fixture
def staff(owner) -> Counselor:
    return factories.CounselorFactory(practice=owner.practice, role=CounselorRole.COUNSELOR)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _live_session(counselor: Counselor) -> CounselorSession:
    row = CounselorSession(
        practice_id=counselor.practice_id,
        counselor_id=counselor.id,
        id_hash=secrets.token_hex(32),
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_an_invitation_adds_a_counselor_who_cannot_sign_in_yet_and_queues_the_email(owner):
    invited = team.invite(owner, " Robin Vale ", "Robin@Example.org", "counselor")
    assert (invited.name, invited.email, invited.role) == (
        "Robin Vale",
        "Robin@example.org",
        CounselorRole.COUNSELOR,
    )
    assert invited.active and invited.joined_at is None
    assert team.status_of(invited) == team.Status.INVITED
    assert not counselors.verify_password(invited, "")
    assert not counselors.verify_password(invited, invited.password_hash)
    with pytest.raises(InvalidInput):
        counselors.authenticate("Robin@example.org", invited.password_hash)
    email = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.counselor_id == invited.id))
    assert email.kind == EmailKind.COUNSELOR_INVITE and email.partner_id is None
    [event] = _events("counselor.invite")
    assert (event.actor_id, event.object_type, event.object_id) == (
        owner.id,
        "counselor",
        invited.id,
    )


@pytest.mark.parametrize(
    ("name", "email", "role", "field"),
    [
        ("", "a@example.org", "counselor", "name"),
        ("A", "not an address", "counselor", "email"),
        ("A", "a@example.org", "boss", "role"),
        ("A", "x" * 300 + "@example.org", "counselor", "email"),
    ],
)
def test_a_bad_invitation_writes_nothing(owner, name, email, role, field):
    before = row_counts()
    with pytest.raises(InvalidInput) as refused:
        team.invite(owner, name, email, role)
    assert field in refused.value.errors
    assert row_counts() == before


def test_an_address_any_counselor_uses_is_refused_in_words(owner):
    elsewhere = factories.CounselorFactory()  # another practice's
    for address in (owner.email, elsewhere.email.upper()):
        with pytest.raises(InvalidInput, match="already uses this email address"):
            team.invite(owner, "Twin", address, "counselor")


def test_only_owners_invite(staff):
    with pytest.raises(InvalidInput, match="Only an owner"):
        team.invite(staff, "New", "new@example.org", "counselor")


def test_an_invitation_can_be_sent_again_while_it_is_open(owner, staff):
    invited = team.invite(owner, "Robin", "robin@example.org", "owner")
    team.resend_invite(owner, invited.id)
    emails = db.session.scalars(
        sa.select(OutboxEmail.kind).where(OutboxEmail.counselor_id == invited.id)
    ).all()
    assert emails == [EmailKind.COUNSELOR_INVITE] * 2
    with pytest.raises(InvalidInput, match="no open invitation"):
        team.resend_invite(owner, staff.id)  # already joined


def test_deactivating_ends_every_session_at_once_and_reactivating_undoes_it(owner, staff):
    sessions = [_live_session(staff), _live_session(staff)]
    assert team.deactivate(owner, staff.id) == 2
    assert not staff.active and team.status_of(staff) == team.Status.DEACTIVATED
    for row in sessions:
        db.session.refresh(row)
        assert row.ended_at is not None and row.ended_reason == "deactivated"
    assert team.deactivate(owner, staff.id) == 0  # twice is harmless, audited once
    team.reactivate(owner, staff.id)
    assert staff.active and team.status_of(staff) == team.Status.ACTIVE
    assert [e.object_id for e in _events("counselor.deactivate")] == [staff.id]
    assert [e.object_id for e in _events("counselor.reactivate")] == [staff.id]


def test_nobody_deactivates_themselves_or_the_last_active_owner(owner, staff):
    with pytest.raises(InvalidInput, match="your own account"):
        team.deactivate(owner, owner.id)
    second = factories.CounselorFactory(practice=owner.practice, role=CounselorRole.OWNER)
    team.deactivate(second, owner.id)  # another owner remains: second
    with pytest.raises(InvalidInput, match="your own account"):
        team.deactivate(second, second.id)
    assert second.active


def test_an_invited_owner_is_not_an_active_owner(owner):
    invited = team.invite(owner, "Robin", "robin@example.org", "owner")
    with pytest.raises(InvalidInput, match="at least one active owner"):
        team.change_role(owner, owner.id, "counselor")
    assert owner.role == CounselorRole.OWNER
    invited.joined_at = timeutil.utcnow()  # they accepted
    team.change_role(owner, owner.id, "counselor")
    assert owner.role == CounselorRole.COUNSELOR


def test_roles_change_both_ways_and_are_audited(owner, staff):
    team.change_role(owner, staff.id, "owner")
    assert staff.role == CounselorRole.OWNER
    team.change_role(owner, staff.id, "owner")  # no change: no event
    team.change_role(staff, owner.id, "counselor")  # staff is an owner now
    assert owner.role == CounselorRole.COUNSELOR
    assert [e.object_id for e in _events("counselor.role")] == [staff.id, owner.id]
    with pytest.raises(InvalidInput, match="at least one active owner"):
        team.change_role(staff, staff.id, "counselor")
    with pytest.raises(InvalidInput, match="Choose owner or counselor"):
        team.change_role(staff, owner.id, "admin")


def test_counselors_who_are_not_owners_change_nothing(owner, staff):
    for attempt in (
        lambda: team.deactivate(staff, owner.id),
        lambda: team.reactivate(staff, owner.id),
        lambda: team.change_role(staff, staff.id, "owner"),
        lambda: team.resend_invite(staff, owner.id),
    ):
        with pytest.raises(InvalidInput, match="Only an owner"):
            attempt()
    assert staff.role == CounselorRole.COUNSELOR and owner.active


def test_another_practices_counselor_is_not_found(owner):
    stranger = factories.CounselorFactory()
    for attempt in (team.deactivate, team.reactivate, team.resend_invite):
        with pytest.raises(NotFound):
            attempt(owner, stranger.id)
    with pytest.raises(NotFound):
        team.change_role(owner, stranger.id, "counselor")


def test_the_couples_a_counselor_still_treats_are_named(owner, staff):
    mine = factories.CoupleFactory(counselor=staff, label="B couple")
    paused = factories.CoupleFactory(counselor=staff, label="A couple", status=CoupleStatus.PAUSED)
    factories.CoupleFactory(counselor=staff, status=CoupleStatus.CLOSED)
    factories.CoupleFactory(counselor=owner)
    assert [c.id for c in team.couples_treated_by(staff.id)] == [paused.id, mine.id]


def test_the_list_holds_everyone_with_their_status(owner, staff):
    invited = team.invite(owner, "Aaron", "aaron@example.org", "counselor")
    team.deactivate(owner, staff.id)
    listed = {c.id: team.status_of(c) for c in team.every_counselor()}
    assert listed == {
        owner.id: team.Status.ACTIVE,
        staff.id: team.Status.DEACTIVATED,
        invited.id: team.Status.INVITED,
    }
