"""Compiling progress: the nightly snapshot of every partner's weeks — history for the
digest, and the streak that ``progress.snapshots`` hands to the live figures when it
started before the weeks they read.

``compile_progress`` goes through the active and paused couples in chunks of
``COMPILE_CHUNK`` (``compile_weeks``: the database groups the check-ins by step, partner
and week; the week rules of ``progress.week_rules`` and ``progress.readiness`` decide
targets, streaks and signals in memory) and replaces each chunk's window rows in bulk
(``snapshot_writes``: COPY on PostgreSQL). The same number of SQL statements for three
couples or two thousand, and as many again for each further chunk; memory stays that of
one chunk. Each partner-week stores the streak (``week_rules.next_streak``) and the
readiness suggestion of ``progress.readiness`` as it stood that week; the current
suggestion every page shows is judged live (``week_rules.couple_readiness``).

With ``only_changed`` (the nightly task) a run redoes only the couples whose data changed
since the last run (``compile_changes`` says which, and when a run must be full), and
stores exactly the rows a full run would.

Every statement spans all practices (``tenancy.across_practices``): the compile is the
beat's (or the CLI's) job for every practice at once. It writes and flushes; the task or
command that runs it commits, once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Couple, CoupleStatus, Partner
from counselor.services.homework import ladder
from counselor.services.progress import compile_changes, readiness
from counselor.services.progress.compile_weeks import Window, compile_chunk
from counselor.services.progress.snapshot_writes import replace_rows
from counselor.tenancy import across_practices

# Closed couples keep the snapshots they had; nobody needs them recomputed.
COMPILED_STATUSES = (CoupleStatus.ACTIVE, CoupleStatus.PAUSED)
# Weeks read before the window: the first week's signal looks two weeks back.
LOOKBACK_WEEKS = readiness.JUDGED_WEEKS
PROGRESS_CHUNK = 100  # couples computed between two progress callbacks
COMPILE_CHUNK = 2000  # couples read, computed and written together
# Serialises two compilations on PostgreSQL (CLI during the nightly run): the second
# waits instead of failing on the unique constraints. SQLite serialises writers anyway.
ADVISORY_LOCK_KEY = 0x70726F67  # "prog"

ONE_WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class CompileResult:
    couples: int
    partner_weeks: int
    weekly_rows: int
    first_week: date | None
    only_changed: bool = False  # True when only the couples changed since the last run were


def couples_to_compile() -> int:
    """How many couples ``compile_progress`` goes through (for a progress bar)."""
    compiled = (
        sa.select(sa.func.count()).select_from(Couple).where(Couple.status.in_(COMPILED_STATUSES))
    )
    return db.session.scalar(across_practices(compiled)) or 0


def compile_progress(
    since: date | None = None,
    weeks: int = 12,
    on_chunk: Callable[[int], None] | None = None,
    *,
    only_changed: bool = False,
) -> CompileResult:
    """Recompute the snapshots of every active or paused couple, in every practice — or,
    with ``only_changed`` (and no ``since``), of those whose data changed since the last
    run, which leaves the same rows (``compile_changes``).

    The window is each partner's local weeks (Monday start) from the week of ``since``,
    or else the last ``weeks`` weeks, up to and including their current week. Rows of
    the window are replaced, so running it twice leaves the same rows. ``on_chunk(n)``
    is called as couples are computed, to drive a progress bar.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    _serialise_compilations()
    window = _window(since, weeks)
    ladder_changed_at = compile_changes.ladder_updated_at()
    couple_ids = _couples_in_scope()
    changed = None
    if only_changed and since is None:
        changed = _changed_since_last_run(window, ladder_changed_at)
        if changed is not None:
            couple_ids = [couple_id for couple_id in couple_ids if couple_id in changed]
    progress = _Progress(on_chunk)
    couples = partner_weeks = weekly_rows = 0
    for start in range(0, len(couple_ids), COMPILE_CHUNK):
        chunk = couple_ids[start : start + COMPILE_CHUNK]
        rows = compile_chunk(chunk, window, progress.couple_done)
        replace_rows(chunk, window.first, rows)
        couples += rows.couples
        partner_weeks += len(rows.partner)
        weekly_rows += len(rows.weekly)
    progress.flush()
    compile_changes.record_compilation(
        window.now,
        window.first,
        window.last_day,
        (window.top_rung, ladder_changed_at),
        couples,
        only_changed=changed is not None,
    )
    db.session.flush()
    return CompileResult(couples, partner_weeks, weekly_rows, window.first, changed is not None)


def _window(since: date | None, weeks: int) -> Window:
    now = timeutil.utcnow()
    zones = db.session.scalars(
        across_practices(
            sa.select(Partner.timezone)
            .distinct()
            .join(Couple, Couple.id == Partner.couple_id)
            .where(Couple.status.in_(COMPILED_STATUSES))
        )
    )
    current_week = {zone: timeutil.week_start(timeutil.local_today(zone, now)) for zone in zones}
    if since is not None:
        first = timeutil.week_start(since)
    elif current_week:
        first = min(current_week.values()) - ONE_WEEK * (weeks - 1)
    else:
        first = timeutil.week_start(now.date()) - ONE_WEEK * (weeks - 1)
    return Window(
        first=first,
        read_from=first - ONE_WEEK * LOOKBACK_WEEKS,
        last_day=max(current_week.values(), default=first) + timedelta(days=6),
        current_week=current_week,
        now=now,
        top_rung=ladder.top_rung_position(),
    )


def _changed_since_last_run(window: Window, ladder_changed_at: datetime | None) -> set[int] | None:
    """The couples changed since the last run, or None when this run must be full: no
    earlier run, or one over another window or ladder."""
    last = compile_changes.last_compilation()
    if last is None or (
        last.first_week,
        last.last_day,
        last.top_rung,
        last.ladder_updated_at,
    ) != (window.first, window.last_day, window.top_rung, ladder_changed_at):
        return None
    return compile_changes.changed_couples(last, window.now, window.current_week)


def _couples_in_scope() -> Sequence[int]:
    return db.session.scalars(
        across_practices(
            sa.select(Couple.id).where(Couple.status.in_(COMPILED_STATUSES)).order_by(Couple.id)
        )
    ).all()


class _Progress:
    """Calls ``on_chunk(n)`` every ``PROGRESS_CHUNK`` couples, and once for the rest."""

    def __init__(self, on_chunk: Callable[[int], None] | None) -> None:
        self.on_chunk = on_chunk
        self.pending = 0

    def couple_done(self) -> None:
        self.pending += 1
        if self.pending == PROGRESS_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.on_chunk is not None and self.pending:
            self.on_chunk(self.pending)
        self.pending = 0


def _serialise_compilations() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK_KEY)))
