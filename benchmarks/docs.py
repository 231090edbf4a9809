"""docs/benchmarks.md: machine, versions, date, the table, growth, and for every missed
target its ratio, the profile that shows why, and what it would take."""

from __future__ import annotations

from pathlib import Path

from benchmarks.results import ScenarioResult, growth_tables, table, user_table
from tests.support.processes import ROOT

DOC = ROOT / "docs" / "benchmarks.md"
CAPACITY_RESULT = ROOT / "benchmarks" / "output" / "capacity.md"
CAPACITY_HEADING = "## Capacity"

# Why a scenario misses and what it would take: read from its profile (kept short; the
# profile printed under it is from the same run).
ANALYSIS: dict[str, str] = {
    "check-off": """\
Why: the floor, the bare write, sends two statements and the COMMIT — the token's hash
looked up by its unique index, one INSERT — from a Flask view without forms, sessions or
an ORM. The statements row above shows what one mark-done POST sends, counted in-process
as the tests count them; each one is a round trip to the database and its SQLAlchemy work
inside a sync worker, on top of what the floor does not do (the link's rules, the form, the
audit row, the webhook look-up, the redirect). The profile below is of the POST as it is in
this run; nothing grows with the data (the growth row). The hello-world row is there for
context only: the issue dropped the old "≥ 0.4× hello" target, since a request that writes
and commits cannot reach it here (the bare write itself reaches only about a third of
hello's rate).""",
    "dashboard": """\
Why: the floor, the bare list page, reads its 50 couples with their partners, this week's
figures, last check-in and next session in ONE SELECT and fills a minimal template; the
statements row above shows how many the project's page sends (counted in-process, as the
tests count them), and the profile below where a page's time goes in this run: the queries,
building the rows (ORM objects, each partner's week by the week rules), and Jinja with the
full layout. A page that sends an ETag lets a repeat view of an unchanged list answer 304
without rendering (the If-None-Match row); wrk's load does not send If-None-Match, so the
throughput rows are full renders.""",
    "reminder fan-out": """\
Why: the worker composes each email on its own: `reason_not_to_send` (2 queries),
`_partner_email` (the partner with couple and practice, 2 new links and a COMMIT so the
links exist before the email), `client_view.partner_homework` (4 queries), 2 Jinja
templates, the send, and a COMMIT for the row's status — about 10 statements and 2
commits per email, against a raw `sendmail` for the floor. SMTP itself is ~15% of the
worker's time. Connections (one per chunk) and worker memory (flat) are as intended.
What it would take: compose per chunk, not per email — load the chunk's partners,
couples, practices, open steps and this week's counts in a few set-based queries (the
planner has computed them already), insert the chunk's links with one executemany and
one commit before sending, and record sent rows in a few UPDATEs per chunk (keeping the
claim/lease bookkeeping); ~1–2 ms per email would reach half the floor's rate with 2
workers.""",
    "progress": """\
Why: the floor only reads (one GROUP BY, rows fetched); `compile_progress` also writes
the window back — 24 partner-weeks and 48 step-weeks per couple — and ~60% of its time
is `_replace_window`: the two INSERTs go through SQLAlchemy's ORM executemany
(`_collect_insert_commands`, per-row parameter processing) for ~144,000 rows at 2,000
couples. Another ~30% is the week rules in Python (`partner_rows` → `assignment_week`,
`done_in_week`). The statement count is constant and time grows linearly; memory grows
linearly too, about 100 KiB per couple (all rows are built as dicts before the insert).
What it would take: write with PostgreSQL COPY (psycopg `cursor.copy`) or Core
`insert()` on the connection instead of the ORM path, insert per chunk of couples (which
also keeps memory flat), and compute done/target per week in SQL (`INSERT … SELECT …
GROUP BY` over a series of weeks) so Python only applies the streak and signal rules. ≤
2× a read-only GROUP BY needs the write to cost about as much as the read, i.e.
set-based SQL end to end.""",
    "report": """\
Why: rendering alone is within target (data building excluded). Building the data adds
15–20 ms of queries for one couple (the couple, steps with rungs, day counts, comforts,
reflections with their steps), which puts "included" right at 2× a floor that builds
nothing: it passes or misses from run to run. Most render time is ReportLab in pure
Python: the profile shows its slow fallbacks (`rl_accel._py_fp_str`,
`_py_asciiBase85Encode`, `_py_instanceStringWidthTTF`) because the `rl-accel` C
accelerator is not installed. The 2-process batch scales by less than 1.6×: the CPU line
under the profile shows each of the two pool processes busy only about half the time
(the single process about two thirds), because they share the 2 cores with PostgreSQL
(each report's queries), the planner's poller, Redis, and the "report ready" emails the
same workers deliver. What it would take: a machine with more cores than worker
processes (or the database elsewhere) for the batch target; `rl-accel` in the
dependencies and the report's queries folded into two or three for the single-report
one.""",
}

METHOD = """\
- Every figure is the median of 5 runs, shown with its min–max and n. A scenario runs its
  floor first, then the project's path, round by round (interleaved), and each ratio is
  the median of the per-round ratios project ÷ floor, so machine noise hits both alike.
- HTTP: gunicorn, 2 sync workers, for the project and for every floor, on the same
  database; load from wrk (2 threads, 4 connections) in its own process on 127.0.0.1,
  each run bounded by a duration and a request count. Sync workers close each connection.
- Web floors that do the same durable work (benchmarks/floor_apps.py): *bare write* —
  `POST /p/<token>/done` hashes the token, looks the hash up by its unique index in a table
  of 50 token hashes (as `client_links`), INSERTs one row with a unique idempotency key
  (as `checkins`) and COMMITs; it is check-off's floor, replacing the bare one-row UPDATE.
  *Bare list page* — one SELECT of a page of 50 couples of the practice with their
  partners from the project's own `couples` and `partners` tables (same sort,
  `lower(label)` then id, OFFSET paging as the project), each partner's check-ins this
  week and weekly target, the couple's last check-in day and next session as correlated
  subqueries, rendered by a minimal Jinja template; it is the couples page's floor at
  2,000 and 10,000 couples. The same pages are requested of both, round-robin.
- Hello-world is measured for information only (no target): the issue dropped the old
  "≥ 0.4× hello" target for a committing request, since the bare one-row write itself
  reaches only about 0.3× hello on this machine.
- Statements: one request in-process through the same app, counted by
  tests/support/helpers.py `count_statements` (as the tests count them: every statement
  the app sends, SAVEPOINTs aside), after one warm-up request; COMMITs are counted apart
  (the engine's commit event). The repeat-view row GETs page 1, then GETs it again with
  If-None-Match set to its ETag: met when the page sends an ETag and the repeat is a 304.
- Memory: for in-process work, each run is a forked child whose peak RSS growth is read
  from `/proc/self/status` (VmHWM after `clear_refs`); for servers and workers, the peak
  RSS of their worker processes during the run, and their RSS sampled over the run.
- Growth exponent b: time (or memory) ∝ size^b between the smallest and largest size;
  b ≤ 1.15 counts as linear or better. For per-request scenarios the time is ms per
  request (1/throughput), so b ≈ 0 means the request does not slow down with the data.
- Data: the project's factories (practice, counselor) and Core bulk inserts of couples,
  partners, steps, check-ins and sessions, as the project's own tests build them.
- Where a user sees speed (benchmarks/make_run.py, scenario_first_use.py): the code is
  copied to a scratch folder (so that its instance folder is fresh; compiled bytecode
  kept, as in a checkout that has run before) and started as `make run` starts it: `flask
  init`, `flask seed-demo --if-empty`, then `scripts/procfile.py Procfile` (gunicorn and
  the three Celery workers, beat included) with the `run` target's environment and no
  `COUNSELOR_*` setting — SQLite and the filesystem broker. Start-up is timed from the
  first command to the first `/couples` page answering 200 after the demo login (a new
  instance each time); the first page's own time is that GET's. The report is timed in
  Chromium (headless, driven by Playwright) on the last start-up's stack: from the click
  on *Prepare report now* on a couple's page (one with a next session) to its *Download
  PDF* button for the new report; the page does not refresh itself, so it is reloaded
  every 0.5 s as a waiting user would. The machine's other work shows in these figures as
  in every other; they have no floor.
"""


def capacity_section() -> list[str]:
    """The last `make bench-capacity` result (benchmarks/output/capacity.md), its headings
    one level down, so that docs/benchmarks.md keeps it whichever of the two ran last."""
    source = CAPACITY_RESULT
    if not source.exists():
        return ["", CAPACITY_HEADING, "", "`make bench-capacity` has not been run on this machine."]
    lines = source.read_text().splitlines()
    return ["", *("#" + line if line.startswith("#") else line for line in lines)]


def write(results: list[ScenarioResult], machine: dict[str, str], elapsed: float) -> Path:
    parts = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks run`); `make bench-quick` runs "
        "the same scenarios at small sizes and prints the table only.",
        "",
        *(f"- **{key}**: {value}" for key, value in machine.items()),
        f"- **full run**: {elapsed:.0f} s",
        "",
        "## Targets",
        "",
        table(results),
        "",
        "## How time and memory grow",
        "",
        growth_tables(results),
        "",
        "## Where a user sees speed",
        "",
        "What a user waits for on the stack `make run` starts: no floor and no target "
        "(see Method).",
        "",
        user_table(results) or "Not measured in this run.",
        "",
        "## What else was checked",
        "",
    ]
    for result in results:
        for fact in result.facts:
            parts.append(f"- {result.name}: {fact}")
    parts += ["", "## Targets not met", ""]
    missed_any = False
    for result in results:
        if not result.missed:
            continue
        missed_any = True
        parts.append(f"### {result.name}")
        parts.append("")
        for check in result.missed:
            parts.append(
                f"- **{check.what}**: measured {check.ratio_text if check.ratio else check.project}"
                f", target {check.target}."
            )
        parts.append("")
        if result.name in ANALYSIS:
            parts += [ANALYSIS[result.name], ""]
        if result.profile:
            parts += ["Profile:", "", "```", result.profile, "```", ""]
    if not missed_any:
        parts.append("None: every target is met.")
    parts += ["", "## Method", "", METHOD, *capacity_section()]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text("\n".join(parts))
    return DOC


def refresh_capacity() -> None:
    """After `make bench-capacity`: docs/benchmarks.md's capacity section replaced by the
    new result (the rest of the file, written by `make bench`, stays as it is)."""
    if not DOC.exists():
        return
    text = DOC.read_text()
    kept = text[: text.index("\n" + CAPACITY_HEADING)] if "\n" + CAPACITY_HEADING in text else text
    DOC.write_text("\n".join([kept.rstrip("\n"), *capacity_section()]) + "\n")
