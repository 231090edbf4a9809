"""A quick smoke of the benchmark machinery (the suite itself runs with `make bench`):
the progress scenario at tiny sizes, forked runs, figures, checks and the table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from benchmarks import measure
from benchmarks.measure import Figure, paired_ratios, run_forked
from benchmarks.plan import QUICK
from benchmarks.results import table
from benchmarks.scenario_progress import run_progress


def test_figures_and_paired_ratios():
    project, floor = Figure("s", [2.0, 4.0, 3.0]), Figure("s", [1.0, 2.0, 1.0])
    ratios = paired_ratios(project, floor)
    assert ratios.samples == [2.0, 2.0, 3.0]
    assert (ratios.median, ratios.low, ratios.high) == (2.0, 2.0, 3.0)
    assert project.text() == "3.00 s (2.00–4.00, n=3)"


def test_a_forked_run_reports_its_time_memory_and_result():
    run = run_forked(lambda: len(bytearray(8 * 1024 * 1024)))
    assert run.result == 8 * 1024 * 1024
    assert run.seconds > 0
    assert run.peak_growth_mib >= 0  # the magnitude depends on the allocator and machine load


# The scenario empties the tables and forks its runs, as `make bench` does. Before each fork
# it collects the garbage of the whole process, so the child's memory figure is its own: in
# a test process that has run a thousand tests that costs more than the scenario, and no
# memory figure is checked here.
@pytest.mark.committed_db
def test_progress_scenario_at_tiny_sizes(app, monkeypatch):
    monkeypatch.setattr(measure, "_give_back_free_memory", lambda: None)
    plan = replace(QUICK, progress_sizes=(2, 4), progress_main=4, rounds=2)
    result = run_progress(None, app, plan)
    if app.extensions["sqlalchemy"].engine.dialect.name != "postgresql":
        assert result.skipped  # the bare compile is PostgreSQL SQL
        return
    assert result.growth is not None and result.growth.sizes == [2, 4]
    assert all(len(f.samples) == plan.rounds for f in result.growth.times)
    compile_check, nightly_check, statements_check = result.checks
    assert compile_check.ratio is not None and len(compile_check.ratio.samples) == plan.rounds
    assert nightly_check.ratio is not None and len(nightly_check.ratio.samples) == plan.rounds
    assert statements_check.met, statements_check.project  # same statements for 2 or 4 couples
    rendered = table([result])
    assert "| progress | compile, 4 couples × 12 weeks, vs bare compile |" in rendered
