"""`make bench-capacity`: how many couples one machine serves, from the busiest stretch of
their week played on a compressed clock.

python -m benchmarks.capacity [--compression 360] [--hours 6] [--low 100] [--high 2000]
                              [--budget 580] [--only N,N…] [--no-check]

The set-up is the project's own, as `make run` serves it on this machine: PostgreSQL and
Redis, gunicorn with 2 sync workers, the Procfile's Celery workers (each kind of work on
workers of its own: default+mail, webhooks, reports; their pool sizes as written there;
the beat is played by this process), an SMTP sink (aiosmtpd).

What is played (benchmarks/capacity_plan.py): not the whole week but its busiest stretch,
chosen from the week's own distributions (``busiest_stretch``: every kind of work at its
peak at once) — Tuesday 14:00–20:00 with the 18 h report lead: check-ins, counselors'
lists until 18:00, the 18:00 reminder burst (half of all partners), the next morning's
reports prepared from 15:00 — then one more hour in which the beat runs on with no
visitor (the 20:00 reminders' hour; the reports asked for in the stretch must be ready by
its end). At C = 360 an hour takes 10 s of real time, long against a request's or a
task's fixed latency; the run takes 70 s, about 100 s with its set-up and compile.

N simulated couples at C× put the load of C·N couples at real pace on the machine: every
rate is C times denser, and every deadline C times shorter (stricter, not looser). N is
bisected for the largest stretch in which

- every reminder leaves within its hour,
- every report is ready before its session (and before the run ends),
- the couples page's p99 stays under 200 ms, no request fails,
- the nightly compile of every couple fits its night (C times its time ≤ half of the
  5.75 h between the 02:15 run and the first reminders at 08:00),

and stated as "one machine serves about C·N couples". That equivalence is checked: the
answer's C·N, and the first C·N that failed, run again at C = 120 over 17:00–18:30 (the
18:00 burst and its hour, then the hour with no visitor) with N scaled to the same C·N;
both verdicts are printed side by side.

The database holds N couples' rows, not C·N: the suite's growth rows (docs/benchmarks.md)
show a request's time grows as n^0.2 at most from 200 to 10,000 couples, so the smaller
tables flatter the per-request cost a little; the output says so.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time

from aiosmtpd.controller import Controller

from benchmarks import capacity_plan as plan
from benchmarks.capacity_clock import CLOCK_FILE_ENV
from benchmarks.capacity_report import print_summary, write_results
from benchmarks.capacity_run import Stack, run_stretch
from benchmarks.env import BenchEnv, machine_description
from benchmarks.http_load import GunicornServer
from benchmarks.scenario_fanout import CountingHandler
from counselor.models import Practice
from tests.support.processes import free_port, migrate

OVERHEAD = 20.0  # real seconds a run takes besides its stretch (workers, compile), at first
BUILD_PER_COUPLE = 0.1  # real seconds to build a simulated couple (about, on 2 busy cores)
CHECK_START_HOUR = plan.DEFAULT_REMINDER_HOUR - 1  # the check's stretch: around the burst
RATIO = 1.5  # the bisection stops when the answer is bracketed this closely


def say(text: str) -> None:
    print(f"[capacity] {text}", file=sys.stderr, flush=True)


def _stop_on_sigterm() -> None:
    """SIGTERM ends the run as Ctrl-C does: through the finally blocks that stop
    everything this run started and drop its database."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def report_lead_hours() -> float:
    """A practice's report lead time unless it changes it (the model's default)."""
    return float(Practice.__table__.c.report_lead_hours.default.arg)


def compressions(args: argparse.Namespace) -> tuple[plan.Compression, plan.Compression]:
    start = plan.busiest_stretch(args.hours, report_lead_hours())
    main = plan.Compression(args.compression, start, args.hours)
    check = plan.Compression(args.check_compression, CHECK_START_HOUR, args.check_hours)
    return main, check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.capacity")
    parser.add_argument("--compression", type=float, default=360.0, help="C (an hour: 3600/C s)")
    parser.add_argument("--hours", type=int, default=6, help="the stretch's length")
    parser.add_argument("--check-compression", type=float, default=120.0)
    parser.add_argument("--check-hours", type=float, default=1.5)
    parser.add_argument("--low", type=int, default=100, help="the first N tried")
    parser.add_argument("--high", type=int, default=2000, help="the largest N tried")
    parser.add_argument("--budget", type=float, default=580.0, help="seconds for the run")
    parser.add_argument("--no-check", action="store_true", help="skip the second C")
    parser.add_argument("--only", help="comma-separated N to run instead of the bisection")
    args = parser.parse_args(argv)
    _stop_on_sigterm()
    started = time.perf_counter()
    compression, check = compressions(args)
    env = BenchEnv.create()
    if not env.server_url or not env.redis:
        env.close()
        say("needs PostgreSQL and redis-server (the capacity is stated for them)")
        return 2
    say(f"database: {env.engine_name}; broker: {env.broker_name}; scratch: {env.workdir}")
    say(f"stretch: {compression.describe()}")
    handler = CountingHandler()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    server = None
    runs: list[plan.Criteria] = []
    checks: list[tuple[plan.Criteria, plan.Criteria]] = []
    try:
        app = env.make_app()
        logging.disable(logging.WARNING)  # Alembic's INFO lines
        migrate(app)
        logging.disable(logging.NOTSET)
        machine = machine_description(env)
        controller.start()
        clock_path = env.workdir / "clock"
        server = GunicornServer(
            "capacity",
            "benchmarks.capacity_clock:create_app()",
            env.process_env(**{CLOCK_FILE_ENV: str(clock_path)}),
            env.workdir / "capacity-web.log",
        )
        server.start()
        stack = Stack(env, app, server, handler, smtp_port, clock_path)
        with app.app_context():
            trial = Trials(stack, args, started)
            runs = trial.bisect(compression, None if args.no_check else check)
            if not args.no_check:
                checks = trial.check(compression, check, runs)
    except KeyboardInterrupt:
        say("interrupted: stopping everything this run started, dropping its database")
        return 130
    finally:
        if server is not None:
            server.stop()
        controller.stop()
        env.close()
    answer = plan.largest_passing({r.couples: r.passed for r in runs})
    elapsed = time.perf_counter() - started
    write_results(machine, compression, check, runs, checks, answer, elapsed)
    print_summary(compression, runs, checks, answer, elapsed)
    return 0


class Trials:
    """Runs of the stretch within the budget: the bisection, then the check."""

    def __init__(self, stack: Stack, args: argparse.Namespace, started: float) -> None:
        self.stack, self.args, self.started = stack, args, started
        self.overhead = OVERHEAD  # the longest a run took besides its stretch and data

    def estimate(self, compression: plan.Compression, n: int) -> float:
        return compression.real_seconds + self.overhead + BUILD_PER_COUPLE * n

    def left(self) -> float:
        return self.args.budget - (time.perf_counter() - self.started)

    def run(self, compression: plan.Compression, n: int) -> plan.Criteria:
        say(f"N={n:,} at C={compression.factor:g} "
            f"(≈ {compression.real_pace_couples(n):,} couples at real pace) …")  # fmt: skip
        began = time.perf_counter()
        result = run_stretch(self.stack, n, compression, say=say)
        took = time.perf_counter() - began
        extra = took - compression.real_seconds - BUILD_PER_COUPLE * n
        self.overhead = max(self.overhead, extra)
        result.extra["wall_seconds"] = round(took, 1)
        say(result.line())
        say(f"  CPU, % of one core: {result.extra['cpu_percent_of_a_core']}")
        return result

    def bisect(
        self, compression: plan.Compression, check: plan.Compression | None
    ) -> list[plan.Criteria]:
        """N bisected (within RATIO) while time is left for the check's two runs."""
        args = self.args
        tried: dict[int, bool] = {}
        runs: list[plan.Criteria] = []
        fixed = [int(n) for n in args.only.split(",")] if args.only else None

        def next_n() -> int | None:
            if fixed is not None:
                return next((n for n in fixed if n not in tried), None)
            return plan.next_size(tried, args.low, args.high, smallest=2, ratio=RATIO)

        while (n := next_n()) is not None:
            reserve = 0.0 if check is None else 2 * (check.real_seconds + self.overhead)
            if self.estimate(compression, n) > self.left() - reserve:
                say(f"N={n:,} would not finish within the budget: the bisection stops")
                break
            result = self.run(compression, n)
            runs.append(result)
            tried[n] = result.passed
        return runs

    def check(
        self, compression: plan.Compression, check: plan.Compression, runs: list[plan.Criteria]
    ) -> list[tuple[plan.Criteria, plan.Criteria]]:
        """The answer's C·N (and, time allowing, the first C·N that failed above it) again
        at the second compression, N scaled to the same C·N."""
        passed = [r for r in runs if r.passed]
        failed = [r for r in runs if not r.passed]
        best = max(passed, key=lambda r: r.couples, default=None)
        above = [r for r in failed if best is None or r.couples > best.couples]
        pairs = [r for r in (best, min(above, key=lambda r: r.couples, default=None)) if r]
        checked = []
        for original in pairs:
            n = check.simulated_for(compression.real_pace_couples(original.couples))
            if self.estimate(check, n) > self.left():
                say(f"no time left to check N={original.couples:,} at C={check.factor:g}")
                continue
            checked.append((original, self.run(check, n)))
        return checked


if __name__ == "__main__":
    sys.exit(main())
