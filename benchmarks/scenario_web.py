"""Check-off and dashboard through gunicorn (2 sync workers), against a bare Flask
hello-world and a bare one-row UPDATE + commit served the same way."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Flask

from benchmarks import data
from benchmarks.env import BenchEnv, vacuum_analyze
from benchmarks.floor_apps import create_floor_table
from benchmarks.http_load import GunicornServer, LoadResult, Target, login_cookie, run_load
from benchmarks.measure import Figure, paired_ratios
from benchmarks.plan import Plan
from benchmarks.profiling import profile
from benchmarks.results import Check, Growth, ScenarioResult
from counselor.extensions import db
from tests.support import factories
from tests.support.helpers import count_statements

MAX_REQUESTS_PER_SECOND = 5000  # the count bound of each load run
LINK_COUPLES = 50  # partners whose links the check-off POSTs spread over


@dataclass
class Servers:
    hello: GunicornServer
    update: GunicornServer
    project: GunicornServer

    def all(self) -> list[GunicornServer]:
        return [self.hello, self.update, self.project]


def start_servers(env: BenchEnv) -> Servers:
    process_env = env.process_env()
    logs = env.workdir
    servers = Servers(
        GunicornServer(
            "hello", "benchmarks.floor_apps:hello_app()", process_env, logs / "hello.log"
        ),
        GunicornServer(
            "update", "benchmarks.floor_apps:update_app()", process_env, logs / "upd.log"
        ),
        GunicornServer("project", "counselor:create_app()", process_env, logs / "project.log"),
    )
    for server in servers.all():
        server.start()
    return servers


@dataclass
class Run:
    load: LoadResult
    peak_mib: float


def _no_errors(what: str, run: Run) -> None:
    if run.load.errors:
        raise RuntimeError(f"{what} answered {run.load.errors} errors (see the server's log)")


def _load(server: GunicornServer, targets: list[Target], seconds: int, **kw) -> Run:
    server.reset_worker_peaks()
    load = run_load(
        server.port, targets, seconds=seconds, max_requests=seconds * MAX_REQUESTS_PER_SECOND, **kw
    )
    return Run(load, server.worker_peak_mib())


class WebBench:
    """Both web scenarios on one database that grows through the three sizes."""

    def __init__(self, env: BenchEnv, app: Flask, plan: Plan, servers: Servers) -> None:
        self.env, self.app, self.plan, self.servers = env, app, plan, servers
        self.dashboard = ScenarioResult("dashboard")
        self.checkoff = ScenarioResult("check-off")
        self.dashboard.growth = Growth(
            "dashboard", "couples", "ms per request = 1/throughput", "worker peak RSS"
        )
        self.checkoff.growth = Growth(
            "check-off", "couples", "ms per request = 1/throughput", "worker peak RSS"
        )
        self.statements: dict[int, int] = {}
        self.posted = self.recorded = 0

    def run(self) -> list[ScenarioResult]:
        started = time.perf_counter()
        owner = data.counselor()
        self.email = owner.email
        create_floor_table(self.env.database_url)
        created = 0
        first_ids: list[int] = []
        for size in self.plan.web_sizes:
            ids = data.add_couples(owner, created, size - created, weeks=2, together_step=False)
            first_ids = first_ids or ids
            created = size
            vacuum_analyze()
            if not hasattr(self, "cookie"):
                port = self.servers.project.port
                self.cookie = login_cookie(port, owner.email, factories.PASSWORD)
                self.links = data.homework_links(first_ids[:LINK_COUPLES])
                self._warm_up()
            self.statements[size] = self._statements_per_page()
            self._measure_at(size)
        self._finish()
        self.dashboard.seconds = self.checkoff.seconds = (time.perf_counter() - started) / 2
        return [self.checkoff, self.dashboard]

    # --- targets -------------------------------------------------------------------------

    def _hello_targets(self) -> list[Target]:
        return [Target("GET", "/")]

    def _dashboard_targets(self, size: int) -> list[Target]:
        pages = max(1, math.ceil(size / 50))
        return [Target("GET", f"/couples?page={p}") for p in range(1, pages + 1)]

    def _checkoff_targets(self) -> list[Target]:
        return [
            Target("POST", f"/p/{token}/steps/{aid}/done", f"checkin_key=link:{aid}:b{{n}}&when=0")
            for token, aid in self.links
        ]

    def _update_targets(self) -> list[Target]:
        return [Target("POST", "/rows", "key={n}")]

    def _warm_up(self) -> None:
        if not self.plan.quick:
            for server, targets in (
                (self.servers.hello, self._hello_targets()),
                (self.servers.update, self._update_targets()),
                (self.servers.project, self._checkoff_targets()),
            ):
                _load(server, targets, 1)
        _load(self.servers.project, self._dashboard_targets(50), 1, headers=self._cookie())

    def _cookie(self) -> dict[str, str]:
        return {"Cookie": self.cookie}

    # --- dashboard -----------------------------------------------------------------------

    def _statements_per_page(self) -> int:
        client = self.app.test_client()
        client.post("/login", data={"email": self.email, "password": factories.PASSWORD})
        client.get("/couples?page=1")  # warm: the user, caches
        with count_statements() as counter:
            assert client.get("/couples?page=1").status_code == 200
        db.session.remove()
        return counter.count

    def _measure_at(self, size: int) -> None:
        """Round by round: hello (the floor of both), the couples page, the bare UPDATE,
        the check-off POST. Away from the main size, the project's two paths only."""
        main = size == self.plan.web_main
        seconds = self.plan.web_seconds if main else self.plan.web_size_seconds
        hello, bare, page, post = (Figure("req/s") for _ in range(4))
        hello_p99, post_p99 = Figure("ms"), Figure("ms")
        page_ms, post_ms = Figure("ms"), Figure("ms")
        page_mib, post_mib = Figure("MiB"), Figure("MiB")
        for _ in range(self.plan.rounds):
            if main:
                floor = _load(self.servers.hello, self._hello_targets(), seconds)
                hello.add(floor.load.rate)
                hello_p99.add(floor.load.p99_ms)
            run = _load(
                self.servers.project, self._dashboard_targets(size), seconds, headers=self._cookie()
            )
            _no_errors("dashboard", run)
            page.add(run.load.rate)
            page_ms.add(1000 / run.load.rate)
            page_mib.add(run.peak_mib)
            if main:
                bare.add(_load(self.servers.update, self._update_targets(), seconds).load.rate)
            before = data.checkin_count()
            run = _load(self.servers.project, self._checkoff_targets(), seconds)
            db.session.remove()
            _no_errors("check-off", run)
            self.recorded += data.checkin_count() - before
            self.posted += run.load.requests
            post.add(run.load.rate)
            post_p99.add(run.load.p99_ms)
            post_ms.add(1000 / run.load.rate)
            post_mib.add(run.peak_mib)
        self.dashboard.growth.add(size, page_ms, page_mib)
        self.checkoff.growth.add(size, post_ms, post_mib)
        if not main:
            return
        where = f"{size:,} couples"
        self.dashboard.checks.append(
            Check.ratio_at_least(
                "dashboard", f"throughput, {where}, 50/page", page, hello,
                paired_ratios(page, hello), 0.25,
            )
        )  # fmt: skip
        self.checkoff.checks += [
            Check.ratio_at_least(
                "check-off", f"throughput vs hello, {where}", post, hello,
                paired_ratios(post, hello), 0.4,
            ),
            Check.ratio_at_least(
                "check-off", "throughput vs bare UPDATE", post, bare,
                paired_ratios(post, bare), 0.8,
            ),
            Check.ratio_at_most(
                "check-off", "p99 latency vs hello's p99", post_p99, hello_p99,
                paired_ratios(post_p99, hello_p99), 3.0,
            ),
        ]  # fmt: skip

    # --- wrapping up -----------------------------------------------------------------------

    def _finish(self) -> None:
        counts = [self.statements[s] for s in self.plan.web_sizes]
        sizes = " / ".join(f"{s:,}" for s in self.plan.web_sizes)
        self.dashboard.checks.append(
            Check(
                "dashboard",
                f"SQL statements per page at {sizes} couples",
                " / ".join(str(c) for c in counts),
                "–",
                None,
                "constant",
                len(set(counts)) == 1,
            )
        )
        self.checkoff.facts.append(
            f"every POST recorded a check-in: {self.recorded:,} check-ins for {self.posted:,} "
            "answered POSTs (all 302, no errors; wrk leaves the last request of each "
            "connection uncounted)"
        )
        self.checkoff.facts.append(
            f"load: {len(self.links)} partner links round-robin, a new checkin_key per request"
        )
        if self.plan.quick:
            return  # profiles are for the full run
        if any(not c.met for c in self.dashboard.checks):
            self.dashboard.profile = self._profile_dashboard()
        if any(not c.met for c in self.checkoff.checks):
            self.checkoff.profile = self._profile_checkoff()

    def _profile_dashboard(self) -> str:
        client = self.app.test_client()
        client.post("/login", data={"email": self.email, "password": factories.PASSWORD})
        summary = profile(lambda: client.get("/couples?page=2"), calls=30)
        db.session.remove()
        return "in-process, GET /couples?page=2 ×30\n" + summary

    def _profile_checkoff(self) -> str:
        client = self.app.test_client()
        token, aid = self.links[0]
        counter = iter(range(10**9))

        def post() -> None:
            client.post(
                f"/p/{token}/steps/{aid}/done",
                data={"checkin_key": f"link:{aid}:prof{next(counter)}", "when": "0"},
            )

        summary = profile(post, calls=100)
        db.session.remove()
        return "in-process, POST mark-done ×100\n" + summary


def run_web(env: BenchEnv, app: Flask, plan: Plan) -> list[ScenarioResult]:
    servers = start_servers(env)
    try:
        return WebBench(env, app, plan, servers).run()
    finally:
        for server in servers.all():
            server.stop()
