"""A couple the way a counselor finds one before a session, for the couple page's tests and
its screenshot: two partners, three active steps on two rungs and one cancelled, three weeks
of check-ins with comfort, reflections in each state, a past session with notes and the next
one with an agenda."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from counselor import timeutil
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    CheckIn,
    Counselor,
    Couple,
    CoupleSession,
    Visibility,
)
from tests.support import factories

ZONE = "America/Chicago"  # the factories' practice, counselor and partners
AGENDA = "Check in on the week\nThe chores list: who does what\nPlan one evening out"
NOTES = "Talked through the Sunday argument.\nBoth agreed to try the chores list."


@dataclass
class CouplePageData:
    couple: Couple
    steps: list[Assignment]  # the active ones, rung order
    cancelled: Assignment
    past_session: CoupleSession
    next_session: CoupleSession
    reflections: list[CheckIn]  # newest first


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(ZONE)).astimezone(UTC)


def couple_before_a_session(counselor: Counselor, now: datetime) -> CouplePageData:
    """The couple, with every date counted back from ``now`` (the clock's or the wall's)."""
    today = timeutil.local_today(ZONE, now)
    monday = timeutil.week_start(today)
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="Alex & Sam R.",
        partners=[{"first_name": "Alex"}, {"first_name": "Sam"}],
    )
    alex, sam = couple.partners
    start = monday - timedelta(weeks=3)
    worry = factories.AssignmentFactory(
        couple=couple, rung=factories.rung(1), title="Share a small worry", starts_on=start
    )
    lift = factories.AssignmentFactory(
        couple=couple,
        rung=factories.rung(2),
        title="Ask for a lift",
        times_per_week=2,
        starts_on=start,
    )
    meal = factories.AssignmentFactory(
        couple=couple,
        rung=factories.rung(2),
        title="Cook a meal together",
        assignee=Assignee.TOGETHER,
        times_per_week=1,
        starts_on=start,
    )
    cancelled = factories.AssignmentFactory(
        couple=couple,
        rung=factories.rung(1),
        title="Name one thing you liked",
        starts_on=start,
        status=AssignmentStatus.CANCELLED,
        ended_on=start + timedelta(days=6),
    )
    # Three finished weeks and this week so far: Alex keeps up, Sam slips.
    for week in range(4):
        first = start + timedelta(weeks=week)
        for offset in (0, 2, 4) if week < 3 else (0,):
            day = first + timedelta(days=offset)
            if day <= today:
                factories.CheckInFactory(
                    assignment=worry, partner=alex, occurred_on=day, comfort=3 + week % 2
                )
        if week < 2:
            factories.CheckInFactory(assignment=worry, partner=sam, occurred_on=first, comfort=2)
            factories.CheckInFactory(assignment=lift, partner=sam, occurred_on=first, comfort=3)
        factories.CheckInFactory(
            assignment=lift, partner=alex, occurred_on=first + timedelta(days=1), comfort=4
        )
        if week < 3:
            factories.CheckInFactory(
                assignment=meal, partner=alex, occurred_on=first + timedelta(days=5), comfort=4
            )
    shared, private = Visibility.SHARED, Visibility.COUNSELOR
    written = [  # newest first: shared, withdrawn, counselor only; one before the period
        (worry, alex, today, "Easier than I thought. We laughed about it.", shared, None),
        (meal, sam, today - timedelta(days=1), "We cooked, then argued.", shared, now),
        (lift, alex, today - timedelta(days=2), "I asked, and it felt fine.", private, None),
        (lift, sam, monday - timedelta(weeks=2), "Hard to ask. I felt in the way.", shared, None),
    ]
    reflections = [
        factories.CheckInFactory(
            assignment=step,
            partner=partner,
            occurred_on=day,
            comfort=2 if partner is sam else 4,
            reflection=words,
            visibility=visibility,
            reflection_withdrawn_at=withdrawn_at,
        )
        for step, partner, day, words, visibility, withdrawn_at in written
    ]
    past = factories.SessionFactory(
        couple=couple, starts_at=_at(today - timedelta(days=9), 16), notes=NOTES
    )
    upcoming = factories.SessionFactory(
        couple=couple, starts_at=_at(today + timedelta(days=2), 16), agenda=AGENDA
    )
    return CouplePageData(couple, [worry, lift, meal], cancelled, past, upcoming, reflections)
