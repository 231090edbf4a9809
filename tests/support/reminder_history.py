"""Generated reminder histories for the reminder-effect and adaptive-cadence tests: sent
reminders and check-ins over a couple's window, written with one bulk insert each, and an
oracle that judges the same events by the rules in plain Python (``expected``).

Patterns (each over the window's days, on the partner's clock, reminders at 18:00):

- ``HELPS``: reminders every day of alternate weeks, each followed by a check-in an hour
  later; in the weeks without reminders, a check-in on Wednesdays only.
- ``NO_DIFFERENCE``: reminders on alternate pairs of days (two on, two off), and a
  check-in at 20:00 every third day whatever was sent. A window is cut at the next
  reminder, so each side has as many one-day windows (the next day has a reminder) as
  two-day ones: the same rate with and without.
- ``UNHEEDED``: reminders on Mondays, Wednesdays and Fridays; a check-in on Sundays at
  20:00, out of every reminder's 48 hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    CheckIn,
    CheckInSource,
    Couple,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
    Partner,
)
from counselor.services.progress import week_rules
from counselor.services.progress.reminder_effect import FOLLOW_HOURS, Window
from tests.support import factories

REMINDER_HOUR = 18


@dataclass
class History:
    """One partner's generated events, as UTC instants, and the couple's step they are on."""

    partner: Partner
    step: Assignment
    reminders: dict[date, datetime] = field(default_factory=dict)  # local day -> sent_at
    checkins: list[datetime] = field(default_factory=list)  # when each was recorded
    occurred: list[date] = field(default_factory=list)  # the day each is for


# A pattern: (day index in the window, the day) -> (remind?, local check-in hours that day)
Pattern = Callable[[int, date], tuple[bool, list[int]]]


def helps(index: int, day: date) -> tuple[bool, list[int]]:
    if (index // 7) % 2 == 0:
        return True, [REMINDER_HOUR + 1]
    return False, [20] if day.weekday() == 2 else []


def no_difference(index: int, day: date) -> tuple[bool, list[int]]:
    return (index // 2) % 2 == 0, [20] if index % 3 == 0 else []


def unheeded(index: int, day: date) -> tuple[bool, list[int]]:
    return day.weekday() in (0, 2, 4), [20] if day.weekday() == 6 else []


HELPS, NO_DIFFERENCE, UNHEEDED = helps, no_difference, unheeded


def local_moment(partner: Partner, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(partner.timezone)).astimezone(UTC)


def couple_with_history(
    counselor,
    now: datetime,
    pattern: Pattern,
    *,
    both: bool = False,
    other: Pattern | None = None,
    step: dict | None = None,
    backdate_days: int = 7,
    **couple_fields,
) -> tuple[Couple, list[History]]:
    """A couple whose first partner (both, with ``both``) lived ``pattern`` over the
    window that ``now`` measures (the second lived ``other``, when given), on one step:
    by default running since before it, 14 times a week (a target no pattern meets, so
    every day without a reminder is comparable), and each check-in backdated
    ``backdate_days`` (0: for its own day)."""
    window = Window.at(now)
    before = datetime.combine(window.start - timedelta(days=30), time(), tzinfo=UTC)
    couple = factories.CoupleFactory(
        counselor=counselor,
        partners=[{"created_at": before, "reminder_hour": REMINDER_HOUR}] * 2,
        **couple_fields,
    )
    the_step = factories.AssignmentFactory(
        couple=couple,
        **{
            "starts_on": window.start - timedelta(days=30),
            "due_on": None,
            "times_per_week": 14,
            **(step or {}),
        },
    )
    histories = []
    lives = [pattern, other or pattern] if both or other else [pattern]
    for partner, lived in zip(couple.partners, lives, strict=False):
        history = History(partner, the_step)
        for index, day in enumerate(window.days()):
            remind, hours = lived(index, day)
            if remind:
                history.reminders[day] = local_moment(partner, day, REMINDER_HOUR)
            history.checkins += [local_moment(partner, day, hour) for hour in hours]
            history.occurred += [day - timedelta(days=backdate_days) for _ in hours]
        _write(couple, the_step.id, history)
        histories.append(history)
    return couple, histories


def _write(couple: Couple, step_id: int, history: History) -> None:
    pid = history.partner.id
    if history.reminders:
        db.session.execute(
            sa.insert(OutboxEmail),
            [
                {
                    "practice_id": couple.practice_id,
                    "partner_id": pid,
                    "kind": EmailKind.REMINDER,
                    "status": OutboxStatus.SENT,
                    "dedupe_key": f"reminder:{pid}:{day.isoformat()}",
                    "created_at": sent,
                    "sent_at": sent,
                }
                for day, sent in history.reminders.items()
            ],
        )
    if history.checkins:
        db.session.execute(
            sa.insert(CheckIn),
            [
                {
                    "practice_id": couple.practice_id,
                    "assignment_id": step_id,
                    "partner_id": pid,
                    # Backdated by default: whether a check-in follows a reminder
                    # goes by when it was recorded, never by the day it is for.
                    "occurred_on": occurred,
                    "source": CheckInSource.LINK,
                    "idempotency_key": f"gen-{pid}-{n}",
                    "created_at": moment,
                }
                for n, (moment, occurred) in enumerate(
                    zip(history.checkins, history.occurred, strict=True)
                )
            ],
        )
    db.session.commit()


@dataclass(frozen=True)
class Expected:
    reminders: int
    reminders_followed: int
    quiet_days: int
    quiet_days_followed: int


def expected(history: History, now: datetime, others: Iterable[History] = ()) -> Expected:
    """The rules of services/progress/reminder_effect.py, judged event by event, with the
    week rules' own functions; ``others``: the other partner's history, whose check-ins a
    together step counts."""
    window = Window.at(now)
    step = history.step

    def runs_on(day: date) -> bool:
        until = week_rules.active_until(step)
        return step.starts_on <= day and (until is None or day <= until)

    def open_step(day: date, moment: datetime) -> bool:
        """The step runs and its week's target was not met by check-ins recorded before."""
        counts: week_rules.DayCounts = defaultdict(dict)
        for each in (history, *others):
            for created, occurred in zip(each.checkins, each.occurred, strict=True):
                if created < moment:
                    per_day = counts[(step.id, each.partner.id)]
                    per_day[occurred] = per_day.get(occurred, 0) + 1
        monday = timeutil.week_start(day)
        return (
            runs_on(day)
            and week_rules.does_step(step, history.partner.id)
            and week_rules.done_in_week(step, history.partner.id, monday, counts)
            < week_rules.week_target(step, monday)
        )

    follow = timedelta(hours=FOLLOW_HOURS)

    sent_times = sorted(history.reminders.values())

    def followed(start: datetime) -> bool:
        """A check-in within FOLLOW_HOURS of ``start``, before the next reminder sent."""
        end = min([start + follow, *(s for s in sent_times if s > start)])
        return any(start <= c < end for c in history.checkins)

    changed = history.partner.cadence_changed_at  # measured only since, when set
    counts = [0, 0, 0, 0]
    for day in window.days():
        if day in history.reminders:
            sent = history.reminders[day]
            if changed is None or sent >= changed:
                counts[0] += 1
                counts[1] += followed(sent)
        else:
            moment = local_moment(history.partner, day, REMINDER_HOUR)
            if (changed is None or moment >= changed) and open_step(day, moment):
                counts[2] += 1
                counts[3] += followed(moment)
    return Expected(*counts)
