"""The pure parts of `make bench-capacity`: the week's work for N couples, the stretch of
it that is simulated, the compression arithmetic, the bisection over N and the criteria.
No database, no processes: tested on their own (tests/test_bench_capacity.py).

The week, in simulated time from Monday 00:00 UTC (partners live in UTC):
- each partner checks in on 3–5 different days, at a time between 07:00 and 22:00;
- each partner's reminder hour: half keep the default 18:00, half spread over 08:00–20:00
  (quiet hours stay at the default 21:00–08:00); the planner decides who is reminded;
- each couple has one session, Tuesday to Friday, 09:00–17:30 on the hour or half hour,
  its report prepared by the beat once the session is within the practice's lead time
  (Practice.report_lead_hours, 18 h unless a practice changes it): from 15:00 to 23:30
  the day before;
- counselors open their couples list every 20 minutes, 08:00–18:00 on weekdays, one
  counselor per 250 couples.

Only the week's busiest stretch is simulated (``busiest_stretch``): the hours of a weekday
in which every kind of work is at its peak at once. With an 18 h lead that is 14:00–20:00:
check-ins run at their (flat) daytime rate, counselors view their lists until 18:00, the
18:00 reminder burst (half of all partners) and the spread reminders leave, and the next
morning's reports are prepared from 15:00 on (with today's sessions that began in the
afternoon). It is Tuesday: Monday's sessions would need reports from the week before.

Compression (``Compression``): the stretch runs C times faster than real time (C = 360:
an hour in 10 s). Every rate is C times denser and every deadline C times shorter, so N
simulated couples put on the machine the load of C·N couples at real pace, and meet each
deadline C times more strictly. What the database holds is N couples' rows, not C·N.
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
COUPLES_PER_COUNSELOR = 250
PAGE_SIZE = 50
REMINDER_WINDOW = HOUR  # a reminder leaves within its hour
DASHBOARD_P99_MS = 200.0
STRETCH_DAY = 1  # Tuesday
# The nightly compile starts at 02:15 (the beat's crontab) and must be done before the
# first reminders at 08:00, which read the cadence it lowers: 5.75 h at real pace. It
# passes when it takes at most half of that (room for growth and the 03:30 purge).
NIGHT_ROOM_HOURS = 8.0 - (2 + 15 / 60)
NIGHT_SHARE = 0.5
# The couples page is sampled this often (real seconds) besides the counselors' own views:
# at C·N couples' pace the counselors alone give too few views for a p99 in a minute.
PROBES_PER_SECOND = 2.0


@dataclass(frozen=True)
class Visit:
    """One request: ``at`` seconds into the simulated week."""

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


def counselor_count(couples: int, per_counselor: int = COUPLES_PER_COUNSELOR) -> int:
    """Counselor accounts in the database for N couples: one per ``per_counselor``, at
    least one."""
    return max(1, math.ceil(couples / per_counselor))


def plan_week(couples: int, seed: int = 16) -> Week:
    """The week's check-ins in time order, reminder hours and session starts (the
    counselors' views are made per stretch: ``dashboard_views``)."""
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
    week.visits.sort(key=lambda v: v.at)
    return week


# --- the stretch ------------------------------------------------------------------------


def hourly_shares(lead_hours: float) -> dict[str, list[float]]:
    """Each kind of work per hour of a weekday, as a share of its own busiest hour."""
    counts = {kind: [0.0] * 24 for kind in ("checkins", "lists", "reminders", "reports")}
    for hour in range(24):
        if CHECKIN_HOURS[0] <= hour < CHECKIN_HOURS[1]:
            counts["checkins"][hour] = 1.0
        if DASHBOARD_HOURS[0] <= hour < DASHBOARD_HOURS[1]:
            counts["lists"][hour] = 1.0
    counts["reminders"][DEFAULT_REMINDER_HOUR] += 0.5
    for hour in SPREAD_REMINDER_HOURS:
        counts["reminders"][hour] += 0.5 / len(SPREAD_REMINDER_HOURS)
    half_hour = SESSION_HOURS[0]
    while half_hour <= SESSION_HOURS[1]:  # a report is asked for as its lead time opens
        counts["reports"][int((half_hour - lead_hours) % 24)] += 1.0
        half_hour += 0.5
    return {kind: [c / max(hours) for c in hours] for kind, hours in counts.items()}


def busiest_stretch(hours: int, lead_hours: float) -> int:
    """The first hour of the ``hours``-long stretch of a weekday that holds the busiest
    hour of every kind of work, with the reminder burst not in its last hour (so the
    burst leaves under the stretch's load, and is judged within it); among those, the
    one with the most work (each kind counted against its own peak), then the earliest.
    Without such a stretch: the one with the most work."""
    shares = hourly_shares(lead_hours)

    def score(start: int) -> float:
        return sum(sum(s[start : start + hours]) for s in shares.values())

    def holds_every_peak(start: int) -> bool:
        window = range(start, start + hours)
        burst = max(range(24), key=lambda h: shares["reminders"][h])
        return burst in window[:-1] and all(
            max(s[h] for h in window) == 1.0 for s in shares.values()
        )

    starts = range(0, 24 - hours + 1)
    fitting = [s for s in starts if holds_every_peak(s)] or list(starts)
    return max(fitting, key=lambda s: (round(score(s), 9), -s))


@dataclass(frozen=True)
class Compression:
    """A stretch of the week played ``factor`` times faster than real time."""

    factor: float
    start_hour: float  # of the stretch's day (STRETCH_DAY)
    hours: float  # the stretch: visits arrive in it
    # Then the beat runs on with no visitor: the last reminders' hour, and the reports
    # asked for in the stretch must be ready by its end (the queue keeps up).
    tail_hours: float = 1.0

    @property
    def start(self) -> float:
        """Seconds into the week."""
        return STRETCH_DAY * DAY + self.start_hour * HOUR

    @property
    def end(self) -> float:
        return self.start + self.hours * HOUR

    @property
    def run_end(self) -> float:
        return self.end + self.tail_hours * HOUR

    @property
    def real_seconds(self) -> float:
        return (self.run_end - self.start) / self.factor

    def real_pace_couples(self, simulated: int) -> int:
        """The load of N simulated couples at C× is that of C·N couples at real pace."""
        return round(self.factor * simulated)

    def simulated_for(self, real_pace: int) -> int:
        """The N that puts the load of ``real_pace`` couples on the machine at this C."""
        return max(1, round(real_pace / self.factor))

    def compile_limit_seconds(self) -> float:
        """Real seconds the nightly compile of N couples may take: C·N couples' compile
        (≈ C times as long: it is linear in couples) within its share of the night."""
        return NIGHT_ROOM_HOURS * HOUR * NIGHT_SHARE / self.factor

    def describe(self) -> str:
        def clock(hour: float) -> str:
            return f"{int(hour):02d}:{round(hour % 1 * 60):02d}"

        tail = f" (+{self.tail_hours:g} h with no visitor)" if self.tail_hours else ""
        return (
            f"Tuesday {clock(self.start_hour)}–{clock(self.start_hour + self.hours)}{tail} "
            f"at C = {self.factor:g} (an hour in {HOUR / self.factor:g} s; "
            f"{self.real_seconds:.0f} s real)"
        )


def stretch_visits(
    week: Week, couples: int, compression: Compression, seed: int = 16
) -> list[Visit]:
    """The stretch's requests in time order: the week's check-ins that fall in it, the
    counselors' views at the rate of C·N couples' counselors (one per 250 couples, every
    20 minutes in their hours), and the page probes (PROBES_PER_SECOND of real time)."""
    rng = random.Random(seed)
    start, end = compression.start, compression.end
    visits = [v for v in week.visits if start <= v.at < end]
    counselors = counselor_count(couples)
    pages = [max(1, math.ceil(own / PAGE_SIZE)) for own in
             couples_per_counselor(couples, counselors)]  # fmt: skip

    def view(at: float) -> Visit:
        who = rng.randrange(counselors)
        return Visit(at, "dashboard", who, rng.randint(1, pages[who]))

    # Counselors' own views: C·N/250 counselors at real pace, each every 20 minutes, i.e.
    # N/250 views per 20 simulated minutes.
    rate = couples / COUPLES_PER_COUNSELOR / DASHBOARD_EVERY
    day = STRETCH_DAY * DAY
    at = start + rng.expovariate(rate)
    while at < end:
        if DASHBOARD_HOURS[0] * HOUR <= at - day < DASHBOARD_HOURS[1] * HOUR:
            visits.append(view(at))
        at += rng.expovariate(rate)
    probe_every = compression.factor / PROBES_PER_SECOND
    at = start + rng.uniform(0, probe_every)
    while at < end:
        visits.append(view(at))
        at += probe_every
    visits.sort(key=lambda v: v.at)
    return visits


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
    factor: float = 1.0  # the compression C: the load is that of C·N couples at real pace
    reminders: int = 0  # judged: due early enough that their hour ended within the run
    reminders_late: int = 0  # sent after their hour, or never sent
    reminders_unsent: int = 0  # never sent: cancelled (quiet hours came first) or stuck
    reminder_worst_min: float = float("nan")  # of those sent: simulated minutes after the hour
    # The longest time between two runs of the reminder planner (simulated minutes): over
    # an hour, a reminder due in between could not have left in its hour.
    planner_gap_min: float = float("nan")
    # The run's sessions (a ready report before each begins) and the reports the beat
    # asked for in the stretch for later sessions (ready by the run's end: the queue keeps
    # up with the stretch). Fresh reports for the run's own sessions (a check-in changed
    # the data) are counted, not judged: the session has its report from before.
    reports: int = 0
    reports_late: int = 0
    refreshes: int = 0
    refreshes_after_session: int = 0
    report_slack_min_h: float = float("nan")  # least time between ready and session, hours
    report_wait_max_min: float = float("nan")  # longest asked-for → ready, simulated min
    # The nightly compile of every couple after the run (real seconds) and its limit.
    compile_s: float = float("nan")
    compile_limit_s: float = float("nan")
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
    def compile_ok(self) -> bool:
        return self.compile_s <= self.compile_limit_s  # NaN (not run) is no pass

    @property
    def real_pace_couples(self) -> int:
        return round(self.factor * self.couples)

    @property
    def passed(self) -> bool:
        return (
            self.reminders_ok
            and self.reports_ok
            and self.dashboard_ok
            and self.checkins_ok
            and self.compile_ok
        )

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
        if not self.compile_ok:
            names.append("nightly compile")
        return names

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL (" + ", ".join(self.failures()) + ")"
        return (
            f"N={self.couples:,} at C={self.factor:g} (≈ {self.real_pace_couples:,} couples "
            f"at real pace): {verdict}; reminders {self.reminders - self.reminders_late:,}"
            f"/{self.reminders:,} within their hour ({self.reminders_unsent:,} never sent; "
            f"worst sent {self.reminder_worst_min:.0f} min after it began; planner's longest "
            f"gap {self.planner_gap_min:.0f} min); "
            f"reports {self.reports - self.reports_late:,}/{self.reports:,} "
            f"ready in time (least slack {self.report_slack_min_h:.1f} h, longest wait "
            f"{self.report_wait_max_min:.0f} min; fresh ones for the run's sessions "
            f"{self.refreshes - self.refreshes_after_session}/{self.refreshes} before them); "
            f"dashboard p99 {self.dashboard_p99_ms:.0f} ms (p50 {self.dashboard_p50_ms:.0f} ms, "
            f"n={self.dashboard:,}, errors {self.dashboard_errors}); check-ins {self.checkins:,} "
            f"(p99 {self.checkin_p99_ms:.0f} ms, errors {self.checkin_errors}); nightly "
            f"compile {self.compile_s:.1f} s (limit {self.compile_limit_s:.1f} s)"
        )
