"""`make bench-capacity`: how many couples one machine serves, by simulating their week.

python -m benchmarks.capacity [--week-seconds 60] [--low 500] [--high 64000] [--budget 570]
                              [--only N,N…] [--no-compare]

The set-up is the project's own, as `make run` serves it on this machine: PostgreSQL and
Redis, gunicorn with 2 sync workers, one Celery worker with 2 pool processes taking every
queue, an SMTP sink (aiosmtpd). A simulated week (benchmarks/capacity_plan.py: check-ins,
reminders, sessions and their reports, counselors' lists) runs on a compressed clock
(benchmarks/capacity_clock.py) for N couples; N is bisected for the largest week in which

- every reminder leaves within its (simulated) hour,
- every session's report is ready before the session begins,
- the couples page's p99 stays under 200 ms (and no request fails).

Compression makes every rate of the week ``factor`` times denser (a week in 60 s: 10,080×),
and every deadline as much shorter: N is the largest host a week at that density leaves
on time. The output says so beside N. Then, with what time is left, the largest N that
passed runs again with 1 Celery process, to see which part binds first. The figures are
written to benchmarks/output/capacity.json and capacity.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

from aiosmtpd.controller import Controller

from benchmarks import capacity_plan as plan
from benchmarks.capacity_clock import CLOCK_FILE_ENV
from benchmarks.capacity_run import Stack, run_week
from benchmarks.env import BenchEnv, machine_description
from benchmarks.http_load import GunicornServer
from benchmarks.scenario_fanout import CountingHandler
from tests.support.processes import ROOT, free_port, migrate

OUTPUT = ROOT / "benchmarks" / "output"
SET_UP_GUESS = 20.0  # seconds a week's set-up takes (data, worker), before one is measured


def say(text: str) -> None:
    print(f"[capacity] {text}", file=sys.stderr, flush=True)


def _stop_on_sigterm() -> None:
    """SIGTERM ends the run as Ctrl-C does: through the finally blocks that stop
    everything this run started and drop its database."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.capacity")
    parser.add_argument("--week-seconds", type=float, default=60.0)
    parser.add_argument("--low", type=int, default=500, help="the first N tried")
    parser.add_argument("--high", type=int, default=64000, help="the largest N tried")
    parser.add_argument("--budget", type=float, default=570.0, help="seconds for the run")
    parser.add_argument("--no-compare", action="store_true", help="skip the 1-process week")
    parser.add_argument(
        "--only", help="comma-separated N to run instead of the bisection (e.g. a longer week)"
    )
    args = parser.parse_args(argv)
    _stop_on_sigterm()
    started = time.perf_counter()
    env = BenchEnv.create()
    if not env.server_url or not env.redis:
        env.close()
        say("needs PostgreSQL and redis-server (the capacity is stated for them)")
        return 2
    say(f"database: {env.engine_name}; broker: {env.broker_name}; scratch: {env.workdir}")
    handler = CountingHandler()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    server = None
    weeks: list[plan.Criteria] = []
    compared: plan.Criteria | None = None
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
            weeks, compared = bisect(stack, args, started)
    except KeyboardInterrupt:
        say("interrupted: stopping everything this run started, dropping its database")
        return 130
    finally:
        if server is not None:
            server.stop()
        controller.stop()
        env.close()
    answer = plan.largest_passing({w.couples: w.passed for w in weeks})
    elapsed = time.perf_counter() - started
    write_results(args, machine, weeks, compared, answer, elapsed)
    print_summary(args, weeks, compared, answer, elapsed)
    return 0


def bisect(
    stack: Stack, args: argparse.Namespace, started: float
) -> tuple[list[plan.Criteria], plan.Criteria | None]:
    tried: dict[int, bool] = {}
    weeks: list[plan.Criteria] = []
    per_couple = SET_UP_GUESS / 1000  # set-up seconds per couple, refined as weeks run
    compare_reserve = 0.0 if args.no_compare else args.week_seconds + SET_UP_GUESS
    fixed = [int(n) for n in args.only.split(",")] if args.only else None

    def next_n() -> int | None:
        if fixed is not None:
            return next((n for n in fixed if n not in tried), None)
        return plan.next_size(tried, args.low, args.high)

    while (n := next_n()) is not None:
        estimate = args.week_seconds + 15 + per_couple * n
        if time.perf_counter() - started + estimate > args.budget - compare_reserve:
            say(f"N={n:,} would not finish within the budget: stopping the bisection")
            break
        say(f"week of N={n:,} couples (a week in {args.week_seconds:g} s) …")
        began = time.perf_counter()
        week = run_week(stack, n, args.week_seconds, say=lambda t: say(t))
        took = time.perf_counter() - began
        per_couple = max(per_couple, (took - args.week_seconds) / n)
        week.extra["wall_seconds"] = round(took, 1)
        weeks.append(week)
        tried[n] = week.passed
        say(week.line())
        say(f"  CPU, % of one core: {week.extra['cpu_percent_of_a_core']}")
    answer = plan.largest_passing(tried)
    if args.no_compare or not tried:
        return weeks, None
    n = answer or min(tried, default=args.low)
    if time.perf_counter() - started + args.week_seconds + 15 + per_couple * n > args.budget:
        say("no time left for the 1-process week")
        return weeks, None
    say(f"the same week of N={n:,} with 1 Celery process …")
    compared = run_week(stack, n, args.week_seconds, concurrency=1, say=lambda t: say(t))
    say(compared.line())
    say(f"  CPU, % of one core: {compared.extra['cpu_percent_of_a_core']}")
    return weeks, compared


def _figures(week: plan.Criteria) -> dict[str, object]:
    out = asdict(week)
    out["passed"] = week.passed
    out["failed"] = week.failures()
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


def write_results(args, machine, weeks, compared, answer, elapsed) -> Path:
    OUTPUT.mkdir(exist_ok=True)
    ignore = OUTPUT / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Written by benchmarks (make bench-capacity); not kept in git.\n*\n")
    factor = plan.WEEK / args.week_seconds
    result = {
        "couples": answer,
        "statement": statement(answer, args.week_seconds),
        "week_seconds": args.week_seconds,
        "compression": round(factor),
        "machine": machine,
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "wall_seconds": round(elapsed, 1),
        "weeks": [_figures(w) for w in weeks],
        "one_celery_process": _figures(compared) if compared else None,
    }
    (OUTPUT / "capacity.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    lines = [
        "# Capacity (make bench-capacity)",
        "",
        f"**{result['statement']}**",
        "",
        *(f"- **{k}**: {v}" for k, v in machine.items()),
        f"- **week**: simulated in {args.week_seconds:g} s ({factor:,.0f}× a real week's "
        "rates; every deadline as much shorter)",
        f"- **run**: {elapsed:.0f} s; load average {os.getloadavg()[0]:.1f} at the end",
        "",
        "## Weeks tried",
        "",
        *(f"- {w.line()}; CPU % of a core {w.extra.get('cpu_percent_of_a_core')}" for w in weeks),
    ]
    if compared:
        lines += [
            "",
            "## The same week with 1 Celery process (2 above)",
            "",
            f"- {compared.line()}; CPU % of a core {compared.extra.get('cpu_percent_of_a_core')}",
        ]
    (OUTPUT / "capacity.md").write_text("\n".join(lines) + "\n")
    return OUTPUT


def statement(answer: int | None, week_seconds: float) -> str:
    factor = plan.WEEK / week_seconds
    machine = f"one {os.cpu_count()}-core machine"
    if answer is None:
        return (
            f"{machine} serves fewer couples than the smallest N tried "
            f"(a week compressed {factor:,.0f}×)"
        )
    return (
        f"{machine} serves about {answer:,} couples (a week compressed "
        f"{factor:,.0f}× into {week_seconds:g} s: every reminder within its hour, every "
        "report before its session, the couples page's p99 under 200 ms)"
    )


def print_summary(args, weeks, compared, answer, elapsed) -> None:
    print("\nWeeks tried (criteria at each N):")
    for week in sorted(weeks, key=lambda w: w.couples):
        print(f"  {week.line()}")
        print(f"    CPU, % of one core: {week.extra.get('cpu_percent_of_a_core')}")
    if compared:
        print("Same week with 1 Celery process instead of 2:")
        print(f"  {compared.line()}")
        print(f"    CPU, % of one core: {compared.extra.get('cpu_percent_of_a_core')}")
    print(f"\n{elapsed:.0f} s in all; written to {OUTPUT / 'capacity.json'} and capacity.md")
    print(f"\n{statement(answer, args.week_seconds)}")


if __name__ == "__main__":
    sys.exit(main())
