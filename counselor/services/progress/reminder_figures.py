"""The figures of "do reminders help?" as every page, the API and the digest give them:
``effect`` turns ``ReminderEffect`` rows (the nightly job's, ``reminder_effect``, whose
docstring holds the rules) into the two follow rates, their counts and a verdict with a
plain caveat — for a partner, a couple's partners or a practice, from the same function.

- **Like with like**: the comparable days' rate is re-weighted to the reminders, stratum
  by stratum, a stratum being one partner's weekday: Σ over strata of (the stratum's
  reminders / all reminders compared) × (its followed comparable days / its comparable
  days). So a practice's figure never sets one partner's reminders beside another
  partner's quiet days, nor a Monday beside a Saturday. A stratum with reminders but no
  comparable day cannot be compared: it is left out, the other strata's weights are
  scaled up to make one, and the caveat says so (the weekdays, for one partner; how many
  reminders, for several). The reminders' own rate is over every reminder: it is the
  figure the question asks for.
- **Enough to judge**: ``MIN_REMINDERS`` reminders, and ``MIN_QUIET_DAYS`` comparable days
  in the strata compared (days on a weekday without reminders weigh nothing, so they do
  not count towards it); below either, "n = 14 reminders; too few to judge". Above, the
  two rates side by side, with no claim of cause; the comparable days' rate says it is
  weighted, beside its plain count ("11 of 27 unweighted"), as the two differ.
- **Not measured yet**: with no rows (before the nightly job first measured the partner or
  the practice) there are no figures, not zeros: ``measured`` is false and every page
  says only ``NOT_MEASURED``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Couple, ReminderEffect
from counselor.services.progress.reminder_effect import FOLLOW_HOURS, WINDOW_WEEKS

MIN_REMINDERS = 20
MIN_QUIET_DAYS = 20
NOT_MEASURED = "Not measured yet — figures appear after the nightly run"
WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


class EffectRow(Protocol):
    """What ``effect`` reads: a ``ReminderEffect`` row, or its figures selected alone."""

    partner_id: int
    weekday: int
    reminders: int
    reminders_followed: int
    quiet_days: int
    quiet_days_followed: int


@dataclass(frozen=True)
class ReminderEffectFigures:
    """Reminders and comparable days without one, with the two follow rates, for a partner,
    a couple's partner or a whole practice (``effect``)."""

    reminders: int
    reminders_followed: int
    quiet_days: int
    quiet_days_followed: int
    rate_with: float | None  # share of reminders followed by a check-in
    rate_without: float | None  # comparable days' rate, re-weighted to the reminders' strata
    compared_quiet_days: int  # comparable days in the strata compared: those with reminders
    left_out_reminders: int  # reminders in strata with no comparable day
    left_out_weekdays: tuple[int, ...]  # one partner's: weekdays with reminders, no quiet day
    measured: bool = True  # False: no rows yet (the nightly job has not measured them)
    one_partner: bool = True  # the rows are one partner's (the weighting's words say so)

    @property
    def difference(self) -> float | None:
        if self.rate_with is None or self.rate_without is None:
            return None
        return self.rate_with - self.rate_without

    @property
    def enough(self) -> bool:
        return (
            self.reminders >= MIN_REMINDERS
            and self.compared_quiet_days >= MIN_QUIET_DAYS
            and self.difference is not None
        )

    @property
    def verdict(self) -> str:
        """The one line every page, the API and the digest give: the two rates, or why not."""
        if not self.measured:
            return NOT_MEASURED
        if self.reminders < MIN_REMINDERS:
            return f"n = {self.reminders} reminder{_s(self.reminders)}; too few to judge"
        if self.compared_quiet_days < MIN_QUIET_DAYS:
            n = self.compared_quiet_days
            return f"n = {n} comparable day{_s(n)} without a reminder; too few to judge"
        if self.rate_with is None or self.rate_without is None:
            return "no comparable day falls on the reminders' weekdays; nothing to compare"
        return (
            f"followed by a check-in {_percent(self.rate_with)} of the time vs "
            f"{_percent(self.rate_without)} on comparable days ({self.weighting})"
        )

    @property
    def weighting(self) -> str:
        """Why the comparable days' rate is not their plain share, beside that share's
        count: "weighted to the reminders' weekdays; 11 of 27 unweighted"."""
        to = "the reminders' weekdays" if self.one_partner else "each partner's reminder weekdays"
        return f"weighted to {to}; {self.quiet_days_followed} of {self.quiet_days} unweighted"

    @property
    def caveat(self) -> str:
        """Plain words on what the figures are and are not ("" when not measured yet)."""
        if not self.measured:
            return ""
        words = (
            f"Over the last {WINDOW_WEEKS} weeks: {self.reminders} reminder"
            f"{_s(self.reminders)} ({self.reminders_followed} followed by a check-in within "
            f"{FOLLOW_HOURS} hours) and {self.quiet_days} comparable day"
            f"{_s(self.quiet_days)} without one ({self.quiet_days_followed} followed). "
        )
        if self.compared_quiet_days != self.quiet_days:
            words += (
                f"{self.compared_quiet_days} of those days fall on the weekdays the same "
                "partner had reminders, which the comparison uses. "
            )
        if not self.enough:
            words += (
                f"We judge from {MIN_REMINDERS} reminders and {MIN_QUIET_DAYS} comparable days. "
            )
        if self.left_out_weekdays:
            names = " and ".join(WEEKDAYS[d] for d in self.left_out_weekdays)
            words += f"{names} left out of the comparison: no comparable day without a reminder. "
        elif self.left_out_reminders:
            n = self.left_out_reminders
            words += (
                f"{n} reminder{_s(n)} left out of the comparison: on a partner's weekday with "
                "no comparable day without one. "
            )
        words += (
            "Snoozes are not recorded, so a day with reminders snoozed may count as comparable. "
        )
        return words + "A comparison, not proof that reminders cause check-ins."


def effect(rows: Iterable[EffectRow]) -> ReminderEffectFigures:
    """The figures of any set of rows: one partner's, a couple's, a practice's."""
    strata: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        sums = strata[(row.partner_id, row.weekday)]
        for index, value in enumerate(
            (row.reminders, row.reminders_followed, row.quiet_days, row.quiet_days_followed)
        ):
            sums[index] += int(value or 0)
    reminders, followed, quiet, quiet_followed = (
        sum(s[n] for s in strata.values()) for n in range(4)
    )
    compared = [s for s in strata.values() if s[0] and s[2]]
    left_out = {key: s for key, s in strata.items() if s[0] and not s[2]}
    weight = sum(s[0] for s in compared)
    if weight:
        rate_without: float | None = sum(s[0] / weight * s[3] / s[2] for s in compared)
    elif not reminders and quiet:
        rate_without = quiet_followed / quiet  # no reminders to weigh by: the plain rate
    else:
        rate_without = None
    one_partner = len({partner_id for partner_id, _ in strata}) == 1
    return ReminderEffectFigures(
        reminders,
        followed,
        quiet,
        quiet_followed,
        followed / reminders if reminders else None,
        rate_without,
        compared_quiet_days=sum(s[2] for s in compared),
        left_out_reminders=sum(s[0] for s in left_out.values()),
        left_out_weekdays=tuple(sorted(d for _, d in left_out)) if one_partner else (),
        measured=bool(strata),
        one_partner=one_partner or not strata,
    )


def practice_effect() -> ReminderEffectFigures:
    """The practice's figures (the acting scope's rows), partner by partner and weekday:
    a row per stratum, the few columns ``effect`` reads."""
    rows = db.session.execute(
        sa.select(
            ReminderEffect.partner_id,
            ReminderEffect.weekday,
            ReminderEffect.reminders,
            ReminderEffect.reminders_followed,
            ReminderEffect.quiet_days,
            ReminderEffect.quiet_days_followed,
        )
    ).all()
    return effect(rows)  # the rows carry the protocol's names


def couple_effects(couple: Couple) -> dict[int, ReminderEffectFigures]:
    """Each partner's figures, by partner id (every partner, with or without rows)."""
    rows = db.session.scalars(
        sa.select(ReminderEffect).where(ReminderEffect.couple_id == couple.id)
    ).all()
    return {p.id: effect(r for r in rows if r.partner_id == p.id) for p in couple.partners}


def last_computed() -> datetime | None:
    """When the nightly job last wrote the acting scope's rows."""
    return db.session.scalar(sa.select(sa.func.max(ReminderEffect.computed_at)))


def _s(number: int) -> str:
    return "" if number == 1 else "s"


def _percent(rate: float) -> str:
    return f"{round(rate * 100)}%"
