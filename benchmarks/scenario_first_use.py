"""Where a user sees speed, on the stack `make run` starts (benchmarks/make_run.py):

- start-up: from the first command of `make run` on a fresh instance folder (SQLite, the
  filesystem broker) to the first dashboard page answering 200 after the demo login, and
  that first page's own time; ``startup_runs`` times, each on a fresh instance;
- a report: in a real browser (Playwright, Debian's Chromium, headless), from pressing
  *Prepare report now* on a couple's page to its *Download PDF* button appearing there,
  with the real Celery workers of that stack; ``report_runs`` times on the last start-up.
  The couple page shows a pending report as "Being prepared" and does not refresh itself,
  so the browser reloads it every ``POLL_SECONDS`` as a waiting user would (unless the
  page carries a meta refresh, which is then left to do it).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
import time
from datetime import datetime

from flask import Flask

from benchmarks.env import BenchEnv
from benchmarks.make_run import MakeRun, StartUp, copy_code
from benchmarks.measure import Figure
from benchmarks.plan import Plan
from benchmarks.results import ScenarioResult, UserFigure
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, log_in

POLL_SECONDS = 0.5
REPORT_TIMEOUT = 120
DOWNLOAD = re.compile(r"/reports/(\d+)/pdf")


def run_first_use(env: BenchEnv, app: Flask, plan: Plan) -> ScenarioResult:
    """The scenario; a failure (the stack would not start, the report never came) is
    reported as the scenario's row (its log's end printed), and the other scenarios'
    results are still written."""
    result = ScenarioResult("make run")
    try:
        return _measure(env, plan, result)
    except Exception as error:  # reported in the table and here, not swallowed
        logs = sorted(env.workdir.glob("make-run-*.log"))
        tail = logs[-1].read_text(errors="replace").splitlines()[-30:] if logs else []
        print(f"[bench] make run failed: {error}", *tail, sep="\n", file=sys.stderr, flush=True)
        result.skipped = f"failed: {str(error).splitlines()[0][:200]}"
        return result


def _measure(env: BenchEnv, plan: Plan, result: ScenarioResult) -> ScenarioResult:
    started = time.perf_counter()
    root = copy_code(env.workdir / "make-run")
    stacks: list[MakeRun] = []
    total, init, seed, serving, workers = (Figure("s") for _ in range(5))
    first_page, warm, login = Figure("ms"), Figure("ms"), Figure("ms")
    try:
        for n in range(plan.startup_runs):
            stack = MakeRun(root, env.workdir / f"make-run-{n}.log")
            stacks.append(stack)
            times: StartUp = stack.start()
            total.add(times.dashboard)
            first_page.add(times.first_page * 1000)
            warm.add(times.warm_page * 1000)
            login.add(times.login * 1000)
            init.add(times.init)
            seed.add(times.seeded - times.init)
            serving.add(times.serving - times.seeded)
            workers.add(times.workers_ready)
            if n < plan.startup_runs - 1:
                stack.stop()
        result.user_figures += [
            UserFigure(
                "start-up", "`make run` on a fresh instance → first dashboard page 200 "
                "after login", total,
            ),
            UserFigure("start-up", "that first dashboard page's own time", first_page),
            UserFigure("start-up", "the same page again (warm)", warm),
        ]  # fmt: skip
        result.facts.append(
            f"start-up, by step: `flask init` {init.text()}; `flask seed-demo` {seed.text()}; "
            f"procfile.py → GET /login 200 {serving.text()}; the login POST {login.text()}; "
            f"every Celery worker ready (from the first command) {workers.text()}"
        )
        _reports(stacks[-1], plan, result)
    finally:
        for stack in stacks:
            stack.stop()
        shutil.rmtree(root, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result


def _reports(stack: MakeRun, plan: Plan, result: ScenarioResult) -> None:
    if not shutil.which(CHROMIUM):
        result.facts.append(f"report in a browser: skipped, no Chromium at {CHROMIUM}")
        return
    from playwright.sync_api import sync_playwright

    seen = Figure("s")
    ids: list[int] = []
    reloads = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                base_url=stack.url, viewport={"width": 1280, "height": 900}
            )
            page = context.new_page()
            page.set_default_timeout(60_000)
            log_in(page, stack.email, stack.password)
            couple_path = _couple_with_next_session(page)
            for _ in range(plan.report_runs):
                seconds, report_id, reloaded = _prepare_and_wait(page, couple_path)
                seen.add(seconds)
                ids.append(report_id)
                reloads += reloaded
        finally:
            browser.close()
    stages = _report_stages(stack, ids)
    result.user_figures.append(
        UserFigure("report", "*Prepare report now* pressed → *Download PDF* shown (browser)", seen)
    )
    result.facts.append(
        f"report, by step (from the reports table): request → render started "
        f"{stages[0].text()}; render → ready {stages[1].text()}; the rest is the redirect, "
        f"the page's reloads every {POLL_SECONDS} s ({reloads} in all) and their rendering"
    )
    result.facts.append(
        "report: each run on the same couple, one after the other; the first is the "
        f"reports worker's first render since it started: {seen.samples[0]:.2f} s"
    )


def _couple_with_next_session(page) -> str:
    """The first couple on the list whose page has a next session (its report shows there)."""
    hrefs = page.locator("table.couples th a").evaluate_all("els => els.map(e => e.href)")
    for href in hrefs:
        page.goto(href)
        if page.locator("#next-session .next-when").count():
            return href
    raise RuntimeError("no demo couple has a next session")


def _download_ids(page) -> list[int]:
    hrefs = page.locator("#next-session a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    return [int(m.group(1)) for h in hrefs if h and (m := DOWNLOAD.search(h))]


def _prepare_and_wait(page, couple_path: str) -> tuple[float, int, int]:
    """Seconds from the press to the new report's button, its id, and the reloads."""
    page.goto(couple_path)
    before = max(_download_ids(page), default=0)
    button = page.locator("#next-session").get_by_role("button", name="Prepare report now")
    started = time.perf_counter()
    with page.expect_navigation():
        button.click()
    refreshes_itself = page.locator('meta[http-equiv="refresh" i]').count() > 0
    reloads = 0
    deadline = started + REPORT_TIMEOUT
    while True:
        fresh = [i for i in _download_ids(page) if i > before]
        if fresh:
            return time.perf_counter() - started, fresh[0], reloads
        if "The report failed" in page.locator("#next-session").inner_text():
            raise RuntimeError("the report failed (see the reports worker's log)")
        if time.perf_counter() > deadline:
            raise RuntimeError(f"no Download PDF after {REPORT_TIMEOUT} s")
        page.wait_for_timeout(POLL_SECONDS * 1000)
        if not refreshes_itself:
            page.reload()
            reloads += 1


def _report_stages(stack: MakeRun, ids: list[int]) -> tuple[Figure, Figure]:
    """Request → render started, render started → ready, per report (seconds)."""
    queued, rendered = Figure("s"), Figure("s")
    database = stack.root / "instance" / "counselor.sqlite3"
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        marks = ",".join("?" * len(ids))
        rows = connection.execute(
            f"SELECT created_at, render_started_at, generated_at FROM reports "  # noqa: S608
            f"WHERE id IN ({marks})",
            ids,
        ).fetchall()
    for created, render_started, generated in rows:
        if not (created and render_started and generated):
            continue
        a, b, c = (_when(v) for v in (created, render_started, generated))
        queued.add((b - a).total_seconds())
        rendered.add((c - b).total_seconds())
    return queued, rendered


def _when(value: str) -> datetime:
    return datetime.fromisoformat(str(value))
