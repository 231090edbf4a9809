"""Runs the scenarios in the issue's order on one fresh database and broker, prints the
one table, and (full run) writes docs/benchmarks.md.

python -m benchmarks run [--quick] [--only check-off,report] [--no-docs]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable

from flask import Flask

from benchmarks import docs
from benchmarks.env import BenchEnv, machine_description
from benchmarks.plan import FULL, QUICK, Plan
from benchmarks.results import ScenarioResult, growth_tables, table, user_table
from benchmarks.scenario_api import run_api
from benchmarks.scenario_fanout import run_fanout
from benchmarks.scenario_first_use import run_first_use
from benchmarks.scenario_progress import run_progress
from benchmarks.scenario_report import run_report
from benchmarks.scenario_web import run_web
from tests.support.processes import empty_tables, migrate

Scenario = Callable[[BenchEnv, Flask, Plan], list[ScenarioResult] | ScenarioResult]

# Name (for --only) → the function; the web one yields check-off and dashboard. Progress
# runs first: its forked runs' memory growth is only visible while this process has no
# large free heap left over from building other scenarios' data for them to grow into.
SCENARIOS: list[tuple[str, Scenario]] = [
    ("progress", run_progress),
    ("report", run_report),
    ("api", run_api),
    ("web", run_web),
    ("fanout", run_fanout),
    ("first-use", run_first_use),  # `make run` and a report in a browser
]
ORDER = [
    "check-off",
    "dashboard",
    "API list",
    "reminder fan-out",
    "progress",
    "report",
    "make run",
]


def say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def run(plan: Plan, only: set[str] | None = None, write_docs: bool = True) -> list[ScenarioResult]:
    started = time.perf_counter()
    env = BenchEnv.create()
    say(f"database: {env.engine_name}; broker: {env.broker_name}; scratch: {env.workdir}")
    results: list[ScenarioResult] = []
    try:
        app = env.make_app()
        logging.disable(logging.WARNING)  # Alembic's INFO lines
        migrate(app)
        logging.disable(logging.NOTSET)
        machine = machine_description(env)
        load_at_start = os.getloadavg()[0]
        with app.app_context():
            for name, scenario in SCENARIOS:
                if only and name not in only:
                    continue
                say(f"{name} …")
                began = time.perf_counter()
                empty_tables()
                produced = scenario(env, app, plan)
                results += produced if isinstance(produced, list) else [produced]
                say(f"{name} done in {time.perf_counter() - began:.0f} s")
    finally:
        env.close()
    results.sort(key=lambda r: ORDER.index(r.name) if r.name in ORDER else len(ORDER))
    elapsed = time.perf_counter() - started
    machine["load average (1 min)"] = (
        f"{load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
        f"on {os.cpu_count()} cores (other work on the machine shows here)"
    )
    print(table(results))
    users = user_table(results)
    if users:
        print("\nWhere a user sees speed:\n")
        print(users)
    missed = [c for r in results for c in r.missed]
    kind = "quick" if plan.quick else "full"
    print(f"\n{len(missed)} target(s) missed; {elapsed:.0f} s in all ({kind} run)")
    growth = growth_tables(results)
    if plan.quick and growth:
        print("\nHow time and memory grow:\n")
        print(growth)
    if plan.quick:
        facts = [f"- {r.name}: {fact}" for r in results for fact in r.facts]
        if facts:
            print("\nWhat else was checked:\n")
            print("\n".join(facts))
    if write_docs and not plan.quick:
        path = docs.write(results, machine, elapsed)
        print(f"wrote {path}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("run", help="run the benchmark suite")
    command.add_argument("--quick", action="store_true", help="small sizes, < 2 minutes")
    command.add_argument("--only", help="comma-separated: " + ",".join(n for n, _ in SCENARIOS))
    command.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    run(QUICK if args.quick else FULL, only, write_docs=not args.no_docs and not only)
    return 0
