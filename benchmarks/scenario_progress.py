"""Nightly progress compile (every couple × 12 weeks) against the bare compile
(benchmarks/compile_floor.py: the same rows written by one hand-written INSERT … SELECT …
GROUP BY), and the nightly run after a day's activity — check-ins touching 5% of the
couples — against a full compile. Each run is a forked child that commits, as the nightly
task does: its time and its own peak memory."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask

from benchmarks import compile_floor, data
from benchmarks.env import BenchEnv, vacuum_analyze
from benchmarks.measure import Figure, paired_ratios, run_forked
from benchmarks.plan import Plan
from benchmarks.profiling import profile
from benchmarks.results import Check, Growth, ScenarioResult
from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    CheckIn,
    CheckInSource,
    Couple,
    LadderRung,
    Partner,
)
from counselor.services.progress.compile import compile_progress
from counselor.tenancy import across_practices
from counselor.unit_of_work import unit_of_work
from tests.support.helpers import count_statements
from tests.support.processes import empty_tables

WEEKS = 12
LOOKBACK_WEEKS = 2  # what compile_progress reads before its window
DAY_SHARE = 20  # a day's activity: one couple in 20 (5%) checks in
INCREMENTAL_TARGET = 0.10  # of a full compile


def project_compile(only_changed: bool = False) -> dict:
    with count_statements() as counter, unit_of_work():  # as the nightly task runs it
        result = compile_progress(weeks=WEEKS, only_changed=only_changed)
    return {
        "couples": result.couples,
        "rows": result.partner_weeks,
        "step_rows": result.weekly_rows,
        "only_changed": result.only_changed,
        "sql": counter.count,
    }


def floor_compile() -> dict:
    return compile_floor.bare_compile(WEEKS, data.TIMEZONE)


def run_progress(env: BenchEnv, app: Flask, plan: Plan) -> ScenarioResult:
    started = time.perf_counter()
    result = ScenarioResult("progress")
    if db.engine.dialect.name != "postgresql":
        result.skipped = "the bare compile is PostgreSQL SQL (generate_series)"
        return result
    result.growth = Growth(
        "progress", "couples", "seconds per compile", "peak RSS growth of the compiling process"
    )
    empty_tables()
    compile_floor.create_tables()  # its foreign keys: dropped at the end, whatever happens
    try:
        _measure(result, plan)
    finally:
        db.session.rollback()
        compile_floor.drop_tables()
    result.seconds = time.perf_counter() - started
    return result


def _measure(result: ScenarioResult, plan: Plan) -> None:
    assert result.growth is not None
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
                floor.add(run_forked(floor_compile).seconds)
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
            db.session.rollback()
        result.growth.add(size, project, memory)
        if main:
            _check_full(result, size, project, floor, run.result)
            _check_nightly(result, plan, size)
    sizes = " / ".join(f"{s:,}" for s in plan.progress_sizes)
    result.checks.append(
        Check(
            "progress", f"SQL statements per full compile at {sizes} couples",
            " / ".join(str(n) for n in statements), "–", None, "constant",
            len(set(statements)) == 1,
        )
    )  # fmt: skip
    if any(not c.met for c in result.checks):
        result.profile = summary


def _check_full(
    result: ScenarioResult, size: int, project: Figure, floor: Figure, last_run: dict
) -> None:
    result.checks.append(
        Check.ratio_at_most(
            "progress", f"compile, {size:,} couples × {WEEKS} weeks, vs bare compile",
            project, floor, paired_ratios(project, floor), 2.0,
        )
    )  # fmt: skip
    floor_rows = run_forked(floor_compile).result
    same = compile_floor.same_rows(WEEKS, data.TIMEZONE)
    result.facts.append(
        f"{size:,} couples: {last_run['rows']:,} partner-weeks and {last_run['step_rows']:,} "
        f"step-weeks written (bare compile: {floor_rows['partner_weeks']:,} and "
        f"{floor_rows['weekly_rows']:,}, the same figures: {'yes' if same else 'NO'}); "
        f"check-ins read: {data.checkin_count():,}"
    )
    result.facts.append(
        "bare compile: DELETE + INSERT … SELECT … GROUP BY into scratch copies of the two "
        "snapshot tables (same indexes and foreign keys), committed; it computes target, "
        "done and comfort but writes streak 0 and no signal (history rules the project "
        "applies in Python)"
    )


def _check_nightly(result: ScenarioResult, plan: Plan, size: int) -> None:
    """Per round: a day passes, a full compile, then check-ins by one couple in twenty
    and the nightly (changed-only) compile."""
    full, nightly = Figure("s"), Figure("s")
    touched = statements = 0
    for round_number in range(plan.rounds):
        _a_day_passes()
        full.add(run_forked(project_compile).seconds)
        _checkins_by_some_couples(round_number)
        run = run_forked(lambda: project_compile(only_changed=True))
        if not run.result["only_changed"]:
            raise RuntimeError("the nightly compile after a day's check-ins was a full one")
        nightly.add(run.seconds)
        touched, statements = run.result["couples"], run.result["sql"]
    result.checks.append(
        Check.ratio_at_most(
            "progress",
            f"nightly compile after check-ins by 5% of {size:,} couples, vs a full compile",
            nightly, full, paired_ratios(nightly, full), INCREMENTAL_TARGET,
        )
    )  # fmt: skip
    result.facts.append(
        f"nightly compile: {touched:,} of {size:,} couples recompiled, {statements} SQL "
        "statements (changed couples found in one query from check-ins' created_at/"
        "edited_at, steps' and couples' updated_at, the audit trail)"
    )


def _a_day_passes() -> None:
    """Every stamp a day older, as if the data had been written yesterday."""
    day = sa.text("interval '1 day'")  # PostgreSQL, as the whole scenario
    stamps = (
        CheckIn.created_at,
        CheckIn.edited_at,
        Assignment.updated_at,
        Couple.updated_at,
        Partner.created_at,
        LadderRung.updated_at,  # synced when the database was made
    )
    for column in stamps:
        table = column.class_
        db.session.execute(
            across_practices(
                sa.update(table)
                .values({column.key: column - day})
                .execution_options(synchronize_session=False)
            )
        )
    db.session.commit()


def _checkins_by_some_couples(round_number: int) -> None:
    """Today's check-in by the first partner of one couple in twenty, on their own step."""
    today = timeutil.local_today(data.TIMEZONE)
    steps = db.session.execute(
        across_practices(
            sa.select(Assignment.practice_id, Assignment.id, Partner.id)
            .join(Partner, (Partner.couple_id == Assignment.couple_id) & (Partner.position == 1))
            .where(Assignment.assignee == Assignee.EACH, Assignment.couple_id % DAY_SHARE == 0)
        )
    ).all()
    if not steps:
        return
    db.session.execute(
        sa.insert(CheckIn),
        [
            {
                "practice_id": practice_id,
                "assignment_id": assignment_id,
                "partner_id": partner_id,
                "occurred_on": today,
                "source": CheckInSource.LINK,
                "idempotency_key": f"day-{round_number}-{assignment_id}-{partner_id}",
            }
            for practice_id, assignment_id, partner_id in steps
        ],
    )
    db.session.commit()
