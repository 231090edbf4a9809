"""The pure parts of `make bench-capacity`: what a simulated week holds for N couples, the
bisection over N, and the criteria. No database, no processes: tested on their own
(tests/test_bench_capacity.py).

A week, in simulated time from Monday 00:00 UTC (partners live in UTC):
- each partner checks in on 3–5 different days, at a time between 07:00 and 22:00;
- each partner's reminder hour: half keep the default 18:00, half spread over 08:00–20:00
  (quiet hours stay at the default 21:00–08:00); the planner decides who is reminded;
- each couple has one session, Tuesday to Friday, 09:00–17:30 on the hour or half hour
  (Monday's would need its report before the simulated week begins);
- each counselor opens their couples list every 20 minutes, 08:00–18:00 on weekdays, a
  random page of it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

HOUR = 3600.0
DAY = 24 * HOUR
WEEK = 7 * DAY
CHECKINS_PER_WEEK = (3, 4, 5)
CHECKIN_HOURS = (7.0, 22.0)
DEFAULT_REMINDER_HOUR = 18
SPREAD_REMINDER_HOURS = range(8, 21)
SESSION_DAYS = (1, 2, 3, 4)  # Tuesday to Friday
SESSION_HOURS = (9.0, 17.5)
DASHBOARD_EVERY = 20 * 60.0
DASHBOARD_HOURS = (8.0, 18.0)
PAGE_SIZE = 50
REMINDER_WINDOW = HOUR  # a reminder leaves within its hour
DASHBOARD_P99_MS = 200.0


@dataclass(frozen=True)
class Visit:
    """One request of the week: ``at`` seconds into the simulated week."""

    at: float
    kind: str  # "checkin" or "dashboard"
    who: int  # the partner's index (check-in), the counselor's (dashboard)
    page: int = 1


@dataclass
class Week:
    visits: list[Visit] = field(default_factory=list)
    reminder_hours: list[int] = field(default_factory=list)  # per partner
    sessions: list[float] = field(default_factory=list)  # per couple, seconds into the week


def reminder_hour(partner_index: int) -> int:
    if partner_index % 2 == 0:
        return DEFAULT_REMINDER_HOUR
    spread = SPREAD_REMINDER_HOURS
    return spread[(partner_index // 2) % len(spread)]


def couples_per_counselor(couples: int, counselors: int) -> list[int]:
    """Couples split as evenly as can be (the first counselors take one more)."""
    base, extra = divmod(couples, counselors)
    return [base + (1 if i < extra else 0) for i in range(counselors)]


def plan_week(couples: int, counselors: int, seed: int = 16) -> Week:
    """The week's visits in time order, reminder hours and session starts."""
    rng = random.Random(seed)
    week = Week()
    for partner in range(2 * couples):
        week.reminder_hours.append(reminder_hour(partner))
        days = rng.sample(range(7), rng.choice(CHECKINS_PER_WEEK))
        for day in days:
            at = day * DAY + rng.uniform(*CHECKIN_HOURS) * HOUR
            week.visits.append(Visit(at, "checkin", partner))
    for _ in range(couples):
        half_hours = rng.randrange(int(SESSION_HOURS[0] * 2), int(SESSION_HOURS[1] * 2) + 1)
        week.sessions.append(rng.choice(SESSION_DAYS) * DAY + half_hours * HOUR / 2)
    for counselor, own in enumerate(couples_per_counselor(couples, counselors)):
        pages = max(1, math.ceil(own / PAGE_SIZE))
        for day in range(5):
            at = day * DAY + DASHBOARD_HOURS[0] * HOUR + rng.uniform(0, DASHBOARD_EVERY)
            while at < day * DAY + DASHBOARD_HOURS[1] * HOUR:
                week.visits.append(Visit(at, "dashboard", counselor, rng.randint(1, pages)))
                at += DASHBOARD_EVERY
    week.visits.sort(key=lambda v: v.at)
    return week


def counselor_count(couples: int, per_counselor: int = 250, most: int = 16) -> int:
    """Counselors for N couples: one per ``per_counselor`` couples, 1 to ``most``."""
    return max(1, min(most, math.ceil(couples / per_counselor)))


# --- bisection over N -------------------------------------------------------------------


def nice(n: float) -> int:
    """Two significant figures: 1,414 → 1,400; 354 → 350."""
    if n < 10:
        return max(1, round(n))
    magnitude = 10 ** (int(math.log10(n)) - 1)
    return int(round(n / magnitude) * magnitude)


def next_size(
    tried: dict[int, bool], low: int, high: int, *, smallest: int = 25, ratio: float = 1.3
) -> int | None:
    """The next N to try, given which N passed (True) or failed (False); None when the
    answer is bracketed within ``ratio``, or the bracket's end is reached. Starts at
    ``low``; goes up ×4 while N passes (up to ``high``), down ÷4 while it fails (down to
    ``smallest``), then halves the bracket geometrically."""
    passed = [n for n, ok in tried.items() if ok]
    failed = [n for n, ok in tried.items() if not ok]
    good = max(passed, default=None)
    bad = min((n for n in failed if good is None or n > good), default=None)
    if good is None and bad is None:
        return low
    if good is None:
        assert bad is not None
        step = nice(bad / 4)
        return step if bad > smallest and step not in tried else None
    if bad is None:
        step = min(high, nice(good * 4))
        return step if good < high and step not in tried else None
    if bad / good <= ratio:
        return None
    step = nice(math.sqrt(good * bad))
    return step if step not in tried and good < step < bad else None


def largest_passing(tried: dict[int, bool]) -> int | None:
    """The answer: the largest N that passed below the smallest N that failed above it."""
    passed = [n for n, ok in tried.items() if ok]
    return max(passed, default=None)


# --- criteria ------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Criteria:
    """What one N did, in the figures the verdict is made of."""

    couples: int
    reminders: int = 0  # judged: due early enough that their hour ended within the run
    reminders_late: int = 0  # sent after their hour, or never sent
    reminders_unsent: int = 0  # never sent: cancelled (quiet hours came first) or stuck
    reminder_worst_min: float = float("nan")  # of those sent: simulated minutes after the hour
    # The longest time between two runs of the reminder planner (simulated minutes): over
    # an hour, a reminder due in between could not have left in its hour.
    planner_gap_min: float = float("nan")
    reports: int = 0  # sessions that began within the run
    reports_late: int = 0  # no ready report before the session began
    report_slack_min_h: float = float("nan")  # least time between ready and session, hours
    dashboard: int = 0
    dashboard_p50_ms: float = float("nan")
    dashboard_p99_ms: float = float("nan")
    dashboard_errors: int = 0
    checkins: int = 0
    checkin_p99_ms: float = float("nan")
    checkin_errors: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def reminders_ok(self) -> bool:
        return (
            self.reminders > 0
            and self.reminders_late == 0
            and not self.planner_gap_min > REMINDER_WINDOW / 60
        )

    @property
    def reports_ok(self) -> bool:
        return self.reports > 0 and self.reports_late == 0

    @property
    def dashboard_ok(self) -> bool:
        return (
            self.dashboard > 0
            and self.dashboard_errors == 0
            and self.dashboard_p99_ms < DASHBOARD_P99_MS
        )

    @property
    def checkins_ok(self) -> bool:
        return self.checkins > 0 and self.checkin_errors == 0

    @property
    def passed(self) -> bool:
        return self.reminders_ok and self.reports_ok and self.dashboard_ok and self.checkins_ok

    def failures(self) -> list[str]:
        names = []
        if not self.reminders_ok:
            names.append("reminders")
        if not self.reports_ok:
            names.append("reports")
        if not self.dashboard_ok:
            names.append("dashboard p99")
        if not self.checkins_ok:
            names.append("check-in errors")
        return names

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL (" + ", ".join(self.failures()) + ")"
        return (
            f"N={self.couples:,}: {verdict}; reminders {self.reminders - self.reminders_late:,}"
            f"/{self.reminders:,} within their hour ({self.reminders_unsent:,} never sent; "
            f"worst sent {self.reminder_worst_min:.0f} min after it began; planner's longest "
            f"gap {self.planner_gap_min:.0f} min); "
            f"reports {self.reports - self.reports_late:,}/{self.reports:,} "
            f"ready before the session (least slack {self.report_slack_min_h:.1f} h); "
            f"dashboard p99 {self.dashboard_p99_ms:.0f} ms (p50 {self.dashboard_p50_ms:.0f} ms, "
            f"n={self.dashboard:,}, errors {self.dashboard_errors}); check-ins {self.checkins:,} "
            f"(p99 {self.checkin_p99_ms:.0f} ms, errors {self.checkin_errors})"
        )
