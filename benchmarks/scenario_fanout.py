"""Reminder fan-out: due reminders through the planner, the outbox and 2 Celery worker
processes into a local SMTP server, against raw smtplib sending the same message over
one reused connection."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask

from benchmarks import data
from benchmarks.env import BenchEnv
from benchmarks.measure import Figure, ProcessSampler, paired_ratios, peak_rss_mib, reset_peak
from benchmarks.plan import Plan
from benchmarks.profiling import profile
from benchmarks.results import Check, Growth, ScenarioResult
from benchmarks.workers import MeasuredWorker
from counselor import task_names, tenancy, timeutil
from counselor.extensions import db
from counselor.models import ClientLink, Couple, CoupleStatus, OutboxEmail, OutboxStatus
from counselor.services.delivery import mail, outbox, reminders
from counselor.unit_of_work import unit_of_work
from tests.support.processes import ROOT, free_port, own_queues_env

FLAT_MIB = 10.0  # worker RSS may grow this much after warm-up and still count as flat
DELIVERY_TIMEOUT = 900  # 10,000 reminders on a loaded 2-core machine take minutes


@dataclass
class CountingHandler:
    """An SMTP server that counts connections and messages and keeps one sample."""

    connections: int = 0
    messages: int = 0
    sample: bytes | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages += 1
            if self.sample is None:
                self.sample = envelope.content
        return "250 OK"


@dataclass
class Delivery:
    seconds: float
    connections: int
    peak_mib: float
    growth_mib: float  # RSS at the end minus RSS a quarter of the way in
    fifths: list[float]  # seconds each fifth of the messages took to arrive


class FanOutBench:
    def __init__(self, env: BenchEnv, app: Flask, plan: Plan) -> None:
        self.env, self.app, self.plan = env, app, plan
        self.result = ScenarioResult("reminder fan-out")
        self.result.growth = Growth(
            "reminder fan-out", "reminders", "seconds, plan → last message", "worker peak RSS"
        )
        self.queue = f"bench-{uuid.uuid4().hex[:8]}-"  # a prefix of its queues' names
        self.chunk = app.config["MAIL_BATCH_SIZE"]

    def run(self) -> ScenarioResult:
        started = time.perf_counter()
        self.handler = CountingHandler()
        self.port = free_port()
        controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        controller.start()
        self.app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port)
        self.app.extensions["celery"].conf.update(task_names.queue_settings(self.queue))
        worker = MeasuredWorker(
            self.env.process_env(
                COUNSELOR_MAIL_SERVER="127.0.0.1",
                COUNSELOR_MAIL_PORT=str(self.port),
                COUNSELOR_MAIL_BATCH_SIZE=str(self.chunk),
                **own_queues_env(self.queue),
            ),
            self.env.workdir / "fanout-worker.log",
            concurrency=2,
            name="fanout",
        )
        try:
            self._prepare()
            worker.start()
            self.worker = worker
            self._deliver(min(self.plan.fanout_sizes[0], 20))  # warm-up: workers up, sample
            self.sample_path = self.env.workdir / "reminder.eml"
            self.sample_path.write_bytes(self.handler.sample or b"")
            for size in self.plan.fanout_sizes:
                self._measure(size, main=size == self.plan.fanout_sizes[-1])
        finally:
            worker.stop()
            controller.stop()
            self.app.config.update(MAIL_SERVER=None)
        self.result.seconds = time.perf_counter() - started
        return self.result

    def _prepare(self) -> None:
        owner = data.counselor()
        self.practice_id = owner.practice_id
        today = timeutil.local_today("UTC")
        self.couple_ids = data.add_couples(
            owner,
            0,
            math.ceil(self.plan.fanout_sizes[-1] / 2),
            timezone="UTC",
            together_step=False,
            sessions=False,
            checkins=False,
            starts_on=today,  # a new step today: every partner is due a reminder
            partner_fields={"reminder_hour": 0, "quiet_start_hour": 0, "quiet_end_hour": 0},
        )

    def _deliver(self, size: int) -> Delivery:
        """Plan ``size`` reminders and wait until the SMTP server has them all."""
        self._reset(size)
        pids = self.worker.pool_pids()
        for pid in pids:
            reset_peak(pid)
        sampler = ProcessSampler(self.worker.pool_pids)
        messages, connections = self.handler.messages, self.handler.connections
        fifth = max(1, size // 5)
        marks: list[float] = []
        started = time.perf_counter()
        with unit_of_work():  # as the beat's task does: committed, then handed to the workers
            planned = reminders.plan_reminders(timeutil.utcnow())
        if len(planned) != size:
            raise RuntimeError(f"the planner planned {len(planned)} reminders, not {size}")
        deadline = started + DELIVERY_TIMEOUT
        while (arrived := self.handler.messages - messages) < size:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"only {arrived} of {size} reminders arrived")
            now = time.perf_counter() - started
            while len(marks) < 5 and arrived >= fifth * (len(marks) + 1):
                marks.append(now)
            sampler.sample(now)
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        marks += [seconds] * (5 - len(marks))
        sampler.sample(seconds)
        self._wait_all_sent(size)
        return Delivery(
            seconds,
            self.handler.connections - connections,
            max((peak_rss_mib(pid) for pid in pids), default=float("nan")),
            sampler.growth_after_warmup(),
            [b - a for a, b in itertools.pairwise([0.0, *marks])],
        )

    def _reset(self, size: int) -> None:
        """No reminders, no links; exactly ``size`` partners due (their couples active)."""
        db.session.execute(sa.delete(OutboxEmail))
        db.session.execute(sa.delete(ClientLink))
        active = self.couple_ids[: math.ceil(size / 2)]
        db.session.execute(sa.update(Couple).values(status=CoupleStatus.PAUSED))
        db.session.execute(
            sa.update(Couple).where(Couple.id.in_(active)).values(status=CoupleStatus.ACTIVE)
        )
        db.session.commit()

    def _wait_all_sent(self, size: int) -> None:
        for _ in range(600):
            db.session.remove()  # a fresh session: what the workers have committed by now
            tenancy.enter_practice(self.practice_id)
            sent = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxEmail)
                .where(OutboxEmail.status == OutboxStatus.SENT)
            )
            if sent == size:
                return
            time.sleep(0.05)
        raise RuntimeError("the outbox did not record every reminder as sent")

    def _floor(self, size: int) -> dict:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.smtp_floor",
                str(self.port),
                str(size),
                str(self.sample_path),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=DELIVERY_TIMEOUT,
        )
        return json.loads(out.stdout)

    def _measure(self, size: int, main: bool) -> None:
        rate, floor_rate = Figure("msg/s"), Figure("msg/s")
        seconds, peak, growth = Figure("s"), Figure("MiB"), Figure("MiB")
        most_connections = 0
        runs = self.plan.fanout_main_runs if main else self.plan.rounds
        in_fifths = main and runs == 1
        for _ in range(runs):
            if main:
                floor = self._floor(size)
                if in_fifths:
                    for took in floor["fifths"]:
                        floor_rate.add(size / 5 / took)
                else:
                    floor_rate.add(size / floor["seconds"])
            delivery = self._deliver(size)
            if in_fifths:
                for took in delivery.fifths:
                    rate.add(size / 5 / took)
            else:
                rate.add(size / delivery.seconds)
            seconds.add(delivery.seconds)
            peak.add(delivery.peak_mib)
            growth.add(delivery.growth_mib)
            most_connections = max(most_connections, delivery.connections)
        self.result.growth.add(size, seconds, peak)
        if not main:
            return
        bound = math.ceil(size / self.chunk)
        self.result.checks += [
            Check.ratio_at_least(
                "reminder fan-out", f"rate, {size:,} reminders, 2 workers", rate, floor_rate,
                paired_ratios(rate, floor_rate), 0.5,
            ),
            Check(
                "reminder fan-out", "SMTP connections (most in one run)",
                f"{most_connections}", "1", None,
                f"≤ ceil({size:,} / {self.chunk}) = {bound}", most_connections <= bound,
            ),
            Check(
                "reminder fan-out", f"worker RSS during {size:,}: peak; growth after warm-up",
                f"{peak.text()}; {growth.text()}", "–", None,
                f"flat (growth ≤ {FLAT_MIB:g} MiB)", growth.median <= FLAT_MIB,
            ),
        ]  # fmt: skip
        self.result.facts.append(
            f"floor: smtplib in its own process, one connection, the project's reminder "
            f"({len(self.handler.sample or b''):,} bytes) sent {size:,} times"
        )
        if in_fifths:
            self.result.facts.append(
                f"at {size:,} reminders one run each (the project's run takes "
                f"{seconds.median:.0f} s): the rates' n=5 are the run's five consecutive fifths, "
                "the first including the planner, paired fifth by fifth with the floor's"
            )
        if any(not c.met for c in self.result.checks) and not self.plan.quick:
            self.result.profile = self._profile()

    def _profile(self) -> str:
        """One chunk of deliveries in-process: claim, compose (links), render, send."""
        self.worker.stop()  # nobody else may take the chunk
        self._reset(self.chunk)
        celery = self.app.extensions["celery"]
        broker = celery.conf.broker_url
        celery.conf.broker_url = "memory://"  # the chunk stays here
        try:
            with unit_of_work():
                ids = reminders.plan_reminders(timeutil.utcnow())
            summary = profile(lambda: outbox.deliver(mail.EMAILS, ids))
        finally:
            celery.conf.broker_url = broker
        return f"in-process, outbox.deliver of one chunk ({len(ids)} reminders)\n" + summary


def run_fanout(env: BenchEnv, app: Flask, plan: Plan) -> ScenarioResult:
    return FanOutBench(env, app, plan).run()
