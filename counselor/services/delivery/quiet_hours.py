"""When a partner may hear from us: outside their quiet hours, and on a local day that has
not had its email yet. Every email to a partner asks here — the reminder planner, new-step
and link emails (which wait for the next allowed moment), the worker's check at send time —
and so does the reminder-hour check of every form and the API.

- **Quiet hours** run from ``quiet_start_hour`` to ``quiet_end_hour`` on the partner's own
  wall clock (21:00–08:00 unless changed; across midnight when the start is the later hour;
  equal hours mean none).
- **The daily cap**: at most ``DAILY_CAP`` email to a partner on one of their local days,
  whatever its kind (``PARTNER_KINDS``: new step, link, reminder, counselor replied). An
  email counts on the local day it was sent, or is due to be sent; failed and cancelled
  ones do not count.
- **The exceptions**, on purpose: the counselor's *send now*, and a link the partner asked
  for themselves (they are awake and waiting for it) go at once, quiet hours or not. They
  still count against the cap, so the day's reminder does not follow them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext

from counselor import tenancy
from counselor.extensions import db
from counselor.models import EmailKind, OutboxEmail, OutboxStatus, Partner
from counselor.models.types import UTCDateTime

DAILY_CAP = 1  # emails a partner gets on one local day, of every kind together
PARTNER_KINDS = (
    EmailKind.NEW_STEP,
    EmailKind.LINK,
    EmailKind.REMINDER,
    EmailKind.COUNSELOR_REPLIED,
)
LOOKAHEAD_DAYS = 8  # how far ahead a waiting email looks for a day under the cap
_COUNTED = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SENT)

BookedDays = Counter[date]  # emails per local day of one partner


@dataclass(frozen=True)
class QuietHours:
    """A partner's quiet hours, ``start`` (included) to ``end`` (excluded), local hours."""

    start: int
    end: int

    @classmethod
    def of(cls, partner: Partner) -> QuietHours:
        return cls(partner.quiet_start_hour, partner.quiet_end_hour)

    def contains(self, hour: int) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end

    def nearest_allowed(self, hour: int) -> int:
        """``hour`` itself when it is allowed; else the nearer of the last hour before quiet
        hours begin and the hour they end (on a tie the end: morning rather than late)."""
        if not self.contains(hour):
            return hour
        before, after = (self.start - 1) % 24, self.end
        return after if (after - hour) % 24 <= (hour - before) % 24 else before

    def allowed_hours(self) -> list[int]:
        """Every local hour outside quiet hours, from midnight: what a form may offer."""
        return [hour for hour in range(24) if not self.contains(hour)]

    def __str__(self) -> str:
        return f"{self.start:02d}:00–{self.end:02d}:00"


def reminder_hour(partner: Partner) -> int:
    """The local hour reminders go out at — the one every page shows. Forms refuse an hour
    inside quiet hours, so this is the partner's own choice; only a row written before
    that check can differ, and then this (the nearest allowed hour) is the truth."""
    return QuietHours.of(partner).nearest_allowed(partner.reminder_hour)


def reminder_hour_problem(
    reminder: int, quiet_start: int, quiet_end: int, whose: str = "your"
) -> str | None:
    """Why reminders cannot come at ``reminder`` o'clock, offering the nearest hour that
    works; ``None`` when they can. ``whose``: "your" on the partner's page, "Sam's" for
    the counselor and the API."""
    quiet = QuietHours(quiet_start, quiet_end)
    if not quiet.contains(reminder):
        return None
    if whose == "your":  # the partner's own page: in their language
        hour, nearest = (f"{h:02d}:00" for h in (reminder, quiet.nearest_allowed(reminder)))
        return gettext(
            "%(hour)s is in your quiet hours (%(quiet)s). The nearest hour we can use is "
            "%(nearest)s.",
            hour=hour,
            quiet=str(quiet),
            nearest=nearest,
        )
    return (
        f"{reminder:02d}:00 is in {whose} quiet hours ({quiet}). "
        f"The nearest hour we can use is {quiet.nearest_allowed(reminder):02d}:00."
    )


def in_quiet_hours(partner: Partner, moment: datetime) -> bool:
    return QuietHours.of(partner).contains(moment.astimezone(ZoneInfo(partner.timezone)).hour)


def local_day(partner: Partner, moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(partner.timezone)).date()


def next_allowed_moment(
    partner: Partner, now: datetime, booked: BookedDays | None = None
) -> datetime:
    """The first moment from ``now`` on that is outside the partner's quiet hours, on a
    local day with room under the cap (``booked``: the partner's emails per local day;
    ``None`` leaves the cap out). ``now`` itself when that is allowed."""
    booked = booked if booked is not None else Counter()
    zone, quiet = ZoneInfo(partner.timezone), QuietHours.of(partner)
    local = now.astimezone(zone)
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if booked[day] >= DAILY_CAP and offset < LOOKAHEAD_DAYS:
            continue  # past the look-ahead, the first allowed hour whatever the count
        for hour in range(local.hour if offset == 0 else 0, 24):
            if quiet.contains(hour):
                continue
            if offset == 0 and hour == local.hour:
                return now
            return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
    raise AssertionError("quiet hours always leave at least one hour a day")


def booked_days(
    partners: Iterable[Partner],
    around: datetime,
    *,
    across_practices: bool = False,
    kinds: Iterable[EmailKind] = PARTNER_KINDS,
) -> dict[int, BookedDays]:
    """Each partner's emails per local day near ``around`` (sent, or waiting for their
    moment), in one statement: what the cap counts. ``across_practices`` for the planner,
    which works for every practice at once; ``kinds`` leaves some out (the counselor-
    replied email is planned beside its own kind: one a day by its dedupe key)."""
    by_id = {partner.id: partner for partner in partners}
    booked: dict[int, BookedDays] = defaultdict(Counter)
    if not by_id:
        return booked
    moment = sa.func.coalesce(
        OutboxEmail.sent_at,
        OutboxEmail.next_attempt_at,
        OutboxEmail.created_at,
        type_=UTCDateTime(),
    )
    statement = sa.select(OutboxEmail.partner_id, moment).where(
        OutboxEmail.partner_id.in_(list(by_id)),
        OutboxEmail.kind.in_(list(kinds)),
        OutboxEmail.status.in_(_COUNTED),
        moment >= around - timedelta(days=2),
        moment < around + timedelta(days=LOOKAHEAD_DAYS + 2),
    )
    if across_practices:
        statement = tenancy.across_practices(statement)
    for partner_id, at in db.session.execute(statement):
        if partner_id is not None:  # always, by the WHERE; narrows the column's type
            booked[partner_id][local_day(by_id[partner_id], at)] += 1
    return booked


def has_room(partner: Partner, day: date, booked: dict[int, BookedDays]) -> bool:
    """Whether the partner's local ``day`` is still under the cap."""
    return booked.get(partner.id, Counter())[day] < DAILY_CAP
