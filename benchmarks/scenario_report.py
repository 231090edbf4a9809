"""Pre-session reports: one report (data building excluded and included) against a bare
Platypus document of the same pages, tables and charts; then batches prepared by Celery
workers, 2 processes against 1."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from io import BytesIO

import sqlalchemy as sa
from flask import Flask

from benchmarks import data
from benchmarks.env import BenchEnv, vacuum_analyze
from benchmarks.measure import Figure, ProcessSampler, paired_ratios, run_forked
from benchmarks.plan import Plan
from benchmarks.profiling import profile
from benchmarks.report_floor import (
    accelerated,
    bare_document,
    register_font,
    talking_point_count,
)
from benchmarks.results import Check, Growth, ScenarioResult
from benchmarks.workers import MeasuredWorker
from counselor import task_names, tenancy, timeutil
from counselor.extensions import db
from counselor.models import CoupleSession, OutboxEmail, Report, ReportStatus
from counselor.services.reports import pre_session as report_service
from counselor.services.reports.report_data import build_report_data
from counselor.unit_of_work import unit_of_work
from reports import render_pre_session_report
from reports.fonts import report_fonts
from tests.support.helpers import count_statements
from tests.support.processes import empty_tables, own_queues_env

WEEKS = 10
FLAT_MIB = 10.0
BATCH_TIMEOUT = 300


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(BytesIO(pdf)).pages)


class ReportBench:
    def __init__(self, env: BenchEnv, app: Flask, plan: Plan) -> None:
        self.env, self.app, self.plan = env, app, plan
        self.result = ScenarioResult("report")
        self.busy: dict[int, Figure] = {1: Figure("%"), 2: Figure("%")}
        self.result.growth = Growth(
            "report", "reports in a batch", "seconds per batch on 2 processes", "worker peak RSS"
        )

    def run(self) -> ScenarioResult:
        started = time.perf_counter()
        empty_tables()
        owner = data.counselor()
        self.couple_ids = data.add_couples(
            owner, 0, self.plan.report_batches[-1], weeks=WEEKS, reflections=True
        )
        vacuum_analyze()
        self._single()
        self._batches()
        self.result.seconds = time.perf_counter() - started
        return self.result

    # --- one report ----------------------------------------------------------------------

    def _session(self) -> CoupleSession:
        return db.session.scalar(
            sa.select(CoupleSession).where(CoupleSession.couple_id == self.couple_ids[0])
        )

    def _single(self) -> None:
        session = self._session()
        report_data = build_report_data(self.couple_ids[0], session)
        register_font(str(report_fonts().source))
        points = talking_point_count(report_data)
        project_pdf = render_pre_session_report(report_data)  # warm: fonts, imports
        floor_pdf = bare_document(report_data, points)
        floor, excluded, included = Figure("ms"), Figure("ms"), Figure("ms")
        memory = Figure("MiB")
        couple_id, session_id = self.couple_ids[0], session.id

        def whole() -> int:
            # Nothing of the couple loaded yet, as for a worker's next report.
            db.session.expunge_all()
            chosen = db.session.get(CoupleSession, session_id)
            return len(render_pre_session_report(build_report_data(couple_id, chosen)))

        def floor_only() -> int:
            return len(bare_document(report_data, points))

        def render_only() -> int:
            return len(render_pre_session_report(report_data))

        self._whole = whole
        # Hold no connection across the forks: a child sharing the parent's would send its
        # prepared statements down the same socket as the next child (names collide).
        db.session.rollback()
        # Each is timed as a long-lived report worker makes its next report: the fresh child
        # first makes one untimed (opening its database connection and copying the pages it
        # writes after the fork, which cost a first call 2-4x a later one), then the timed one.
        for _ in range(self.plan.rounds):
            floor.add(1000 * run_forked(floor_only, prepare=floor_only).seconds)
            run = run_forked(render_only, prepare=render_only)
            excluded.add(1000 * run.seconds)
            memory.add(run.peak_growth_mib)
            included.add(1000 * run_forked(whole, prepare=whole).seconds)
        self.result.checks += [
            Check.ratio_at_most(
                "report", "one report, data building excluded", excluded, floor,
                paired_ratios(excluded, floor), 2.0,
            ),
            Check.ratio_at_most(
                "report", "one report, data building included", included, floor,
                paired_ratios(included, floor), 1.5,
            ),
        ]  # fmt: skip
        db.session.expunge_all()
        chosen = db.session.get(CoupleSession, session_id)
        with count_statements() as statements:
            build_report_data(couple_id, chosen)
        self.result.facts.append(
            f"pages: report {_pages(project_pdf)}, floor {_pages(floor_pdf)}; "
            f"{len(report_data.assignments)} steps, {len(report_data.reflections)} reflections, "
            f"{points} talking points, 2 charts; render peak RSS growth {memory.text()}"
        )
        self.result.facts.append(
            f"report data: {statements.count} statements for one couple from an empty session "
            "(as for a worker's next report); ReportLab's C accelerator (rl-accel) "
            f"{'in use' if accelerated() else 'MISSING: pure-Python fallbacks'}, "
            "for the report and the floor alike (one process)"
        )
        if any(not c.met for c in self.result.checks) and not self.plan.quick:
            summary = profile(whole, calls=5)
            self.result.profile = "in-process, build_report_data + render ×5\n" + summary

    # --- batches on workers ----------------------------------------------------------------

    def _worker(self, concurrency: int, queue: str) -> MeasuredWorker:
        worker = MeasuredWorker(
            self.env.process_env(**own_queues_env(queue)),
            self.env.workdir / f"report-worker-{concurrency}.log",
            concurrency=concurrency,
            name=f"reports{concurrency}",
        )
        worker.start()
        return worker

    def _batches(self) -> None:
        # Each worker's queues of its own (their names' prefix): a batch reaches only one.
        single_queue, pair_queue = (f"bench-{uuid.uuid4().hex[:8]}-" for _ in range(2))
        single = self._worker(1, single_queue)
        pair = self._worker(2, pair_queue)
        try:
            self._batch(single, single_queue, 2)  # warm-up: both workers up
            self._batch(pair, pair_queue, 4)
            largest = self.plan.report_batches[-1]
            one, two = Figure("reports/s"), Figure("reports/s")
            for size in self.plan.report_batches:
                seconds, peak, growth = Figure("s"), Figure("MiB"), Figure("MiB")
                self.busy = {1: Figure("%"), 2: Figure("%")}  # kept: the largest size's
                for _ in range(self.plan.rounds):
                    if size == largest:
                        n = self.plan.report_single_batch
                        one.add(n / self._batch(single, single_queue, n)[0])
                    took, worker_peak, worker_growth = self._batch(pair, pair_queue, size)
                    seconds.add(took)
                    peak.add(worker_peak)
                    growth.add(worker_growth)
                    if size == largest:
                        two.add(size / took)
                self.result.growth.add(size, seconds, peak)
            self.result.checks += [
                Check.ratio_at_least(
                    "report", f"batch of {largest} on 2 processes vs 1 process", two, one,
                    paired_ratios(two, one), 1.6,
                ),
                Check(
                    "report", f"worker RSS during the {largest}-report batch: peak; growth",
                    f"{peak.text()}; {growth.text()}", "–", None,
                    f"flat (growth ≤ {FLAT_MIB:g} MiB)", growth.median <= FLAT_MIB,
                ),
            ]  # fmt: skip
            self.result.facts.append(
                "CPU use of each pool process over its batch (user + system ÷ wall time): "
                f"1 process {self.busy[1].text()}, 2 processes {self.busy[2].text()} — "
                "below 100% the processes wait (database, broker, or a core taken by others)"
            )
            if any(not c.met for c in self.result.checks[-2:]) and not self.plan.quick:
                render = self.result.profile or (
                    "in-process, build_report_data + render ×5\n" + profile(self._whole, calls=5)
                )
                self.result.profile = (
                    f"{render}\nCPU use of each pool process during the {largest}-report "
                    f"batches: 1 process {self.busy[1].text()}, 2 processes {self.busy[2].text()}"
                )
            self.result.facts.append(
                f"batch: prepare_upcoming_reports() for {largest} sessions due within the lead "
                f"time, Celery prefork pool of 2 (1 for the single-process rate, "
                f"{self.plan.report_single_batch} reports); target 2-process rate ≥ 0.8 × 2 × "
                "single-process rate, i.e. ratio ≥ 1.6"
            )
        finally:
            single.stop()
            pair.stop()

    def _batch(self, worker: MeasuredWorker, queue: str, size: int) -> tuple[float, float, float]:
        """Sessions of ``size`` couples move inside the lead time; the planner asks for
        their reports; wait until all are ready. Returns (seconds, peak RSS, RSS growth)."""
        now = timeutil.utcnow()
        for reset in (
            sa.delete(OutboxEmail),
            sa.delete(Report),
            sa.update(CoupleSession).values(starts_at=now + timedelta(days=3)),
            sa.update(CoupleSession)
            .where(CoupleSession.couple_id.in_(self.couple_ids[:size]))
            .values(starts_at=now + timedelta(hours=10)),
        ):  # the whole benchmark database: the previous batch's session is gone
            db.session.execute(tenancy.across_practices(reset))
        db.session.commit()
        self.app.extensions["celery"].conf.update(task_names.queue_settings(queue))
        worker.reset_peaks()
        sampler = ProcessSampler(worker.pool_pids)
        cpu = worker.cpu_seconds()
        started = time.perf_counter()
        with unit_of_work():  # as the beat's task runs it: its reports go to workers on commit
            created = report_service.prepare_upcoming_reports(now)
        if len(created) != size:
            raise RuntimeError(f"{len(created)} reports requested, not {size}")
        while True:
            db.session.remove()  # a fresh session: what the workers have committed by now
            by_status = sa.select(Report.status, sa.func.count()).group_by(Report.status)
            done = dict(db.session.execute(tenancy.across_practices(by_status)).all())
            if done.get(ReportStatus.FAILED):
                raise RuntimeError(f"reports failed; see {worker.log_path}")
            if done.get(ReportStatus.READY, 0) >= size:
                break
            if time.perf_counter() - started > BATCH_TIMEOUT:
                raise RuntimeError(f"reports not ready in time: {done}")
            sampler.sample(time.perf_counter() - started)
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        sampler.sample(seconds)
        busy = 100 * (worker.cpu_seconds() - cpu) / (seconds * worker.concurrency)
        self.busy[worker.concurrency].add(busy)
        return seconds, worker.peak_mib(), sampler.growth_after_warmup()


def run_report(env: BenchEnv, app: Flask, plan: Plan) -> ScenarioResult:
    return ReportBench(env, app, plan).run()
