"""How big and how long: the full run (`make bench`, < 10 min on 2 cores) and the quick
one (`make bench-quick`, < 2 min, small sizes). Every figure is a median of ROUNDS runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    quick: bool
    rounds: int
    # check-off and dashboard: couples in the database; the targets are judged at main
    web_sizes: tuple[int, int, int]
    web_main: int  # check-off's targets
    web_list_sizes: tuple[int, ...]  # the couples page's target, against the bare list page
    web_seconds: int  # each interleaved load run at the main size
    web_size_seconds: int  # each run at the other sizes
    # reminder fan-out: due reminders. At the largest size, fanout_main_runs runs; with
    # one run (the full run: 10,000 reminders take minutes), the 5 samples are its five
    # consecutive fifths, timed for the floor and the project alike.
    fanout_sizes: tuple[int, int, int]
    fanout_main_runs: int
    # nightly progress compile: couples × 12 weeks; the target is judged at progress_main
    progress_sizes: tuple[int, int, int]
    progress_main: int
    # reports: batch sizes on 2 worker processes; single reports are timed in-process
    report_batches: tuple[int, int, int]
    report_single_batch: int  # reports a single worker makes to give the 1-process rate
    # API list: couples in the database (page_size=100)
    api_sizes: tuple[int, int, int]
    # where a user sees speed (`make run` on a fresh instance, a real browser)
    startup_runs: int  # start-ups, each on a fresh instance folder
    report_runs: int  # *Prepare report now* → *Download PDF*, on the last start-up's stack


FULL = Plan(
    quick=False,
    rounds=5,
    web_sizes=(200, 2000, 10000),
    web_main=2000,
    web_list_sizes=(2000, 10000),
    web_seconds=2,
    web_size_seconds=1,
    fanout_sizes=(100, 300, 10000),
    fanout_main_runs=1,
    progress_sizes=(100, 400, 2000),
    progress_main=2000,
    report_batches=(20, 50, 200),
    report_single_batch=20,
    api_sizes=(100, 1000, 10000),
    startup_runs=3,
    report_runs=5,
)

QUICK = Plan(
    quick=True,
    rounds=5,
    web_sizes=(20, 100, 400),
    web_main=100,
    web_list_sizes=(100, 400),
    web_seconds=1,
    web_size_seconds=1,
    fanout_sizes=(10, 30, 100),
    fanout_main_runs=5,
    progress_sizes=(20, 50, 100),
    progress_main=100,
    report_batches=(2, 4, 8),
    report_single_batch=4,
    api_sizes=(20, 100, 400),
    startup_runs=1,
    report_runs=3,
)
