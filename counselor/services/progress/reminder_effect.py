"""Do reminders help? For each partner, how often a reminder was followed by their check-in,
beside how often they checked in on comparable days when no reminder went — measured by
the nightly job into ``ReminderEffect`` rows (partner × local weekday), read back through
one function, ``reminder_figures.effect``, for the partner, the couple and the practice
alike.

The rules, each a named constant or a clause below:

- **The window**: the ``WINDOW_WEEKS`` × 7 local days ending ``SETTLE_DAYS`` before the
  job's UTC date — the last day whose ``FOLLOW_HOURS`` have run out in every time zone
  whatever hour the job runs (a reminder sent yesterday evening cannot be judged yet, and
  counting it as unheeded would bias every figure down). The same dates for everyone;
  each is a day on the partner's own clock.
- **A reminder**: an email of kind reminder to the partner that was sent (``sent_at``),
  filed on the local day it was planned for — the day in its dedupe key
  ``reminder:<partner>:<local date>``, which is the day it was sent (a reminder that could
  not go that day is dropped, never sent later). **Followed**: the partner recorded a
  check-in (``CheckIn.created_at``, not the day it is for: backdating exists) within
  ``FOLLOW_HOURS`` after ``sent_at`` and before the next reminder sent to them — a check-in
  after the next reminder is that one's (``_followed``).
- **A comparable day without a reminder**: a local day in the window with no reminder
  planned for the partner (sent or not) on which one could have gone — the couple active,
  the partner's emails not stopped (``unsubscribed_at`` empty or later), the partner
  already added, the effective cadence not off, at least one of their steps running that
  day (started on or before it, not due or ended before it) and still short of its week's
  target by the check-ins recorded before their reminder hour (``_open_step``, the week
  rules of ``week_rules``: the planner reminds of nothing once every step is met for the
  week, so such a day could have had no reminder), and no other email to them
  that day (a new step, a link: every kind the daily cap counts, ``CAPPING_KINDS``), which
  the one-email-a-day cap would have let no reminder follow. **Followed**: a check-in
  recorded within ``FOLLOW_HOURS`` after the partner's reminder hour that day, on their
  clock, and before the next reminder sent to them: a quiet day is not credited with the
  check-in the next day's reminder brought.
- **Same cadence state**: a partner whose cadence was changed — lowered by the adaptive
  cadence, or put back on the practice's by the counselor — is measured only from that
  moment (``Partner.cadence_changed_at``), reminders and days alike, so gentle is compared
  with gentle and the restored standard with standard.
- **Who**: partners of active couples; every other row is removed by the run (a paused
  couple's figures come back when it resumes).
- **Weekday mix** and **enough to judge**: ``reminder_figures``, where the rows become
  the two rates, their counts and the verdict ("n = 14 reminders; too few to judge").

Approximations, because the history is not kept: whether the couple was active, and the
practice's cadence, are today's (a couple paused for part of the window counts those days
as comparable); snoozes are not kept (only the current ``snoozed_until``), so a day the
partner had reminders snoozed can count as comparable — the caveat says so; a step's
status is today's; the reminder hour is the stored ``Partner.reminder_hour`` (forms
refuse one inside quiet hours, so it is the hour reminders came, except for rows older
than that check); the partner's UTC offset is the one at local noon, so on a
daylight-saving day the reminder moment may be an hour off.

Choices the issue leaves open, and what they cost:

- The planner's finer rule is not applied to comparable days: on the standard cadence it
  reminds only while a step is behind its pace (``reminders.behind_pace``), on gentle only
  on a step's first day and the day before it is due. Under that rule nearly every such
  day had its reminder, leaving nothing to compare; so a comparable day is one with
  something left to do that week on which no reminder came (on standard: mostly early in
  a week while still on pace) — a partner on pace may be likelier to check in anyway.
- A window cut at the next reminder is shorter than ``FOLLOW_HOURS``: where reminders come
  on consecutive days a reminder's window is about a day, while a quiet day's runs its
  full hours unless a reminder follows, which leans the comparison against reminders.

Everything is computed set-based in a fixed number of statements whatever the number of
couples, on SQLite and PostgreSQL: local days are joined from a small VALUES table of the
window's days and each time zone's UTC offsets, and instants are compared as epoch
seconds (``epoch``), which both databases compute — the window and those helpers are
``reminder_days``. Every statement spans all practices
(``tenancy.across_practices``); the task commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    CheckIn,
    Couple,
    CoupleStatus,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
    Partner,
    Practice,
    ReminderCadence,
    ReminderEffect,
)
from counselor.services.delivery.quiet_hours import PARTNER_KINDS
from counselor.services.progress.reminder_days import SETTLE_DAYS as SETTLE_DAYS
from counselor.services.progress.reminder_days import WINDOW_WEEKS as WINDOW_WEEKS
from counselor.services.progress.reminder_days import (
    Window,
    days_table,
    epoch,
    week_days_table,
    zones_table,
)
from counselor.tenancy import across_practices

FOLLOW_HOURS = 48
# Serialises two runs on PostgreSQL; SQLite serialises writers anyway.
ADVISORY_LOCK_KEY = 0x72656D66  # "remf"

FOLLOW_SECONDS = FOLLOW_HOURS * 3600
DAY_SECONDS = 24 * 3600
# Other emails after which the daily cap lets no reminder go the same day: every kind the
# cap counts (``quiet_hours.PARTNER_KINDS``) but the reminder itself.
CAPPING_KINDS = tuple(kind for kind in PARTNER_KINDS if kind != EmailKind.REMINDER)


@dataclass(frozen=True)
class ReminderWeeks:
    """A partner's sent reminders in one weekday and week of the window, and how many were
    followed by a check-in (the adaptive cadence reads them week by week)."""

    practice_id: int
    couple_id: int
    partner_id: int
    weekday: int
    weeks_back: int
    reminders: int
    followed: int


def compile_reminder_effects(now: datetime | None = None) -> int:
    """Replace every practice's ``ReminderEffect`` rows with the window's figures; returns
    how many rows were written."""
    now = now or timeutil.utcnow()
    window = Window.at(now)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
    days = days_table(window)
    zones = zones_table(window, _zones_in_scope())
    weeks = _reminder_weeks(window, days)
    quiet = _quiet_days(window, days, zones) if zones is not None else []

    counts: dict[tuple[int, int, int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for week in weeks:
        key = (week.practice_id, week.couple_id, week.partner_id, week.weekday)
        counts[key][0] += week.reminders
        counts[key][1] += week.followed
    for practice_id, couple_id, partner_id, weekday, number, followed in quiet:
        key = (practice_id, couple_id, partner_id, weekday)
        counts[key][2] += number
        counts[key][3] += int(followed or 0)
    rows = [
        {
            "practice_id": practice_id,
            "couple_id": couple_id,
            "partner_id": partner_id,
            "weekday": weekday,
            "window_start": window.start,
            "window_end": window.end,
            "reminders": figures[0],
            "reminders_followed": figures[1],
            "quiet_days": figures[2],
            "quiet_days_followed": figures[3],
            "computed_at": now,
        }
        for (practice_id, couple_id, partner_id, weekday), figures in sorted(counts.items())
    ]
    db.session.execute(
        across_practices(
            sa.delete(ReminderEffect).where(sa.true()).execution_options(synchronize_session=False)
        )
    )
    if rows:
        db.session.execute(sa.insert(ReminderEffect), rows)
    return len(rows)


def reminder_weeks(now: datetime) -> list[ReminderWeeks]:
    """The window's sent reminders by partner, weekday and week, counting only those sent
    since the partner's cadence last changed (the figures' own rule)."""
    window = Window.at(now)
    return _reminder_weeks(window, days_table(window))


def _zones_in_scope() -> list[str]:
    statement = (
        sa.select(Partner.timezone)
        .join(Couple, Couple.id == Partner.couple_id)
        .where(Couple.status == CoupleStatus.ACTIVE)
        .distinct()
    )
    return sorted(db.session.scalars(across_practices(statement)))


def _followed(start: sa.ColumnElement[int]) -> sa.Exists:
    """The enclosing statement's partner recorded a check-in within FOLLOW_HOURS of
    ``start`` (epoch seconds) and before the next reminder sent to them after ``start``:
    a check-in after it is in that reminder's own window."""
    later = aliased(OutboxEmail, name="later_reminder")
    next_reminder_first = (
        sa.exists()
        .where(
            later.partner_id == Partner.id,
            later.kind == EmailKind.REMINDER,
            later.status == OutboxStatus.SENT,
            epoch(later.sent_at) > start,
            epoch(later.sent_at) <= epoch(CheckIn.created_at),
        )
        .correlate_except(later)
    )
    return (
        sa.exists()
        .where(
            CheckIn.partner_id == Partner.id,
            epoch(CheckIn.created_at) >= start,
            epoch(CheckIn.created_at) < start + FOLLOW_SECONDS,
            ~next_reminder_first,
        )
        .correlate_except(CheckIn)
    )


def _runs_on(day: sa.ColumnElement[date]) -> sa.ColumnElement[bool]:
    """The step of the enclosing statement counts on ``day``: started, not past its due
    date, not ended before it (``week_rules.active_until``)."""
    return sa.and_(
        Assignment.starts_on <= day,
        sa.or_(Assignment.due_on.is_(None), Assignment.due_on >= day),
        sa.or_(
            Assignment.status == AssignmentStatus.ACTIVE,
            Assignment.ended_on.is_(None),
            Assignment.ended_on >= day,
        ),
    )


def _open_step(days: sa.CTE, week_days: sa.CTE, moment: sa.ColumnElement[int]) -> sa.Exists:
    """One of the partner's steps runs on the day and its week's target was not yet met at
    ``moment``: a day on which the planner had something to remind them of.

    The week rules of ``week_rules``, in SQL: the target is ``times_per_week`` pro rata to
    the days of the week the step runs, rounded up (``week_target``), compared as
    7 × done < times_per_week × days, which is done < ceil(times_per_week × days / 7)
    without a division; done is the partner's check-ins for the week, or for a together
    step the days either partner checked in (``done_in_week``), counting those recorded
    before ``moment`` (the planner saw no later one)."""
    step_days = (
        sa.select(sa.func.count())
        .select_from(week_days)
        .where(week_days.c.week_start == days.c.week_start, _runs_on(week_days.c.day))
        .correlate_except(week_days)
        .scalar_subquery()
    )
    in_week = sa.and_(
        CheckIn.assignment_id == Assignment.id,
        CheckIn.occurred_on >= days.c.week_start,
        CheckIn.occurred_on <= days.c.week_end,
        epoch(CheckIn.created_at) < moment,
    )
    own = (
        sa.select(sa.func.count())
        .where(in_week, CheckIn.partner_id == Partner.id)
        .correlate_except(CheckIn)
        .scalar_subquery()
    )
    together = (
        sa.select(sa.func.count(sa.distinct(CheckIn.occurred_on)))
        .where(in_week)
        .correlate_except(CheckIn)
        .scalar_subquery()
    )
    done = sa.case((Assignment.assignee == Assignee.TOGETHER, together), else_=own)
    return (
        sa.exists()
        .where(
            Assignment.couple_id == Partner.couple_id,
            sa.or_(
                Assignment.assignee != Assignee.PARTNER,
                Assignment.assignee_partner_id == Partner.id,
            ),
            _runs_on(days.c.day),
            7 * done < Assignment.times_per_week * step_days,
        )
        .correlate_except(Assignment)
    )


def _reminder_key(days: sa.CTE) -> sa.ColumnElement[str]:
    """A reminder's dedupe key for the partner and the day: how the outbox files it."""
    return sa.literal("reminder:") + sa.cast(Partner.id, sa.String) + ":" + days.c.day_key


def _reminder_weeks(window: Window, days: sa.CTE) -> list[ReminderWeeks]:
    """Sent reminders by partner, weekday and week of the window, with how many were
    followed, in one GROUP BY."""
    followed = _followed(epoch(OutboxEmail.sent_at))
    statement = (
        sa.select(
            Couple.practice_id,
            Partner.couple_id,
            Partner.id,
            days.c.weekday,
            days.c.weeks_back,
            sa.func.count(),
            sa.func.sum(sa.case((followed, 1), else_=0)),
        )
        .select_from(OutboxEmail)
        .join(Partner, Partner.id == OutboxEmail.partner_id)
        .join(Couple, Couple.id == Partner.couple_id)
        .join(days, OutboxEmail.dedupe_key == _reminder_key(days))
        .where(
            OutboxEmail.kind == EmailKind.REMINDER,
            OutboxEmail.status == OutboxStatus.SENT,
            OutboxEmail.sent_at
            >= datetime.combine(window.start, time(), tzinfo=UTC) - timedelta(days=1),
            OutboxEmail.sent_at
            < datetime.combine(window.end, time(), tzinfo=UTC) + timedelta(days=2),
            Couple.status == CoupleStatus.ACTIVE,
            sa.or_(
                Partner.cadence_changed_at.is_(None),
                OutboxEmail.sent_at >= Partner.cadence_changed_at,
            ),
        )
        .group_by(
            Couple.practice_id, Partner.couple_id, Partner.id, days.c.weekday, days.c.weeks_back
        )
    )
    return [ReminderWeeks(*row) for row in db.session.execute(across_practices(statement))]


def _quiet_days(
    window: Window, days: sa.CTE, zones: sa.CTE
) -> list[tuple[int, int, int, int, int, int]]:
    """Comparable days without a reminder by partner and weekday, with how many were
    followed by a check-in within FOLLOW_HOURS of the reminder hour, in one GROUP BY."""
    midnight = days.c.day_epoch - zones.c.utc_offset
    moment = midnight + 3600 * sa.cast(Partner.reminder_hour, sa.Integer)
    reminder_planned = (
        sa.select(OutboxEmail.id).where(OutboxEmail.dedupe_key == _reminder_key(days)).exists()
    )
    capped = sa.exists().where(
        OutboxEmail.partner_id == Partner.id,
        OutboxEmail.kind.in_(CAPPING_KINDS),
        OutboxEmail.status == OutboxStatus.SENT,
        epoch(OutboxEmail.sent_at) >= midnight,
        epoch(OutboxEmail.sent_at) < midnight + DAY_SECONDS,
    )
    followed = _followed(moment)
    statement = (
        sa.select(
            Couple.practice_id,
            Partner.couple_id,
            Partner.id,
            days.c.weekday,
            sa.func.count(),
            sa.func.sum(sa.case((followed, 1), else_=0)),
        )
        .select_from(Partner)
        .join(Couple, Couple.id == Partner.couple_id)
        .join(Practice, Practice.id == Couple.practice_id)
        .join(zones, zones.c.zone == Partner.timezone)
        .join(days, sa.and_(days.c.day >= zones.c.first_day, days.c.day <= zones.c.last_day))
        .where(
            Couple.status == CoupleStatus.ACTIVE,
            Practice.reminder_cadence != ReminderCadence.OFF,
            sa.or_(
                Partner.reminder_cadence.is_(None), Partner.reminder_cadence != ReminderCadence.OFF
            ),
            epoch(Partner.created_at) <= moment,
            sa.or_(Partner.unsubscribed_at.is_(None), epoch(Partner.unsubscribed_at) > moment),
            sa.or_(
                Partner.cadence_changed_at.is_(None), epoch(Partner.cadence_changed_at) <= moment
            ),
            _open_step(days, week_days_table(window), moment),
            ~reminder_planned,
            ~capped,
        )
        .group_by(Couple.practice_id, Partner.couple_id, Partner.id, days.c.weekday)
    )
    return [tuple(row) for row in db.session.execute(across_practices(statement))]
