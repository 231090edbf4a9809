"""Reminder planning: the right partner, on the right local day, at the right local hour.

Rules, each in one place below:
- A partner gets at most one reminder per local day (the outbox's dedupe key
  ``reminder:<partner>:<local date>`` makes a second planner, a second beat or a retry
  harmless).
- Only at or after the partner's reminder hour, never inside their quiet hours, and never
  on a day that already had its email (a new step, a link): ``quiet_hours.py`` keeps
  those rules for every email. The hour is the one the pages show
  (``quiet_hours.reminder_hour``); forms refuse an hour inside quiet hours. Times are
  compared as local wall-clock times, so a daylight-saving change neither skips nor
  doubles a day.
- Never while snoozed, after "stop emails", or for a paused or closed couple; never
  when the partner's effective cadence is off; never once every step is met for the week.
- The effective cadence (``effective_cadence``) is the practice's, unless the partner
  has one of their own (the adaptive cadence lowers a partner whose reminders go
  unheeded, ``progress.adaptive_cadence``) — and never more than the practice's: off
  stays off. The planner, the previews and the pages all ask it.
- Why a day qualifies (the effective cadence):
  gentle   — the first day of a new step, and the day before a step is due;
  standard — those, and any day a step is behind its weekly pace (fewer done than
             the week's target pro rata to the days gone, e.g. 0 of 3 by Thursday).
- One reminder lists no step text: the practice, the first name and how many steps
  are open (the same minimum-necessary rule as every email), with a fresh link.

The planner works across every practice, each of its statements marked with
``tenancy.across_practices``, in a fixed number of statements whatever their number.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AssignmentStatus,
    Couple,
    CoupleStatus,
    EmailKind,
    OutboxEmail,
    Partner,
    Practice,
    ReminderCadence,
)
from counselor.services.audit import Actor
from counselor.services.delivery import digest, quiet_hours
from counselor.services.delivery.mail import insert_planned_emails
from counselor.services.progress import week_rules

NEW_STEP, BEHIND_PACE, DUE_TOMORROW = "new step", "behind pace", "due tomorrow"


@dataclass(frozen=True)
class PlannedReminder:
    partner: Partner
    local_day: date
    local_time: time
    reasons: tuple[str, ...]

    @property
    def dedupe_key(self) -> str:
        return f"reminder:{self.partner.id}:{self.local_day.isoformat()}"


_CADENCE_RANK = {ReminderCadence.OFF: 0, ReminderCadence.GENTLE: 1, ReminderCadence.STANDARD: 2}


def effective_cadence(partner: Partner) -> ReminderCadence:
    """The cadence this partner's reminders follow: their own when they have one, else the
    practice's, and never more than the practice's."""
    practice = partner.couple.practice.reminder_cadence
    own = partner.reminder_cadence
    if own is None:
        return practice
    return min(practice, own, key=_CADENCE_RANK.__getitem__)


def reminder_time(partner: Partner) -> time:
    """The local time of day a reminder goes out: the hour the pages show."""
    return time(quiet_hours.reminder_hour(partner))


def behind_pace(
    assignment: Assignment, partner_id: int, today: date, day_counts: week_rules.DayCounts
) -> bool:
    """Fewer done this week than the target pro rata to the days of it gone by (today included)."""
    monday = timeutil.week_start(today)
    target = week_rules.week_target(assignment, monday)
    if target == 0:
        return False
    first = max(monday, assignment.starts_on)
    last = monday + timedelta(days=6)
    until = week_rules.active_until(assignment)
    if until is not None:
        last = min(last, until)
    days_total = (last - first).days + 1
    days_gone = min(days_total, (today - first).days + 1)
    expected = math.floor(target * days_gone / days_total)
    return week_rules.done_in_week(assignment, partner_id, monday, day_counts) < expected


def reminder_reasons(
    partner: Partner,
    assignments: list[Assignment],
    today: date,
    day_counts: week_rules.DayCounts,
    cadence: ReminderCadence,
) -> tuple[str, ...]:
    """Why this partner should hear from us today; empty when they should not."""
    if cadence == ReminderCadence.OFF:
        return ()
    monday = timeutil.week_start(today)
    open_steps = [
        a
        for a in assignments
        if week_rules.does_step(a, partner.id)
        and week_rules.done_in_week(a, partner.id, monday, day_counts)
        < week_rules.week_target(a, monday)
    ]
    reasons: list[str] = []
    for step in open_steps:
        if step.starts_on == today:
            reasons.append(NEW_STEP)
        if step.due_on == today + timedelta(days=1):
            reasons.append(DUE_TOMORROW)
        if cadence == ReminderCadence.STANDARD and behind_pace(step, partner.id, today, day_counts):
            reasons.append(BEHIND_PACE)
    return tuple(dict.fromkeys(reasons))


def _reachable_partners() -> sa.Select:
    """Partners who may get reminders at all: active couple, cadence on (the practice's and
    their own), emails not stopped."""
    return (
        sa.select(Partner)
        .join(Partner.couple)
        .join(Couple.practice)
        .where(
            Couple.status == CoupleStatus.ACTIVE,
            Practice.reminder_cadence != ReminderCadence.OFF,
            sa.or_(
                Partner.reminder_cadence.is_(None),
                Partner.reminder_cadence != ReminderCadence.OFF,
            ),
            Partner.unsubscribed_at.is_(None),
        )
        .options(contains_eager(Partner.couple).contains_eager(Couple.practice))
        .order_by(Partner.id)
    )


def _active_assignments(couple_ids: Iterable[int]) -> sa.Select:
    return sa.select(Assignment).where(
        Assignment.couple_id.in_(list(couple_ids)), Assignment.status == AssignmentStatus.ACTIVE
    )


def _by_couple(assignments: Iterable[Assignment]) -> dict[int, list[Assignment]]:
    by_couple: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_couple[assignment.couple_id].append(assignment)
    return by_couple


def due_reminders(now: datetime | None = None) -> list[PlannedReminder]:
    """Every reminder due at ``now`` in every practice, in four statements."""
    now = now or timeutil.utcnow()
    partners = [
        p
        for p in db.session.scalars(tenancy.across_practices(_reachable_partners())).unique()
        if p.snoozed_until is None or p.snoozed_until <= now
    ]
    if not partners:
        return []
    by_couple = _by_couple(
        db.session.scalars(
            tenancy.across_practices(_active_assignments({p.couple_id for p in partners}))
        )
    )
    first, last = week_rules.couple_weeks_window(partners, weeks=1)
    day_counts = week_rules.checkin_day_counts(
        (a.id for group in by_couple.values() for a in group), first, last, across_practices=True
    )
    booked = quiet_hours.booked_days(partners, now, across_practices=True)
    due = []
    for partner in partners:
        local = now.astimezone(ZoneInfo(partner.timezone))
        at = reminder_time(partner)
        if (
            local.time() < at
            or quiet_hours.in_quiet_hours(partner, now)
            or not quiet_hours.has_room(partner, local.date(), booked)
        ):
            continue
        reasons = reminder_reasons(
            partner,
            by_couple.get(partner.couple_id, []),
            local.date(),
            day_counts,
            effective_cadence(partner),
        )
        if reasons:
            due.append(PlannedReminder(partner, local.date(), at, reasons))
    return due


def plan_reminders(now: datetime | None = None) -> list[int]:
    """Write due reminders into the outbox (once per partner and local day); returns new ids,
    handed to workers when the caller commits."""
    now = now or timeutil.utcnow()
    rows = [
        {
            "practice_id": reminder.partner.couple.practice_id,
            "partner_id": reminder.partner.id,
            "kind": EmailKind.REMINDER,
            "dedupe_key": reminder.dedupe_key,
            "created_at": now,
        }
        for reminder in due_reminders(now)
    ]
    return insert_planned_emails(rows)


def preview_reminders(
    actor: Actor, couple_id: int, days: int = 7, now: datetime | None = None
) -> list[PlannedReminder]:
    """What would be sent to this couple over the next days if nothing else were done."""
    couple = tenancy.get_in_practice(Couple, couple_id)
    now = now or timeutil.utcnow()
    partners = list(
        db.session.scalars(_reachable_partners().where(Couple.id == couple.id)).unique()
    )
    assignments = list(db.session.scalars(_active_assignments([couple.id])))
    if not partners:
        return []
    first, _ = week_rules.couple_weeks_window(partners, weeks=1)
    day_counts = week_rules.checkin_day_counts(
        (a.id for a in assignments), first, first + timedelta(days=days + 14)
    )
    already_sent = set(
        db.session.scalars(
            sa.select(OutboxEmail.dedupe_key).where(
                OutboxEmail.partner_id.in_([p.id for p in partners]),
                OutboxEmail.kind == EmailKind.REMINDER,
            )
        )
    )
    booked = quiet_hours.booked_days(partners, now)
    planned = []
    for partner in partners:
        at = reminder_time(partner)
        zone = ZoneInfo(partner.timezone)
        local_now = now.astimezone(zone)
        for offset in range(days):
            day = local_now.date() + timedelta(days=offset)
            moment = datetime.combine(day, at, tzinfo=zone)
            if moment < local_now or (partner.snoozed_until and moment <= partner.snoozed_until):
                continue
            reasons = reminder_reasons(
                partner, assignments, day, day_counts, effective_cadence(partner)
            )
            reminder = PlannedReminder(partner, day, at, reasons)
            if (
                reasons
                and reminder.dedupe_key not in already_sent
                and quiet_hours.has_room(partner, day, booked)
            ):
                planned.append(reminder)
    return sorted(planned, key=lambda r: (r.local_day, r.partner.position))


def next_reminders(actor: Actor, couple_id: int) -> dict[int, PlannedReminder]:
    """Each partner's next planned reminder, for the couple's page."""
    upcoming: dict[int, PlannedReminder] = {}
    for reminder in preview_reminders(actor, couple_id):
        upcoming.setdefault(reminder.partner.id, reminder)
    return upcoming


def plan_counselor_digests(now: datetime | None = None) -> list[int]:
    """Monday-morning digests for counselors who want them (once per counselor and week);
    handed to workers when the caller commits."""
    return insert_planned_emails(digest.due_digest_rows(now or timeutil.utcnow()))
