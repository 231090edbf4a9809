"""Check-off and the couples page through gunicorn (2 sync workers), each against a floor
that does the same durable work, served the same way on the same database
(benchmarks/floor_apps.py): *Mark done* against the bare write (token-hash look-up,
INSERT, COMMIT), the couples page against the bare list page (one SELECT of 50 couples
with their partners, a minimal template). A bare hello-world is measured too, for
information only."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Flask

from benchmarks import data
from benchmarks.env import BenchEnv, vacuum_analyze
from benchmarks.floor_apps import FLOOR_LINKS, create_floor_tables, floor_token, written_rows
from benchmarks.http_load import GunicornServer, LoadResult, Target, login_cookie, run_load
from benchmarks.measure import Figure, paired_ratios
from benchmarks.plan import Plan
from benchmarks.profiling import profile
from benchmarks.results import Check, Growth, ScenarioResult
from benchmarks.web_checks import (
    StatementCount,
    conditional_repeat,
    page_links,
    statements_per_post,
)
from counselor.extensions import db
from tests.support import factories
from tests.support.helpers import count_statements

MAX_REQUESTS_PER_SECOND = 5000  # the count bound of each load run
LINK_COUPLES = 50  # partners whose links the check-off POSTs spread over
PER_PAGE = 50
# The targets (docs/benchmarks.md, Targets).
POST_VS_WRITE = 0.7  # throughput ≥ 0.7 × the bare write's
POST_P99_VS_WRITE = 2.0  # p99 ≤ 2 × the bare write's p99
POST_STATEMENTS = 5  # ≤ 5 statements + COMMIT
PAGE_VS_LIST = 0.5  # throughput ≥ 0.5 × the bare list page's
PAGE_STATEMENTS = 5  # ≤ 5 statements, constant in the number of couples


@dataclass
class Servers:
    hello: GunicornServer
    write: GunicornServer
    bare_list: GunicornServer
    project: GunicornServer

    def all(self) -> list[GunicornServer]:
        return [self.hello, self.write, self.bare_list, self.project]


def make_servers(env: BenchEnv) -> Servers:
    process_env = env.process_env()
    logs = env.workdir
    return Servers(
        GunicornServer(
            "hello", "benchmarks.floor_apps:hello_app()", process_env, logs / "hello.log"
        ),
        GunicornServer(
            "write", "benchmarks.floor_apps:write_app()", process_env, logs / "write.log"
        ),
        GunicornServer("list", "benchmarks.floor_apps:list_app()", process_env, logs / "list.log"),
        GunicornServer("project", "counselor:create_app()", process_env, logs / "project.log"),
    )


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
        self.page_statements: dict[int, int] = {}
        self.post_statements: dict[int, StatementCount] = {}
        self.repeats: dict[int, str] = {}
        self.repeat_ok: dict[int, bool] = {}
        self.posted = self.recorded = self.floor_posted = 0
        self.page_paths: dict[int, list[str]] = {}

    def run(self) -> list[ScenarioResult]:
        started = time.perf_counter()
        owner = data.counselor()
        self.email, self.practice_id = owner.email, owner.practice_id
        create_floor_tables(self.env.database_url)
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
            self._count(size)
            self._measure_at(size)
        self.floor_written = written_rows(self.env.database_url)
        self._finish()
        self.dashboard.seconds = self.checkoff.seconds = (time.perf_counter() - started) / 2
        return [self.checkoff, self.dashboard]

    # --- targets -------------------------------------------------------------------------

    def _hello_targets(self) -> list[Target]:
        return [Target("GET", "/")]

    def _dashboard_targets(self, size: int) -> list[Target]:
        return [Target("GET", path) for path in self.page_paths.get(size, ["/couples"])]

    def _list_targets(self, size: int) -> list[Target]:
        """The same pages of the bare list page (same query string: page number or keyset)."""
        paths = self.page_paths.get(size, ["/couples"])
        practice = f"practice={self.practice_id}"
        return [
            Target("GET", f"{path}&{practice}" if "?" in path else f"{path}?{practice}")
            for path in paths
        ]

    def _checkoff_targets(self) -> list[Target]:
        return [
            Target("POST", f"/p/{token}/steps/{aid}/done", f"checkin_key=link:{aid}:b{{n}}&when=0")
            for token, aid in self.links
        ]

    def _write_targets(self) -> list[Target]:
        return [
            Target("POST", f"/p/{floor_token(n)}/done", f"checkin_key=floor:{n}:{{n}}&when=0")
            for n in range(FLOOR_LINKS)
        ]

    def _warm_up(self) -> None:
        if not self.plan.quick:
            for server, targets in (
                (self.servers.hello, self._hello_targets()),
                (self.servers.write, self._write_targets()),
                (self.servers.bare_list, self._list_targets(0)),
                (self.servers.project, self._checkoff_targets()),
            ):
                _load(server, targets, 1)
        _load(self.servers.project, [Target("GET", "/couples")], 1, headers=self._cookie())

    def _cookie(self) -> dict[str, str]:
        return {"Cookie": self.cookie}

    # --- statements and the repeat view, in-process ------------------------------------------

    def _logged_in_client(self):
        client = self.app.test_client()
        client.post("/login", data={"email": self.email, "password": factories.PASSWORD})
        return client

    def _count(self, size: int) -> None:
        client = self._logged_in_client()
        pages = max(1, math.ceil(size / PER_PAGE))
        self.page_paths[size] = page_links(client, "/couples", pages)  # warms, too
        second = self.page_paths[size][min(1, len(self.page_paths[size]) - 1)]
        with count_statements() as counter:
            assert client.get(second).status_code == 200
        self.page_statements[size] = counter.count
        self.repeat_ok[size], self.repeats[size] = conditional_repeat(client, second)
        db.session.remove()
        token, aid = self.links[0]
        self.post_statements[size] = statements_per_post(
            self.app.test_client(), f"/p/{token}/steps/{aid}/done", f"link:{aid}:count{size}"
        )
        db.session.remove()

    # --- load ------------------------------------------------------------------------------

    def _measure_at(self, size: int) -> None:
        """Round by round, each floor just before the project's path it is the floor of:
        hello (information), the bare list page, the couples page, the bare write, the
        check-off POST. Away from the sizes that judge a target, the project's paths only."""
        main = size == self.plan.web_main
        listed = size in self.plan.web_list_sizes
        # Longer runs where a path's target is judged; hello (information) and the paths'
        # growth points elsewhere get the short ones.
        long, short = self.plan.web_seconds, self.plan.web_size_seconds
        page_seconds = long if listed else short
        post_seconds = long if main else short
        hello, floor_list, page, write, post = (Figure("req/s") for _ in range(5))
        write_p99, post_p99 = Figure("ms"), Figure("ms")
        page_ms, post_ms = Figure("ms"), Figure("ms")
        page_mib, post_mib = Figure("MiB"), Figure("MiB")
        for _ in range(self.plan.rounds):
            if main:
                hello.add(_load(self.servers.hello, self._hello_targets(), short).load.rate)
            if listed:
                run = _load(self.servers.bare_list, self._list_targets(size), page_seconds)
                _no_errors("bare list page", run)
                floor_list.add(run.load.rate)
            run = _load(
                self.servers.project,
                self._dashboard_targets(size),
                page_seconds,
                headers=self._cookie(),
            )
            _no_errors("dashboard", run)
            page.add(run.load.rate)
            page_ms.add(1000 / run.load.rate)
            page_mib.add(run.peak_mib)
            if main:
                run = _load(self.servers.write, self._write_targets(), post_seconds)
                _no_errors("bare write", run)
                self.floor_posted += run.load.requests
                write.add(run.load.rate)
                write_p99.add(run.load.p99_ms)
            before = data.checkin_count()
            run = _load(self.servers.project, self._checkoff_targets(), post_seconds)
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
        where = f"{size:,} couples"
        if listed:
            self.dashboard.checks.append(
                Check.ratio_at_least(
                    "dashboard", f"throughput vs bare list page, {where}, 50/page", page,
                    floor_list, paired_ratios(page, floor_list), PAGE_VS_LIST,
                )
            )  # fmt: skip
        if main:
            self.checkoff.checks += [
                Check.ratio_at_least(
                    "check-off", f"throughput vs bare write, {where}", post, write,
                    paired_ratios(post, write), POST_VS_WRITE,
                ),
                Check.ratio_at_most(
                    "check-off", "p99 latency vs bare write's p99", post_p99, write_p99,
                    paired_ratios(post_p99, write_p99), POST_P99_VS_WRITE,
                ),
                Check.informational_ratio(
                    "check-off", "throughput vs hello-world (information, no target)", post,
                    hello, paired_ratios(post, hello),
                ),
            ]  # fmt: skip

    # --- wrapping up -----------------------------------------------------------------------

    def _finish(self) -> None:
        sizes = self.plan.web_sizes
        named = " / ".join(f"{s:,}" for s in sizes)
        pages = [self.page_statements[s] for s in sizes]
        self.dashboard.checks.append(
            Check(
                "dashboard", f"SQL statements per page at {named} couples",
                " / ".join(str(c) for c in pages), "1 (bare list page)", None,
                f"≤ {PAGE_STATEMENTS}, constant",
                len(set(pages)) == 1 and max(pages) <= PAGE_STATEMENTS,
            )
        )  # fmt: skip
        repeat_sizes = [s for s in sizes if s in self.plan.web_list_sizes] or list(sizes)
        self.dashboard.checks.append(
            Check(
                "dashboard", "repeat view with If-None-Match, nothing changed",
                "; ".join(f"{s:,}: {self.repeats[s]}" for s in repeat_sizes), "–", None,
                "ETag sent, 304",
                all(self.repeat_ok[s] for s in repeat_sizes),
            )
        )  # fmt: skip
        posts = [self.post_statements[s] for s in sizes]
        self.checkoff.checks.append(
            Check(
                "check-off", f"SQL statements per POST at {named} couples",
                " / ".join(p.text() for p in posts), "2 + COMMIT (bare write)", None,
                f"≤ {POST_STATEMENTS} + COMMIT",
                all(p.statements <= POST_STATEMENTS and p.commits <= 1 for p in posts),
            )
        )  # fmt: skip
        self.checkoff.facts.append(
            f"every POST recorded a check-in: {self.recorded:,} check-ins for {self.posted:,} "
            "answered POSTs (all 302, no errors; wrk leaves the last request of each "
            "connection uncounted); the bare write stored "
            f"{self.floor_written:,} rows for {self.floor_posted:,} answered POSTs"
        )
        self.checkoff.facts.append(
            f"load: {len(self.links)} partner links round-robin, a new checkin_key per request; "
            f"the bare write: {FLOOR_LINKS} tokens round-robin, a new key per request"
        )
        self.checkoff.facts.append(
            "statements of one POST counted in-process (tests/support/helpers.py "
            f"count_statements; SAVEPOINTs aside), COMMITs apart: {posts[-1].text()}"
        )
        if self.plan.quick:
            return  # profiles are for the full run
        if any(not c.met for c in self.dashboard.checks):
            self.dashboard.profile = self._profile_dashboard()
        if any(not c.met for c in self.checkoff.checks):
            self.checkoff.profile = self._profile_checkoff()

    def _profile_dashboard(self) -> str:
        client = self._logged_in_client()
        paths = self.page_paths[self.plan.web_main]
        path = paths[min(1, len(paths) - 1)]
        summary = profile(lambda: client.get(path), calls=30)
        db.session.remove()
        return f"in-process, GET {path} ×30\n" + summary

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
    servers = make_servers(env)
    try:  # one that will not start stops those started before it
        for server in servers.all():
            server.start()
        return WebBench(env, app, plan, servers).run()
    finally:
        for server in servers.all():
            server.stop()
