"""The pure parts of `make bench-capacity` (benchmarks/capacity_plan.py, capacity_clock.py,
capacity_beat.py, capacity_report.py): the stretch chosen from the week, the compression
arithmetic, the bisection over N, the compressed clock, the beat and the verdict."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime

from benchmarks import capacity_clock, capacity_report
from benchmarks import capacity_plan as plan
from benchmarks.capacity_clock import Anchor, CompressedClock, write_anchor
from benchmarks.capacity_run import next_monday


def bisect_to(
    answer: int, low: int = 500, high: int = 64000, **options: float
) -> tuple[list[int], int | None]:
    """Run the bisection against a machine that serves exactly ``answer`` couples."""
    tried: dict[int, bool] = {}
    order = []
    while (n := plan.next_size(tried, low, high, **options)) is not None:
        assert n not in tried
        order.append(n)
        tried[n] = n <= answer
        assert len(order) < 20
    return order, plan.largest_passing(tried)


def test_bisection_brackets_upwards_then_halves() -> None:
    order, found = bisect_to(5000)
    assert order[:3] == [500, 2000, 8000]
    assert found is not None and 5000 / 1.3 <= found <= 5000


def test_bisection_goes_below_the_bracket_when_the_first_n_fails() -> None:
    order, found = bisect_to(60)
    assert order[:3] == [500, 120, 30]
    assert found is not None and 60 / 1.3 <= found <= 60


def test_the_capacity_runs_bisection_takes_a_handful_of_runs() -> None:
    # benchmarks/capacity.py: from N = 100 at C = 360, bracketed within 1.5, down to 2.
    from benchmarks.capacity import RATIO

    for answer in (3, 12, 45, 150, 250, 1000):
        order, found = bisect_to(answer, 100, 2000, smallest=2, ratio=RATIO)
        assert len(order) <= 6, order  # the budget stops it sooner when runs are slow
        assert found is not None and answer / RATIO <= found <= answer


def test_bisection_stops_at_the_ends() -> None:
    assert bisect_to(10**6)[1] == 64000
    order, found = bisect_to(0)
    assert found is None and order[-1] <= 25 * 4


def test_bisection_ignores_a_noisy_failure_below_a_pass() -> None:
    # 1,000 failed once, 2,000 passed: the bracket is above 2,000.
    assert plan.next_size({500: True, 1000: False, 2000: True}, 500, 64000) == 8000


def test_nice_keeps_two_significant_figures() -> None:
    assert [plan.nice(n) for n in (1414, 354, 7.4, 63999)] == [1400, 350, 7, 64000]


def test_the_week_holds_three_to_five_checkins_a_partner_and_one_session_a_couple() -> None:
    week = plan.plan_week(couples=30)
    per_partner = Counter(v.who for v in week.visits if v.kind == "checkin")
    assert set(per_partner) == set(range(60))
    assert set(per_partner.values()) <= {3, 4, 5}
    assert len(week.sessions) == 30
    for at in week.sessions:
        day, hour = divmod(at, plan.DAY)
        assert day in plan.SESSION_DAYS and 9 * plan.HOUR <= hour <= 17.5 * plan.HOUR
    assert [v.at for v in week.visits] == sorted(v.at for v in week.visits)
    assert all(0 <= v.at < plan.WEEK for v in week.visits)


STRETCH = plan.Compression(factor=360, start_hour=14, hours=6)


def test_the_busiest_stretch_holds_every_kind_of_work_at_its_peak() -> None:
    shares = plan.hourly_shares(lead_hours=18)
    # Reports are asked for as the next day's sessions (09:00–17:30) come within 18 h.
    assert [h for h, s in enumerate(shares["reports"]) if s] == list(range(15, 24))
    assert max(range(24), key=lambda h: shares["reminders"][h]) == 18
    assert plan.busiest_stretch(6, lead_hours=18) == 14  # 14:00–20:00
    start = plan.busiest_stretch(6, lead_hours=18)
    for kind, hourly in shares.items():
        assert max(hourly[start : start + 6]) == 1.0, kind  # each kind's peak hour inside
    # A shorter lead moves the reports' evening later; the stretch still holds the burst
    # with an hour after it.
    later = plan.busiest_stretch(6, lead_hours=12)
    assert later <= 18 < later + 5


def test_the_stretch_holds_the_weeks_checkins_in_it_and_the_lists_views() -> None:
    week = plan.plan_week(couples=200)
    visits = plan.stretch_visits(week, 200, STRETCH)
    checkins = [v for v in visits if v.kind == "checkin"]
    assert checkins == [
        v for v in week.visits if STRETCH.start <= v.at < STRETCH.end and v.kind == "checkin"
    ]
    assert checkins and all(STRETCH.start <= v.at < STRETCH.end for v in visits)
    assert [v.at for v in visits] == sorted(v.at for v in visits)
    pages = [v for v in visits if v.kind == "dashboard"]
    # Probes: 2 a second of the 60 real seconds; the counselors' own views: 200/250 of a
    # counselor every 20 minutes for 4 hours (≈ 10), at C·N couples' pace.
    probes = plan.PROBES_PER_SECOND * (STRETCH.end - STRETCH.start) / STRETCH.factor
    assert probes <= len(pages) <= probes + 25
    assert {v.who for v in pages} == {0} and {v.page for v in pages} <= {1, 2, 3, 4}


def test_compression_arithmetic() -> None:
    assert STRETCH.real_seconds == 70.0  # an hour in 10 s: 6 h, then 1 h with no visitor
    assert STRETCH.run_end - STRETCH.end == plan.HOUR
    assert STRETCH.start == plan.DAY + 14 * plan.HOUR  # Tuesday 14:00
    assert STRETCH.real_pace_couples(30) == 10_800  # C·N
    check = plan.Compression(factor=120, start_hour=17, hours=1.5)
    # The same C·N at the second compression: three times the simulated couples.
    assert check.simulated_for(STRETCH.real_pace_couples(30)) == 90
    assert check.real_seconds == 75.0
    # The nightly compile of C·N couples takes about C times N's: its limit in real
    # seconds is half the night's 5.75 h divided by C.
    assert STRETCH.compile_limit_seconds() == 5.75 * 3600 / 2 / 360
    assert "14:00–20:00" in STRETCH.describe() and "C = 360" in STRETCH.describe()


def test_reminder_hours_half_default_half_spread() -> None:
    hours = [plan.reminder_hour(i) for i in range(52)]
    assert hours[::2] == [18] * 26
    assert set(hours[1::2]) == set(range(8, 21))


def test_counselors_and_their_share() -> None:
    assert plan.counselor_count(5) == 1
    assert plan.counselor_count(1000) == 4
    assert plan.couples_per_counselor(10, 3) == [4, 3, 3]


def test_percentile_is_nearest_rank() -> None:
    assert plan.percentile(list(range(1, 101)), 99) == 99
    assert plan.percentile([5.0], 99) == 5.0
    assert math.isnan(plan.percentile([], 99))


def test_a_run_passes_only_when_every_criterion_does() -> None:
    week = plan.Criteria(100, factor=360, reminders=10, reports=5, dashboard=20, checkins=30)
    week.dashboard_p99_ms = 150.0
    week.compile_s, week.compile_limit_s = 2.0, 28.75
    assert week.passed and "PASS" in week.line() and "36,000 couples" in week.line()
    week.compile_s = 30.0
    assert week.failures() == ["nightly compile"]
    week.compile_s = float("nan")  # not run, or failed
    assert week.failures() == ["nightly compile"]
    week.compile_s = 2.0
    week.reminders_late = 1
    assert not week.passed and week.failures() == ["reminders"]
    week.reminders_late, week.planner_gap_min = 0, 61.0  # the planner stalled for an hour
    assert week.failures() == ["reminders"]
    week.planner_gap_min, week.dashboard_p99_ms = 5.0, 200.0
    assert week.failures() == ["dashboard p99"]
    assert not plan.Criteria(100).passed  # nothing judged is no pass


def test_the_compressed_clock_runs_factor_times_faster(tmp_path, monkeypatch) -> None:
    path = tmp_path / "clock"
    clock = CompressedClock(path)
    before = datetime.now(UTC)
    assert abs((clock() - before).total_seconds()) < 5  # no file: the real clock
    monkeypatch.setattr(capacity_clock, "REREAD_SECONDS", 0.0)
    write_anchor(path, Anchor(sim_start=1_000_000.0, real_start=2_000_000.0, factor=100.0))
    monkeypatch.setattr(capacity_clock.time, "time", lambda: 2_000_010.0)
    assert clock().timestamp() == 1_001_000.0
    monkeypatch.setattr(capacity_clock.time, "time", lambda: 1_999_000.0)
    assert clock().timestamp() == 1_000_000.0  # before the start it stands still
    anchor = Anchor.parse(path.read_text())
    assert anchor is not None and anchor.real_at(1_001_000.0) == 2_000_010.0


def test_the_simulated_week_starts_on_the_next_monday() -> None:
    friday = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)
    assert next_monday(friday) == datetime(2026, 12, 7, tzinfo=UTC)
    monday = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    assert next_monday(monday) == datetime(2026, 12, 14, tzinfo=UTC)


class FakeRun:
    def __init__(self) -> None:
        self.done = False

    def ready(self) -> bool:
        return self.done


class FakeCelery:
    def __init__(self) -> None:
        self.sent: list[tuple[str, FakeRun]] = []

    def send_task(self, name: str) -> FakeRun:
        run = FakeRun()
        self.sent.append((name, run))
        return run


def test_the_beat_plays_the_schedule_on_the_simulated_clock() -> None:
    from celery.schedules import crontab

    from benchmarks.capacity_beat import Beat
    from counselor import task_names

    celery = FakeCelery()
    schedule = {
        "plan": {"task": task_names.PLAN_REMINDERS, "schedule": 300.0},
        "nightly": {"task": task_names.COMPILE_PROGRESS, "schedule": crontab(hour=2, minute=15)},
        "sweep": {"task": task_names.DELIVER_DUE_EMAILS, "schedule": 60.0},
    }
    beat = Beat(celery, schedule, factor=100.0, sweep_seconds=5.0)
    beat.tick(0.0)
    assert [name for name, _ in celery.sent] == [
        task_names.PLAN_REMINDERS,
        task_names.DELIVER_DUE_EMAILS,
    ]
    beat.tick(400.0)  # the planner's first run has not ended: no second one
    assert len(celery.sent) == 2
    for _, run in celery.sent:
        run.done = True
    beat.tick(400.0)  # the sweep's next run is 5 real s = 500 simulated s after its first
    assert [name for name, _ in celery.sent[2:]] == [task_names.PLAN_REMINDERS]
    celery.sent[-1][1].done = True
    beat.tick(2 * plan.HOUR + 15 * 60)  # 02:15: the nightly compile
    names = [name for name, _ in celery.sent[3:]]
    assert task_names.COMPILE_PROGRESS in names
    summary = beat.summary()
    assert summary[task_names.PLAN_REMINDERS]["runs"] == 3
    assert summary[task_names.COMPILE_PROGRESS]["runs"] == 1


def test_the_beat_played_from_a_stretch_runs_no_nightly_job_before_its_hour() -> None:
    from celery.schedules import crontab

    from benchmarks.capacity_beat import Beat
    from counselor import task_names

    celery = FakeCelery()
    schedule = {
        "nightly": {"task": task_names.COMPILE_PROGRESS, "schedule": crontab(hour=2, minute=15)},
        "plan": {"task": task_names.PLAN_REMINDERS, "schedule": 300.0},
    }
    beat = Beat(celery, schedule, factor=360.0, start=STRETCH.start)
    beat.tick(STRETCH.start)
    assert [name for name, _ in celery.sent] == [task_names.PLAN_REMINDERS]
    celery.sent[0][1].done = True
    beat.tick(2 * plan.DAY + 2 * plan.HOUR + 15 * 60)  # Wednesday 02:15
    assert task_names.COMPILE_PROGRESS in [name for name, _ in celery.sent]


def test_the_statement_names_c_times_n_and_the_check_says_alike() -> None:
    assert "serves about 10,800 couples" in capacity_report.statement(STRETCH, 30)
    assert "fewer than 720 couples" in capacity_report.statement(STRETCH, None)
    unbracketed = capacity_report.statement(STRETCH, 30, bracketed=False)
    assert "serves at least 10,800 couples" in unbracketed
    assert "limit lies higher" in unbracketed
    passed = plan.Criteria(30, factor=360, reminders=1, reports=1, dashboard=1, checkins=1)
    passed.dashboard_p99_ms, passed.compile_s, passed.compile_limit_s = 100.0, 1.0, 28.0
    again = plan.Criteria(90, factor=120, reminders=1, reports=1, dashboard=1, checkins=1)
    again.dashboard_p99_ms, again.compile_s, again.compile_limit_s = 300.0, 1.0, 86.0
    [line] = capacity_report.check_lines([(passed, again)])
    assert "C·N ≈ 10,800" in line and "NOT alike" in line and "FAIL (dashboard p99)" in line
    again.dashboard_p99_ms = 100.0
    assert capacity_report.check_lines([(passed, again)])[0].endswith("— alike")
