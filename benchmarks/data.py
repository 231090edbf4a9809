"""Rows for the benchmarks, fast: the project's factories for the few (practice,
counselor) and Core bulk inserts, as tests/services/test_progress_snapshots.py does, for
the many (couples, partners, steps, check-ins, sessions). Run inside an app context."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    CheckIn,
    CheckInSource,
    Couple,
    CoupleSession,
    LinkPurpose,
    Partner,
    Visibility,
)
from counselor.services.couples import links
from tests.support import factories

TIMEZONE = "America/Chicago"
REFLECTION = (
    "We tried it on Tuesday evening. It felt awkward to ask at first, but my partner "
    "seemed glad to be asked and we ended up talking for a while about the week ahead."
)


def counselor():  # type: ignore[no-untyped-def]
    """A practice and its owner, from the project's factories (password: factories.PASSWORD).
    The benchmark's own queries then run in that practice's scope, as the owner's do."""
    owner = factories.CounselorFactory()
    tenancy.enter_practice(owner.practice_id)
    return owner


def add_couples(
    owner,  # type: ignore[no-untyped-def]
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
    labels = [f"Bench {n:06d}" for n in range(first, first + number)]
    couple_ids = _insert_couples(owner, labels, timezone, partner_fields or {})
    partners = _partner_ids(couple_ids)
    steps = [(Assignee.EACH, 3, factories.rung(2).id)]
    if together_step:
        steps.append((Assignee.TOGETHER, 2, factories.rung(3).id))
    step_ids = _insert_steps(owner, couple_ids, steps, starts_on)
    if checkins:
        _insert_checkins(owner, couple_ids, partners, step_ids, starts_on, today, reflections)
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


def _insert_couples(owner, labels: list[str], timezone: str, fields: dict) -> list[int]:  # type: ignore[no-untyped-def]
    for start in range(0, len(labels), 5000):
        db.session.execute(
            sa.insert(Couple),
            [
                {"practice_id": owner.practice_id, "counselor_id": owner.id, "label": label}
                for label in labels[start : start + 5000]
            ],
        )
    couple_ids = list(
        db.session.scalars(
            sa.select(Couple.id)
            .where(Couple.practice_id == owner.practice_id, Couple.label.in_(labels))
            .order_by(Couple.label)
        )
    )
    db.session.execute(
        sa.insert(Partner),
        [
            {
                "couple_id": cid,
                "position": position,
                "first_name": f"P{cid}-{position}",
                "email": f"p{cid}-{position}@example.org",
                "timezone": timezone,
                **fields,
            }
            for cid in couple_ids
            for position in (1, 2)
        ],
    )
    return couple_ids


def _partner_ids(couple_ids: list[int]) -> dict[int, list[int]]:
    partners: dict[int, list[int]] = {}
    for cid, pid in db.session.execute(
        sa.select(Partner.couple_id, Partner.id)
        .where(Partner.couple_id.in_(couple_ids))
        .order_by(Partner.couple_id, Partner.position)
    ):
        partners.setdefault(cid, []).append(pid)
    return partners


def _insert_steps(owner, couple_ids, steps, starts_on) -> dict[tuple[int, Assignee], int]:  # type: ignore[no-untyped-def]
    db.session.execute(
        sa.insert(Assignment),
        [
            {
                "practice_id": owner.practice_id,
                "couple_id": cid,
                "rung_id": rung_id,
                "title": f"Step {assignee.value}",
                "instructions": "Tell your partner about one small worry this week.",
                "assignee": assignee,
                "times_per_week": times,
                "starts_on": starts_on,
            }
            for cid in couple_ids
            for assignee, times, rung_id in steps
        ],
    )
    rows = db.session.execute(
        sa.select(Assignment.couple_id, Assignment.assignee, Assignment.id).where(
            Assignment.couple_id.in_(couple_ids)
        )
    )
    return {(cid, assignee): aid for cid, assignee, aid in rows}


def _insert_checkins(owner, couple_ids, partners, step_ids, starts_on, today, reflections):  # type: ignore[no-untyped-def]
    weeks = (today - starts_on).days // 7 + 1
    rows = []
    for n, cid in enumerate(couple_ids):
        if n % 7 == 1:
            continue  # a couple who does nothing at all
        one, two = partners[cid]
        for w in range(weeks):
            monday = starts_on + timedelta(weeks=w)
            plan = [
                (step_ids[(cid, Assignee.EACH)], one, (n + w) % 4),
                (step_ids[(cid, Assignee.EACH)], two, (3 * n + w) % 4),
            ]
            if (cid, Assignee.TOGETHER) in step_ids:
                together = step_ids[(cid, Assignee.TOGETHER)]
                plan += [(together, one, 2 if n % 3 == 0 else (n + w) % 3), (together, two, n % 2)]
            for aid, pid, days in plan:
                for day in range(days):
                    occurred_on = monday + timedelta(days=day)
                    if occurred_on > today:
                        continue
                    reflection = REFLECTION if reflections and day == 0 else None
                    rows.append(
                        {
                            "practice_id": owner.practice_id,
                            "assignment_id": aid,
                            "partner_id": pid,
                            "occurred_on": occurred_on,
                            "comfort": (n + day) % 5 + 1 if day % 2 else None,
                            "reflection": reflection,
                            "visibility": Visibility.SHARED if w % 2 else Visibility.COUNSELOR,
                            "source": CheckInSource.LINK,
                            "idempotency_key": f"bench-{aid}-{pid}-{occurred_on}",
                        }
                    )
    for start in range(0, len(rows), 20000):
        db.session.execute(sa.insert(CheckIn), rows[start : start + 20000])


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
