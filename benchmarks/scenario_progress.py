"""Nightly progress compile (every couple × 12 weeks) against one hand-written GROUP BY
over the same check-ins. Each run is a forked child: its time and its own peak memory."""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from benchmarks import data
from benchmarks.env import BenchEnv, vacuum_analyze
from benchmarks.measure import Figure, paired_ratios, run_forked
from benchmarks.plan import Plan
from benchmarks.profiling import profile
from benchmarks.results import Check, Growth, ScenarioResult
from counselor import timeutil
from counselor.extensions import db
from counselor.services.progress.compile import compile_progress
from counselor.unit_of_work import unit_of_work
from tests.support.helpers import count_statements
from tests.support.processes import empty_tables

WEEKS = 12
LOOKBACK_WEEKS = 2  # what compile_progress reads before its window


def floor_group_by() -> int:
    """Done and comfort per couple, step, partner and week: one GROUP BY, rows fetched."""
    today = timeutil.local_today(data.TIMEZONE)
    read_from = timeutil.week_start(today) - timedelta(weeks=WEEKS - 1 + LOOKBACK_WEEKS)
    if db.engine.dialect.name == "postgresql":
        week = "date_trunc('week', c.occurred_on)"
    else:
        week = "date(c.occurred_on, '-' || ((strftime('%w', c.occurred_on) + 6) % 7) || ' days')"
    rows = db.session.execute(
        sa.text(
            f"SELECT a.couple_id, c.assignment_id, c.partner_id, {week} AS week, "  # noqa: S608
            "count(*), coalesce(sum(c.comfort), 0), count(c.comfort) "
            "FROM checkins c JOIN assignments a ON a.id = c.assignment_id "
            "WHERE c.occurred_on >= :first AND c.occurred_on <= :last "
            "GROUP BY a.couple_id, c.assignment_id, c.partner_id, week"
        ),
        {"first": read_from, "last": today + timedelta(days=7)},
    ).all()
    db.session.rollback()
    return len(rows)


def project_compile() -> dict:
    with count_statements() as counter, unit_of_work():  # as the nightly task runs it
        result = compile_progress(weeks=WEEKS)
    return {"couples": result.couples, "rows": result.partner_weeks, "sql": counter.count}


def run_progress(env: BenchEnv, app: Flask, plan: Plan) -> ScenarioResult:
    started = time.perf_counter()
    result = ScenarioResult("progress")
    result.growth = Growth(
        "progress", "couples", "seconds per compile", "peak RSS growth of the compiling process"
    )
    empty_tables()
    owner = data.counselor()
    created = 0
    statements = []
    summary = None
    for size in plan.progress_sizes:
        data.add_couples(owner, created, size - created, weeks=WEEKS + LOOKBACK_WEEKS)
        created = size
        vacuum_analyze()
        floor, project, memory = Figure("s"), Figure("s"), Figure("MiB")
        main = size == plan.progress_main
        for _ in range(plan.rounds):
            if main:
                floor.add(run_forked(floor_group_by).seconds)
            run = run_forked(project_compile)
            project.add(run.seconds)
            memory.add(run.peak_growth_mib)
            if run.result["couples"] != size:
                raise RuntimeError(f"compiled {run.result['couples']} couples, not {size}")
        statements.append(run.result["sql"])
        if size == plan.progress_sizes[1] and not plan.quick:  # a profile, while it is cheap
            summary = f"in-process, compile_progress() of {size:,} couples\n" + profile(
                lambda: compile_progress(weeks=WEEKS)
            )
        result.growth.add(size, project, memory)
        if main:
            result.checks.append(
                Check.ratio_at_most(
                    "progress", f"compile, {size:,} couples × {WEEKS} weeks", project, floor,
                    paired_ratios(project, floor), 2.0,
                )
            )  # fmt: skip
            result.facts.append(
                f"{size:,} couples: {run.result['rows']:,} partner-weeks written; "
                f"check-ins read: {_checkins():,}"
            )
    sizes = " / ".join(f"{s:,}" for s in plan.progress_sizes)
    result.checks.append(
        Check(
            "progress", f"SQL statements per compile at {sizes} couples",
            " / ".join(str(n) for n in statements), "1", None, "constant",
            len(set(statements)) == 1,
        )
    )  # fmt: skip
    if any(not c.met for c in result.checks):
        result.profile = summary
    result.seconds = time.perf_counter() - started
    return result


def _checkins() -> int:
    return data.checkin_count()
