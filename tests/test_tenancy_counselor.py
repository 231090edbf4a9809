"""counselor/tenancy.py, least privilege: a counselor who is not an owner, in a practice that
keeps counselors to the couples they treat, sees only their own couples and every row that
belongs to them; owners, and everyone when the practice says so, see the whole practice."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    CheckIn,
    ClientLink,
    Counselor,
    CounselorRole,
    Couple,
    CoupleSession,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
    Partner,
    PartnerWeek,
    Report,
    WeeklyProgress,
)
from counselor.services.couples import links
from counselor.services.delivery import digest
from counselor.services.errors import NotFound
from tests.support import factories
from tests.support.helpers import count_statements, stored

KINDS = [Couple, Partner, ClientLink, Assignment, CheckIn, CoupleSession, Report, OutboxEmail]


@pytest.fixture
def staff(counselor: Counselor) -> Counselor:
    """A counselor (not an owner) of the owner ``counselor``'s practice."""
    return factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)


@pytest.fixture
def colleague(counselor: Counselor) -> Counselor:
    return factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)


def _rows_of(couple: Couple) -> dict[type, Any]:
    partner = couple.partners[0]
    with tenancy.practice_scope(couple.practice_id):
        links.issue_link(partner, LinkPurpose.HOMEWORK)
    report = Report(practice_id=couple.practice_id, couple_id=couple.id, requested_by="test")
    email = OutboxEmail(practice_id=couple.practice_id, partner_id=partner.id, kind=EmailKind.LINK)
    db.session.add_all([report, email])
    db.session.commit()
    link = db.session.scalar(
        tenancy.across_practices(sa.select(ClientLink).where(ClientLink.partner_id == partner.id))
    )
    assignment = factories.AssignmentFactory(couple=couple)
    return {
        Couple: couple,
        Partner: partner,
        ClientLink: link,
        Assignment: assignment,
        CheckIn: factories.CheckInFactory(assignment=assignment, partner=partner),
        CoupleSession: factories.SessionFactory(couple=couple),
        Report: report,
        OutboxEmail: email,
    }


@pytest.fixture
def mine(staff: Counselor) -> dict[type, Any]:
    return _rows_of(factories.CoupleFactory(counselor=staff))


@pytest.fixture
def theirs(colleague: Counselor) -> dict[type, Any]:
    return _rows_of(factories.CoupleFactory(counselor=colleague))


def _visible_ids(kind: type) -> set[int]:
    return set(db.session.scalars(sa.select(kind.id)))


def _ids(rows: dict[type, Any], kind: type) -> set[int]:
    if kind is Partner:
        return {p.id for p in rows[Couple].partners}
    return {rows[kind].id}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_a_staff_counselor_sees_only_their_own_couples_rows(staff, mine, theirs, kind):
    tenancy.enter_as_counselor(staff)
    assert tenancy.couples_limited_to() == staff.id
    assert tenancy.get_in_practice(kind, mine[kind].id) is mine[kind]
    with pytest.raises(NotFound):
        tenancy.get_in_practice(kind, theirs[kind].id)
    db.session.expunge_all()
    assert _visible_ids(kind) == _ids(mine, kind)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(kind)) == len(_ids(mine, kind))
    both = sa.select(kind).where(kind.id.in_([mine[kind].id, theirs[kind].id])).subquery()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(both)) == 1


@pytest.mark.parametrize("kind", [Couple, Partner, Assignment, CheckIn, Report])
def test_a_colleagues_rows_are_not_updated_or_deleted(staff, mine, theirs, kind):
    tenancy.enter_as_counselor(staff)
    row_id = theirs[kind].id
    changed = db.session.execute(
        sa.update(kind).where(kind.id == row_id).values(created_at=sa.func.current_timestamp())
    )
    deleted = db.session.execute(sa.delete(kind).where(kind.id == row_id))
    assert (changed.rowcount, deleted.rowcount) == (0, 0)
    db.session.expire_all()
    assert stored(kind, row_id) is not None


def test_emails_to_counselors_are_not_couples_rows(staff, colleague, mine, theirs):
    to_colleague = OutboxEmail(
        practice_id=colleague.practice_id, counselor_id=colleague.id, kind=EmailKind.REPORT_READY
    )
    db.session.add(to_colleague)
    db.session.commit()
    tenancy.enter_as_counselor(staff)
    assert _visible_ids(OutboxEmail) == {mine[OutboxEmail].id, to_colleague.id}


def test_owners_see_the_whole_practice(counselor, mine, theirs):
    tenancy.enter_as_counselor(counselor)
    assert tenancy.couples_limited_to() is None
    for kind in KINDS:
        assert _ids(mine, kind) | _ids(theirs, kind) <= _visible_ids(kind)


def test_a_practice_that_shows_every_couple_narrows_nobody(staff, mine, theirs):
    staff.practice.staff_see_all_couples = True
    db.session.commit()
    tenancy.enter_as_counselor(staff)
    assert tenancy.couples_limited_to() is None
    assert {mine[Couple].id, theirs[Couple].id} <= _visible_ids(Couple)


def test_every_entity_that_belongs_to_a_couple_is_narrowed(app):
    by_couple, by_partner, by_optional_partner = tenancy._couple_owned()
    assert {Partner, Assignment, CoupleSession, Report, WeeklyProgress, PartnerWeek} <= set(
        by_couple
    )
    assert {CheckIn, ClientLink} <= set(by_partner)
    assert OutboxEmail in by_optional_partner
    every = {*by_couple, *by_partner, *by_optional_partner}
    for mapper in db.Model.registry.mappers:
        columns = mapper.columns
        if mapper.class_ is not Couple and ("couple_id" in columns or "partner_id" in columns):
            assert mapper.class_ in every, mapper.class_


def test_the_counselor_criterion_is_in_the_sql_and_the_statement_is_cached(staff, colleague, mine):
    def sql_of(who: Counselor, statement: sa.Executable) -> str:
        tenancy.enter_as_counselor(who)
        with count_statements() as sent:
            db.session.execute(statement)
        return " ".join(sent.statements)

    counted = sql_of(staff, sa.select(sa.func.count()).select_from(sa.select(Couple).subquery()))
    assert "couples.counselor_id = " in counted and "couples.practice_id = " in counted
    checkins = sql_of(staff, sa.select(CheckIn.id))
    assert "checkins.partner_id IN (SELECT partners.id" in checkins
    # The counselor's id is a bound parameter: the same SQL for everyone, one cache entry.
    assert sql_of(colleague, sa.select(CheckIn.id)) == checkins


def test_a_practice_scope_lifts_the_narrowing_for_its_block(staff, mine, theirs):
    tenancy.enter_as_counselor(staff)
    with tenancy.practice_scope(staff.practice_id):
        assert theirs[Couple].id in _visible_ids(Couple)
    assert tenancy.couples_limited_to() == staff.id
    assert theirs[Couple].id not in _visible_ids(Couple)


def test_entering_the_practice_again_widens_the_scope(staff, mine, theirs):
    tenancy.enter_as_counselor(staff)
    tenancy.enter_practice(staff.practice_id)
    assert tenancy.couples_limited_to() is None
    tenancy.leave_practice()
    assert tenancy.couples_limited_to() is None


def test_the_monday_digest_lists_only_the_recipients_couples(staff, colleague, mine, theirs):
    for rows in (mine, theirs):  # a reason to list each couple
        rows[Partner].unsubscribed_at = timeutil.utcnow()
    db.session.commit()
    tenancy.enter_practice(staff.practice_id)  # as the worker composing the email does
    for see_all in (False, True):
        staff.practice.staff_see_all_couples = see_all
        listed = [item.couple_id for item in digest.couples_needing_attention(staff)]
        assert listed == [mine[Couple].id]
        listed = [item.couple_id for item in digest.couples_needing_attention(colleague)]
        assert listed == [theirs[Couple].id]
