"""Rows for the benchmarks, fast: the project's factories for the few (practice,
counselor) and the tests' bulk inserts (tests/support/bulk.py), which the compile's cost
test uses too, for the many (couples, partners, steps, check-ins, sessions). Run inside an
app context."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    CheckIn,
    CoupleSession,
    LinkPurpose,
    Partner,
)
from counselor.services.couples import links
from tests.support import bulk, factories
from tests.support.bulk import TIMEZONE


def counselor():
    """A practice and its owner, from the project's factories (password: factories.PASSWORD).
    The benchmark's own queries then run in that practice's scope, as the owner's do."""
    owner = factories.CounselorFactory()
    tenancy.enter_practice(owner.practice_id)
    return owner


def add_couples(
    owner,
    first: int,
    number: int,
    *,
    weeks: int = 1,
    timezone: str = TIMEZONE,
    together_step: bool = True,
    reflections: bool = False,
    sessions: bool = True,
    checkins: bool = True,
    partner_fields: dict | None = None,
    starts_on: date | None = None,
) -> list[int]:
    """``number`` couples (labels numbered from ``first``), each with two partners, an
    each-partner step (and a joint one), ``weeks`` weeks of varied check-ins up to today
    and a session in three days. Returns the new couples' ids in label order."""
    if number <= 0:
        return []
    today = timeutil.local_today(timezone)
    starts_on = starts_on or timeutil.week_start(today) - timedelta(weeks=weeks - 1)
    couple_ids = bulk.add_couples(
        owner,
        [f"Bench {n:06d}" for n in range(first, first + number)],
        starts_on=starts_on,
        until=today,
        timezone=timezone,
        together_step=together_step,
        checkins=checkins,
        reflections=reflections,
        partner_fields=partner_fields,
    )
    if sessions:
        soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        db.session.execute(
            sa.insert(CoupleSession),
            [
                {"practice_id": owner.practice_id, "couple_id": cid, "starts_at": soon}
                for cid in couple_ids
            ],
        )
    db.session.commit()
    return couple_ids


def homework_links(couple_ids: list[int]) -> list[tuple[str, int]]:
    """A fresh homework link for the first partner of each couple, with the id of the
    step that partner does: (token, assignment id) pairs for the mark-done POST."""
    partners = db.session.scalars(
        sa.select(Partner)
        .where(Partner.couple_id.in_(couple_ids), Partner.position == 1)
        .order_by(Partner.couple_id)
    ).all()
    steps = dict(
        db.session.execute(
            sa.select(Assignment.couple_id, sa.func.min(Assignment.id))
            .where(Assignment.couple_id.in_(couple_ids), Assignment.assignee == Assignee.EACH)
            .group_by(Assignment.couple_id)
        ).all()
    )
    pairs = [(links.issue_link(p, LinkPurpose.HOMEWORK), steps[p.couple_id]) for p in partners]
    db.session.commit()
    return pairs


def checkin_count() -> int:
    """Check-ins in the database, whichever session wrote them (the server's processes)."""
    every = sa.select(sa.func.count()).select_from(CheckIn)
    return db.session.scalar(tenancy.across_practices(every)) or 0
