"""Many couples at once, for what needs hundreds or thousands of them (the compile's cost
test, the benchmarks): a handful of Core bulk inserts however many couples, where the
factories would take one statement a row.

Each couple gets two partners, an each-partner step (and a joint one) and a varied,
repeatable pattern of check-ins: some partners on target, some not, one couple in seven
doing nothing at all, so that every readiness suggestion occurs. Run it in the owner's
practice scope; the caller commits.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    CheckIn,
    CheckInSource,
    Counselor,
    Couple,
    Partner,
    Visibility,
)
from tests.support import factories

TIMEZONE = "America/Chicago"
REFLECTION = (
    "We tried it on Tuesday evening. It felt awkward to ask at first, but my partner "
    "seemed glad to be asked and we ended up talking for a while about the week ahead."
)
COUPLES_PER_INSERT, CHECKINS_PER_INSERT = 5000, 20000

StepIds = dict[tuple[int, Assignee], int]  # (couple id, who does it) -> assignment id


def add_couples(
    owner: Counselor,
    labels: list[str],
    *,
    starts_on: date,
    until: date,
    timezone: str = TIMEZONE,
    together_step: bool = True,
    checkins: bool = True,
    reflections: bool = False,
    partner_fields: dict[str, Any] | None = None,
) -> list[int]:
    """A couple per label, steps from ``starts_on`` and check-ins on the days up to
    ``until``, written for the owner's practice. Returns the couples' ids in label order."""
    with tenancy.practice_scope(owner.practice_id):
        couple_ids = _insert_couples(owner, labels, timezone, partner_fields or {})
        steps = [(Assignee.EACH, 3, factories.rung(2).id)]
        if together_step:
            steps.append((Assignee.TOGETHER, 2, factories.rung(3).id))
        step_ids = _insert_steps(owner, couple_ids, steps, starts_on)
        if checkins:
            partners = _partner_ids(couple_ids)
            rows = _checkin_rows(
                owner, couple_ids, partners, step_ids, starts_on, until, reflections
            )
            for start in range(0, len(rows), CHECKINS_PER_INSERT):
                db.session.execute(sa.insert(CheckIn), rows[start : start + CHECKINS_PER_INSERT])
        return couple_ids


def _insert_couples(
    owner: Counselor, labels: list[str], timezone: str, fields: dict[str, Any]
) -> list[int]:
    for start in range(0, len(labels), COUPLES_PER_INSERT):
        db.session.execute(
            sa.insert(Couple),
            [
                {"practice_id": owner.practice_id, "counselor_id": owner.id, "label": label}
                for label in labels[start : start + COUPLES_PER_INSERT]
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


def _insert_steps(
    owner: Counselor,
    couple_ids: list[int],
    steps: list[tuple[Assignee, int, int]],
    starts_on: date,
) -> StepIds:
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


def _checkin_rows(
    owner: Counselor,
    couple_ids: list[int],
    partners: dict[int, list[int]],
    step_ids: StepIds,
    starts_on: date,
    until: date,
    reflections: bool,
) -> list[dict[str, Any]]:
    weeks = (until - starts_on).days // 7 + 1
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
                # Both partners often log a joint step on the same day.
                plan += [(together, one, 2 if n % 3 == 0 else (n + w) % 3), (together, two, n % 2)]
            for aid, pid, days in plan:
                for day in range(days):
                    occurred_on = monday + timedelta(days=day)
                    if occurred_on > until:
                        continue
                    rows.append(
                        {
                            "practice_id": owner.practice_id,
                            "assignment_id": aid,
                            "partner_id": pid,
                            "occurred_on": occurred_on,
                            "comfort": (n + day) % 5 + 1 if day % 2 else None,
                            "reflection": REFLECTION if reflections and day == 0 else None,
                            "visibility": Visibility.SHARED if w % 2 else Visibility.COUNSELOR,
                            "source": CheckInSource.LINK,
                            "idempotency_key": f"bulk-{aid}-{pid}-{occurred_on}",
                        }
                    )
    return rows
