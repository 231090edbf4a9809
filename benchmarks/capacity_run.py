"""One simulated week of `make bench-capacity` at N couples, on servers already running:
the data built, a fresh Celery worker on the compressed clock, the beat's schedule played
by this process (the real tasks, sent to the worker), the visitors in their own process,
and the week judged from what the database and the SMTP sink hold at its end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
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
from benchmarks.env import BenchEnv, vacuum_analyze
from benchmarks.http_load import GunicornServer
from benchmarks.scenario_fanout import CountingHandler
from counselor import task_names, tenancy
from counselor.extensions import db
from counselor.models import (
    Assignment,
    CoupleSession,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
    OutboxStatus,
    Partner,
    Report,
    ReportStatus,
)
from counselor.services.accounts.settings import SESSION_IDLE_MINUTES
from counselor.services.couples import links
from tests.support import factories
from tests.support.processes import ROOT, CeleryWorker, empty_tables

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
    creation, and inside the links' 14 days."""
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + timedelta(days=7 - midnight.weekday())


# --- the world ----------------------------------------------------------------------------


@dataclass
class World:
    tokens: list[str] = field(default_factory=list)  # per partner index
    steps: list[int] = field(default_factory=list)  # per couple index: the each-partner step
    logins: dict[str, list[str]] = field(default_factory=dict)  # counselor index → login
    counselors: int = 0


def build(couples: int, sim_start: datetime, week: plan.Week, counselors: int) -> World:
    """N couples across the counselors (one practice each), their partners' reminder hours
    and homework links, and each couple's session of the week."""
    world = World(counselors=counselors)
    first = 0
    for index, own in enumerate(plan.couples_per_counselor(couples, counselors)):
        owner = data.counselor()  # enters the practice's scope
        # The longest idle time a practice may choose (settings.SESSION_IDLE_MINUTES): the
        # counselor logs in each morning, and a page that takes a real second is already
        # hours on the simulated clock.
        owner.practice.session_idle_minutes = SESSION_IDLE_MINUTES[1]
        world.logins[str(index)] = [owner.email, factories.PASSWORD]
        ids = data.add_couples(
            owner, first, own, timezone="UTC", together_step=False, sessions=False,
            checkins=False, starts_on=sim_start.date(),
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
                    "starts_at": sim_start + timedelta(seconds=week.sessions[first + i]),
                }
                for i, cid in enumerate(ids)
            ],
        )
        db.session.commit()
        first += own
    vacuum_analyze()
    return world


def visitor_spec(week: plan.Week, world: World, anchor: Anchor, port: int) -> dict[str, Any]:
    requests = []
    for n, visit in enumerate(week.visits):
        at = anchor.real_at(anchor.sim_start + visit.at)
        if visit.kind == "checkin":
            aid = world.steps[visit.who // 2]
            path = f"/p/{world.tokens[visit.who]}/steps/{aid}/done"
            body = f"checkin_key=link:{aid}:cap{visit.who}-{n}&when=0"
            requests.append([at, "checkin", "POST", path, body, ""])
        else:
            session = f"{visit.who}:{int(visit.at // plan.DAY)}"
            path = f"/couples?page={visit.page}"
            requests.append([at, "dashboard", "GET", path, "", session])
    end = anchor.real_at(anchor.sim_start + plan.WEEK)
    return {"port": port, "deadline": end + 5, "logins": world.logins, "requests": requests}


# --- the beat, played on the compressed clock ----------------------------------------------


# --- one week ---------------------------------------------------------------------------------


def reset(stack: Stack) -> None:
    """No queued task, no result, no row from the last week."""
    if stack.env.redis:
        redis.Redis.from_url(stack.env.redis.url).flushdb()
    empty_tables()


def run_week(
    stack: Stack, couples: int, week_seconds: float, concurrency: int = 2, say=print
) -> plan.Criteria:
    factor = plan.WEEK / week_seconds
    sim_start = next_monday(datetime.now(UTC))
    write_anchor(stack.clock_path, Anchor(sim_start.timestamp(), time.time() + 1e7, factor))
    reset(stack)
    counselors = plan.counselor_count(couples)
    week = plan.plan_week(couples, counselors)
    began = time.perf_counter()
    world = build(couples, sim_start, week, counselors)
    say(f"  built {couples:,} couples for {counselors} counselors in "
        f"{time.perf_counter() - began:.1f} s")  # fmt: skip
    workdir = stack.env.workdir
    worker = CeleryWorker(
        stack.worker_env(factor), workdir / f"capacity-worker-{couples}.log",
        concurrency=concurrency, name=f"capacity{couples}", loglevel="INFO",
        app_module="benchmarks.capacity_clock",
    )  # fmt: skip
    celery = stack.app.extensions["celery"]
    celery.conf.update(result_backend=stack.env.celery_broker["broker_url"])
    celery.conf.update(task_ignore_result=False)
    client = None
    try:
        worker.start()
        worker.wait_until_ready()
        anchor = Anchor(sim_start.timestamp(), time.time() + START_LEAD, factor)
        write_anchor(stack.clock_path, anchor)
        spec_path, result_path = workdir / "visits.json", workdir / "visits-result.json"
        spec_path.write_text(json.dumps(visitor_spec(week, world, anchor, stack.server.port)))
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
                "celery": lambda: [worker.process.pid, *worker.pool_pids()],
                "postgres": lambda: database_pids(database),
                "redis": lambda: [stack.env.redis.process.pid] if stack.env.redis else [],
                "visitors": lambda: [client.pid],
            }
        )
        beat = Beat(celery, stack.app.config["CELERY"]["beat_schedule"], factor)
        end = anchor.real_at(anchor.sim_start + plan.WEEK)
        sent_before = stack.smtp.messages
        next_cpu = 0.0
        while (now := time.time()) < end:
            if now >= anchor.real_start:
                beat.tick(anchor.sim_at(now) - anchor.sim_start)
            if now >= next_cpu:
                meter.sample()
                next_cpu = now + CPU_EVERY
            time.sleep(BEAT_TICK)
        meter.sample()
        client.wait(timeout=60)
        visits = json.loads(result_path.read_text())
        criteria = judge(couples, sim_start, visits)
        criteria.extra = {
            "cpu_percent_of_a_core": meter.percent_of_a_core(),
            "beat": beat.summary(),
            "client_lag_s": round(visits["client_lag_s"], 3),
            "statuses": visits["statuses"],
            "smtp_messages": stack.smtp.messages - sent_before,
            "counselors": counselors,
            "celery_processes": concurrency,
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
        planner = beat.summary().get(task_names.PLAN_REMINDERS, {})
        criteria.planner_gap_min = planner.get("longest_gap_min", float("nan"))
        return criteria
    finally:
        if client is not None and client.poll() is None:
            client.kill()
            client.wait()
        worker.kill()
        db.session.remove()
        keep_logs(workdir, couples, concurrency)


def keep_logs(workdir: Path, couples: int, concurrency: int) -> None:
    """The worker's and the visitors' logs of this week, and the web server's so far,
    where the results are (the scratch folder goes when the run ends)."""
    logs = ROOT / "benchmarks" / "output" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for name, kept in (
        (f"capacity-worker-{couples}.log", f"worker-{couples}-{concurrency}.log"),
        ("visitors.log", f"visitors-{couples}-{concurrency}.log"),
        ("capacity-web.log", "web.log"),
    ):
        if (workdir / name).exists():
            shutil.copyfile(workdir / name, logs / kept)


def judge(couples: int, sim_start: datetime, visits: dict[str, Any]) -> plan.Criteria:
    """The week's verdict from the rows the workers wrote (their times on the simulated
    clock) and the visitors' answers."""
    end = sim_start + timedelta(seconds=plan.WEEK)
    window = timedelta(seconds=plan.REMINDER_WINDOW)
    criteria = plan.Criteria(couples)
    db.session.remove()
    hours = dict(db.session.execute(tenancy.across_practices(
        sa.select(Partner.id, Partner.reminder_hour))).all())  # fmt: skip
    reminders = db.session.execute(
        tenancy.across_practices(
            sa.select(OutboxEmail.dedupe_key, OutboxEmail.status, OutboxEmail.sent_at).where(
                OutboxEmail.kind == EmailKind.REMINDER
            )
        )
    ).all()
    worst = timedelta(0)
    for key, status, sent_at in reminders:
        _, partner_id, day = key.split(":")
        due = datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(
            hours=hours[int(partner_id)]
        )
        if due + window > end:
            continue  # its hour ends after the week: not judged
        criteria.reminders += 1
        if status != OutboxStatus.SENT or sent_at is None:  # cancelled (quiet hours) or stuck
            criteria.reminders_unsent += 1
            criteria.reminders_late += 1
            continue
        worst = max(worst, sent_at - due)
        if sent_at > due + window:
            criteria.reminders_late += 1
    criteria.reminder_worst_min = worst.total_seconds() / 60
    ready = sa.select(sa.func.min(Report.generated_at)).where(
        Report.session_id == CoupleSession.id, Report.status == ReportStatus.READY
    )
    sessions = db.session.execute(
        tenancy.across_practices(
            sa.select(CoupleSession.starts_at, ready.scalar_subquery()).where(
                CoupleSession.starts_at <= end
            )
        )
    ).all()
    slack = []
    for starts_at, first_ready in sessions:
        criteria.reports += 1
        if first_ready is None or first_ready > starts_at:
            criteria.reports_late += 1
        else:
            slack.append((starts_at - first_ready).total_seconds() / 3600)
    criteria.report_slack_min_h = min(slack, default=float("nan"))
    latencies, errors = visits["latencies_ms"], visits["errors"]
    page = latencies.get("dashboard", [])
    criteria.dashboard = len(page) + errors.get("dashboard", 0)
    criteria.dashboard_errors = errors.get("dashboard", 0)
    criteria.dashboard_p50_ms = plan.percentile(page, 50)
    criteria.dashboard_p99_ms = plan.percentile(page, 99)
    posts = latencies.get("checkin", [])
    criteria.checkins = len(posts) + errors.get("checkin", 0)
    criteria.checkin_errors = errors.get("checkin", 0)
    criteria.checkin_p99_ms = plan.percentile(posts, 99)
    db.session.remove()
    return criteria
