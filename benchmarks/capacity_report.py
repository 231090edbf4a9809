"""What `make bench-capacity` prints and writes (benchmarks/output/capacity.json, .md)."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict
from pathlib import Path

from benchmarks import capacity_plan as plan
from benchmarks import docs
from tests.support.processes import ROOT

OUTPUT = ROOT / "benchmarks" / "output"
DATA_NOTE = (
    "The database holds the N simulated couples' rows, not C·N: a request's time grows "
    "with the rows behind it (the growth rows of docs/benchmarks.md, from 200 to 10,000 "
    "couples), so at C·N couples each request costs more than here; beyond the sizes "
    "those rows measured, the statement is an estimate."
)
COMPRESSION_NOTE = (
    "At C×, N simulated couples put the load of C·N couples at real pace on the machine: "
    "every rate is C times denser and every deadline C times shorter (stricter, not "
    "looser). The couples page is also sampled {probes:g} times a second of real time "
    "(more than C·N couples' counselors would view it), so its p99 has enough samples."
)


def statement(compression: plan.Compression, answer: int | None, bracketed: bool = True) -> str:
    """The headline. ``bracketed``: some larger N failed, so the answer is the largest N
    that passed below a failure; otherwise no N failed within the budget and the answer is
    a lower bound."""
    machine = f"one {os.cpu_count()}-core machine"
    if answer is None:
        return (
            f"{machine} serves fewer than {compression.real_pace_couples(2):,} couples "
            f"(no N passed at C = {compression.factor:g})"
        )
    couples = compression.real_pace_couples(answer)
    criteria = (
        f"N = {answer:,} simulated at C = {compression.factor:g}: every reminder within its "
        "hour, every report before its session, the couples page's p99 under 200 ms, the "
        "nightly compile within its night"
    )
    if not bracketed:
        return (
            f"{machine} serves at least {couples:,} couples ({criteria}; no larger N was "
            "tried within the run's budget, so the limit lies higher)"
        )
    return f"{machine} serves about {couples:,} couples ({criteria})"


def answer_bracketed(runs: list[plan.Criteria], answer: int | None) -> bool:
    """Whether a run of a larger N than ``answer`` failed."""
    return any(not r.passed and (answer is None or r.couples > answer) for r in runs)


def processes(runs: list[plan.Criteria]) -> str:
    """The web and Celery processes, as the Procfile has them (`make run`)."""
    workers = runs[0].extra.get("celery_workers", {}) if runs else {}
    celery = "; ".join(
        f"{name} ({queues}) ×{concurrency}" for name, (queues, concurrency) in workers.items()
    )
    return f"gunicorn ×2; Celery workers {celery or '?'} (the Procfile's); beat: the driver"


def verdict(run: plan.Criteria) -> str:
    return "PASS" if run.passed else "FAIL (" + ", ".join(run.failures()) + ")"


def check_lines(checks: list[tuple[plan.Criteria, plan.Criteria]]) -> list[str]:
    lines = []
    for first, second in checks:
        alike = "alike" if first.passed == second.passed else "NOT alike"
        lines.append(
            f"C·N ≈ {first.real_pace_couples:,}: N={first.couples:,} at C={first.factor:g} "
            f"{verdict(first)}; N={second.couples:,} at C={second.factor:g} "
            f"{verdict(second)} — {alike}"
        )
    return lines


def _figures(run: plan.Criteria) -> dict[str, object]:
    out = asdict(run)
    out["passed"] = run.passed
    out["failed"] = run.failures()
    out["real_pace_couples"] = run.real_pace_couples
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in out.items()}


def write_results(machine, compression, check, runs, checks, answer, elapsed) -> Path:
    OUTPUT.mkdir(exist_ok=True)
    ignore = OUTPUT / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Written by benchmarks (make bench-capacity); not kept in git.\n*\n")
    load = round(os.getloadavg()[0], 2)
    result = {
        "couples": compression.real_pace_couples(answer) if answer else None,
        "simulated_couples": answer,
        "compression": compression.factor,
        "statement": statement(compression, answer, answer_bracketed(runs, answer)),
        "stretch": compression.describe(),
        "check_stretch": check.describe(),
        "machine": machine,
        "load_average_1min_at_end": load,
        "wall_seconds": round(elapsed, 1),
        "runs": [_figures(r) for r in runs],
        "checks": [
            {"first": _figures(a), "second": _figures(b), "alike": a.passed == b.passed}
            for a, b in checks
        ],
        "notes": [COMPRESSION_NOTE.format(probes=plan.PROBES_PER_SECOND), DATA_NOTE],
    }
    (OUTPUT / "capacity.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    lines = [
        "# Capacity (make bench-capacity)",
        "",
        f"**{result['statement']}**",
        "",
        *(f"- **{k}**: {v}" for k, v in machine.items()),
        f"- **stretch**: {compression.describe()}",
        f"- **processes**: {processes(runs)}",
        f"- **run**: {elapsed:.0f} s; load average {load:.1f} at the end",
        "",
        COMPRESSION_NOTE.format(probes=plan.PROBES_PER_SECOND),
        "",
        DATA_NOTE,
        "",
        "## Runs (criteria at each N)",
        "",
        *(f"- {r.line()}; CPU % of a core {r.extra.get('cpu_percent_of_a_core')}" for r in runs),
        "",
        f"## The same C·N at a second compression ({check.describe()})",
        "",
        *(f"- {line}" for line in check_lines(checks) or ["not run"]),
    ]
    (OUTPUT / "capacity.md").write_text("\n".join(lines) + "\n")
    docs.refresh_capacity()  # docs/benchmarks.md's Capacity section, the rest kept
    return OUTPUT


def print_summary(compression, runs, checks, answer, elapsed) -> None:
    print(f"\nStretch: {compression.describe()}")
    print(f"Processes: {processes(runs)}")
    print(COMPRESSION_NOTE.format(probes=plan.PROBES_PER_SECOND))
    print(DATA_NOTE)
    print("\nRuns (criteria at each N):")
    for run in sorted(runs, key=lambda r: (r.factor, r.couples)):
        print(f"  {run.line()}")
        print(f"    CPU, % of one core: {run.extra.get('cpu_percent_of_a_core')}")
    print("\nThe same C·N at a second compression:")
    for _, second in checks:
        print(f"  {second.line()}")
        print(f"    CPU, % of one core: {second.extra.get('cpu_percent_of_a_core')}")
    for line in check_lines(checks) or ["not run (no time left, or no N ran)"]:
        print(f"  {line}")
    print(f"\n{elapsed:.0f} s in all; written to {OUTPUT / 'capacity.json'} and capacity.md")
    print(f"\n{statement(compression, answer, answer_bracketed(runs, answer))}")
