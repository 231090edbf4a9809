"""One simulated stretch of `make bench-capacity` at N couples, on servers already running:
the data built (with what the day held before the stretch), the Celery workers the
Procfile runs on the compressed clock, the beat's schedule played by this process (the
real tasks, sent to the workers), the visitors in their own process, the stretch judged
from what the database and the SMTP sink hold at its end, then the nightly compile of
every couple timed on the same workers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa
from flask import Flask

from benchmarks import capacity_plan as plan
from benchmarks import data
from benchmarks.capacity_beat import Beat
from benchmarks.capacity_clock import Anchor, write_anchor
from benchmarks.capacity_cpu import CpuMeter, database_pids
from benchmarks.capacity_judge import judge
from benchmarks.env import BenchEnv, vacuum_analyze
from benchmarks.http_load import GunicornServer
from benchmarks.scenario_fanout import CountingHandler
from counselor import task_names
from counselor.extensions import db
from counselor.models import (
    Assignment,
    CoupleSession,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
    OutboxStatus,
    Partner,
    Practice,
    Report,
    ReportStatus,
)
from counselor.services.accounts.settings import SESSION_IDLE_MINUTES
from counselor.services.couples import links
from counselor.services.reports.pre_session import SCHEDULED
from counselor.services.reports.report_data import build_report_data, fingerprint
from tests.support import factories
from tests.support.processes import (
    ROOT,
    CeleryWorker,
    ProcfileWorker,
    empty_tables,
    procfile_workers,
)

START_LEAD = 2.0  # real seconds between the end of the set-up and the week's Monday 00:00
BEAT_TICK = 0.02  # how often this process looks at the beat's schedule (real seconds)
CPU_EVERY = 0.5  # real seconds between two readings of the parts' CPU
LEASE_MOST = 86400  # the longest lease the configuration accepts (a simulated day)


@dataclass
class Stack:
    """What stays up across every N: database, broker, web server, SMTP sink, clock file."""

    env: BenchEnv
    app: Flask
    server: GunicornServer
    smtp: CountingHandler
    smtp_port: int
    clock_path: Path

    def worker_env(self, factor: float) -> dict[str, str]:
        """The worker's: the SMTP sink, results kept (the beat asks whether a run has
        ended), the clock, and the leases in real time: a lease guards against a worker
        that died, and a worker's work does not get faster with the clock, so a lease of
        300 s stays 300 real seconds (else the sweep would take every email in flight),
        up to the longest lease the configuration accepts."""
        leases = {
            f"COUNSELOR_{name}": str(min(LEASE_MOST, round(self.app.config[name] * factor)))
            for name in ("MAIL_CLAIM_LEASE_SECONDS", "REPORT_RENDER_LEASE_SECONDS")
        }
        return self.env.process_env(
            **leases,
            COUNSELOR_MAIL_SERVER="127.0.0.1",
            COUNSELOR_MAIL_PORT=str(self.smtp_port),
            COUNSELOR_CELERY__result_backend=self.env.celery_broker["broker_url"],
            COUNSELOR_CELERY__task_ignore_result="false",
            CAPACITY_CLOCK_FILE=str(self.clock_path),
        )


def next_monday(now: datetime) -> datetime:
    """Monday 00:00 UTC after ``now``: the simulated week lies ahead of the data's
    creation, and its stretch inside the links' 14 days."""
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(days=7 - midnight.weekday())


# --- the world ----------------------------------------------------------------------------


@dataclass
class World:
    tokens: list[str] = field(default_factory=list)  # per partner index
    steps: list[int] = field(default_factory=list)  # per couple index: the each-partner step
    logins: dict[str, list[str]] = field(default_factory=dict)  # counselor index → login
    counselors: int = 0


def build(
    couples: int, week_start: datetime, week: plan.Week, compression: plan.Compression
) -> World:
    """N couples across their counselors (one practice each), the partners' reminder hours
    and homework links, each couple's session of the week, and what the day held before
    the stretch (``history``)."""
    counselors = plan.counselor_count(couples)
    world = World(counselors=counselors)
    # Every couple's step starts on the stretch's day: every partner not done has a reason
    # to be reminded (a new step), so each hour's reminders are all its partners, the most
    # the planner can send (a real Tuesday reminds only those behind pace: fewer).
    stretch_day = (week_start + timedelta(days=plan.STRETCH_DAY)).date()
    first = 0
    for index, own in enumerate(plan.couples_per_counselor(couples, counselors)):
        owner = data.counselor()  # enters the practice's scope
        # The longest idle time a practice may choose (settings.SESSION_IDLE_MINUTES): a
        # page that takes a real second is minutes on the simulated clock.
        owner.practice.session_idle_minutes = SESSION_IDLE_MINUTES[1]
        world.logins[str(index)] = [owner.email, factories.PASSWORD]
        ids = data.add_couples(
            owner, first, own, timezone="UTC", together_step=False, sessions=False,
            checkins=False, starts_on=stretch_day,
        )  # fmt: skip
        partners = db.session.scalars(
            sa.select(Partner)
            .where(Partner.couple_id.in_(ids))
            .order_by(Partner.couple_id, Partner.position)
        ).all()
        for offset, partner in enumerate(partners):
            partner.reminder_hour = week.reminder_hours[2 * first + offset]
            world.tokens.append(links.issue_link(partner, LinkPurpose.HOMEWORK))
        steps = dict(
            db.session.execute(
                sa.select(Assignment.couple_id, sa.func.min(Assignment.id))
                .where(Assignment.couple_id.in_(ids))
                .group_by(Assignment.couple_id)
            ).all()
        )
        world.steps += [steps[cid] for cid in ids]
        db.session.execute(
            sa.insert(CoupleSession),
            [
                {
                    "practice_id": owner.practice_id,
                    "couple_id": cid,
                    "starts_at": week_start + timedelta(seconds=week.sessions[first + i]),
                }
                for i, cid in enumerate(ids)
            ],
        )
        history(owner.practice_id, partners, week_start, compression)
        db.session.commit()
        first += own
    vacuum_analyze()
    return world


def history(
    practice_id: int, partners: Sequence[Partner], week_start: datetime,
    compression: plan.Compression,
) -> None:  # fmt: skip
    """What real pace did before the stretch, so its first planner runs find no backlog a
    real day would not have: today's reminders of the hours before it, sent on the hour;
    and the reports of the sessions whose lead time opened before it (yesterday evening's
    work), ready, with the fingerprint of their data (a check-in in the stretch changes
    it, and the beat prepares a fresh one, as it would)."""
    start = week_start + timedelta(seconds=compression.start)
    today = start.replace(hour=0, minute=0, second=0, microsecond=0)
    sent = [
        {
            "practice_id": practice_id,
            "partner_id": p.id,
            "kind": EmailKind.REMINDER,
            "status": OutboxStatus.SENT,
            "dedupe_key": f"reminder:{p.id}:{today.date().isoformat()}",
            "created_at": today + timedelta(hours=p.reminder_hour),
            "sent_at": today + timedelta(hours=p.reminder_hour, minutes=1),
        }
        for p in partners
        if today + timedelta(hours=p.reminder_hour) < start
    ]
    if sent:
        db.session.execute(sa.insert(OutboxEmail), sent)
    lead_hours = sa.select(Practice.report_lead_hours).where(Practice.id == practice_id)
    lead = timedelta(hours=db.session.scalar(lead_hours) or 0)
    sessions = db.session.scalars(
        sa.select(CoupleSession).where(
            CoupleSession.couple_id.in_({p.couple_id for p in partners}),
            CoupleSession.starts_at >= start,  # one at the very start is judged too
            CoupleSession.starts_at <= start + lead,
        )
    ).all()
    for session in sessions:
        made = session.starts_at - lead
        content = build_report_data(session.couple_id, session, start)
        db.session.add(
            Report(
                practice_id=practice_id, couple_id=session.couple_id, session_id=session.id,
                status=ReportStatus.READY, requested_by=SCHEDULED, created_at=made,
                generated_at=made, data_fingerprint=fingerprint(content),
            )
        )  # fmt: skip
    db.session.flush()


def visitor_spec(
    visits: list[plan.Visit], world: World, anchor: Anchor, week_start: float,
    compression: plan.Compression, port: int,
) -> dict[str, Any]:  # fmt: skip
    requests = []
    for n, visit in enumerate(visits):
        at = anchor.real_at(week_start + visit.at)
        if visit.kind == "checkin":
            aid = world.steps[visit.who // 2]
            path = f"/p/{world.tokens[visit.who]}/steps/{aid}/done"
            body = f"checkin_key=link:{aid}:cap{visit.who}-{n}&when=0"
            requests.append([at, "checkin", "POST", path, body, ""])
        else:
            session = f"{visit.who}:{int(visit.at // plan.DAY)}"
            path = f"/couples?page={visit.page}"
            requests.append([at, "dashboard", "GET", path, "", session])
    end = anchor.real_at(week_start + compression.end)
    return {"port": port, "deadline": end + 5, "logins": world.logins, "requests": requests}


# --- one stretch ------------------------------------------------------------------------


def reset(stack: Stack) -> None:
    """No queued task, no result, no row from the last run."""
    if stack.env.redis:
        redis.Redis.from_url(stack.env.redis.url).flushdb()
    empty_tables()


def start_workers(
    stack: Stack, factor: float, couples: int, workers: list[ProcfileWorker]
) -> list[CeleryWorker]:
    """The Procfile's Celery workers (their queues and pool sizes) on the compressed clock;
    the beat is this process's (``Beat``), not the first worker's."""
    started = []
    for spec in workers:
        worker = CeleryWorker(
            stack.worker_env(factor), stack.env.workdir / f"capacity-{spec.name}-{couples}.log",
            concurrency=spec.concurrency or 2, name=f"{spec.name}{couples}", loglevel="INFO",
            queues=",".join(spec.queues) or None, app_module="benchmarks.capacity_clock",
        )  # fmt: skip
        started.append(worker)
        worker.start()
    for worker in started:
        worker.wait_until_ready()
    return started


def procfile() -> list[ProcfileWorker]:
    return procfile_workers(ROOT / "Procfile")


def run_stretch(
    stack: Stack, couples: int, compression: plan.Compression, say=print
) -> plan.Criteria:
    factor = compression.factor
    week_start = next_monday(datetime.now(UTC))
    week_ts = week_start.timestamp()
    sim_start = week_ts + compression.start
    write_anchor(stack.clock_path, Anchor(sim_start, time.time() + 1e7, factor))
    reset(stack)
    week = plan.plan_week(couples)
    visits = plan.stretch_visits(week, couples, compression)
    began = time.perf_counter()
    world = build(couples, week_start, week, compression)
    say(f"  built {couples:,} couples for {world.counselors} counselors in "
        f"{time.perf_counter() - began:.1f} s")  # fmt: skip
    workdir = stack.env.workdir
    celery = stack.app.extensions["celery"]
    celery.conf.update(result_backend=stack.env.celery_broker["broker_url"])
    celery.conf.update(task_ignore_result=False)
    client = None
    workers: list[CeleryWorker] = []
    try:
        workers = start_workers(stack, factor, couples, procfile())
        anchor = Anchor(sim_start, time.time() + START_LEAD, factor)
        write_anchor(stack.clock_path, anchor)
        spec_path, result_path = workdir / "visits.json", workdir / "visits-result.json"
        spec = visitor_spec(visits, world, anchor, week_ts, compression, stack.server.port)
        spec_path.write_text(json.dumps(spec))
        result_path.unlink(missing_ok=True)
        with (workdir / "visitors.log").open("ab") as log:
            client = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.capacity_load", str(spec_path),
                 str(result_path)],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        database = stack.env.database_url.rsplit("/", 1)[1]
        meter = CpuMeter(
            {
                "web": stack.server.worker_pids,
                "celery": lambda: [
                    pid for w in workers if w.process for pid in (w.process.pid, *w.pool_pids())
                ],
                "postgres": lambda: database_pids(database),
                "redis": lambda: [stack.env.redis.process.pid] if stack.env.redis else [],
                "visitors": lambda: [client.pid],
            }
        )
        schedule = stack.app.config["CELERY"]["beat_schedule"]
        beat = Beat(celery, schedule, factor, start=compression.start)
        end = anchor.real_at(week_ts + compression.run_end)
        sent_before = stack.smtp.messages
        next_cpu = 0.0
        while (now := time.time()) < end:
            if now >= anchor.real_start:
                beat.tick(anchor.sim_at(now) - week_ts)
            if now >= next_cpu:
                meter.sample()
                next_cpu = now + CPU_EVERY
            time.sleep(BEAT_TICK)
        meter.sample()
        client.wait(timeout=60)
        answers = json.loads(result_path.read_text())
        criteria = judge(couples, week_start, compression, answers)
        criteria.compile_s = time_compile(celery, compression)
        criteria.compile_limit_s = round(compression.compile_limit_seconds(), 1)
        criteria.extra = {
            "cpu_percent_of_a_core": meter.percent_of_a_core(),
            "beat": beat.summary(),
            "client_lag_s": round(answers["client_lag_s"], 3),
            "dashboard_slowest_ms": [
                round(ms) for ms in sorted(answers["latencies_ms"].get("dashboard", []))[-5:]
            ],
            "statuses": answers["statuses"],
            "smtp_messages": stack.smtp.messages - sent_before,
            "counselors": world.counselors,
            "celery_workers": {w.name: [",".join(w.queues), w.concurrency] for w in procfile()},
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
        planner = beat.summary().get(task_names.PLAN_REMINDERS, {})
        criteria.planner_gap_min = planner.get("longest_gap_min", float("nan"))
        return criteria
    finally:
        if client is not None and client.poll() is None:
            client.kill()
            client.wait()
        for worker in workers:
            worker.kill()
        db.session.remove()
        keep_logs(workdir, couples, factor)


def time_compile(celery: Any, compression: plan.Compression) -> float:
    """Real seconds the nightly compile of every couple takes on the workers, as the beat
    sends it (all weeks recompiled: the night after a week rolls over); NaN when it does
    not end within three times its limit."""
    began = time.perf_counter()
    result = celery.send_task(task_names.COMPILE_PROGRESS, kwargs={"only_changed": False})
    try:
        result.get(timeout=3 * compression.compile_limit_seconds() + 10, propagate=True)
    except Exception:  # a compile that fails or times out is no pass
        return float("nan")
    return round(time.perf_counter() - began, 2)


def keep_logs(workdir: Path, couples: int, factor: float) -> None:
    """The workers' and the visitors' logs of this run, and the web server's so far,
    where the results are (the scratch folder goes when the run ends)."""
    logs = ROOT / "benchmarks" / "output" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    tag = f"{couples}-C{factor:g}"
    names = [(p.name, f"capacity-{p.name}-{couples}.log") for p in procfile()]
    for name, log in [*names, ("visitors", "visitors.log"), ("web", "capacity-web.log")]:
        if (workdir / log).exists():
            kept = "web.log" if name == "web" else f"{name}-{tag}.log"
            shutil.copyfile(workdir / log, logs / kept)
