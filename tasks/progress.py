"""Nightly progress compilation: the retry policy lives here, the work in
counselor.services.progress.compile."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import sqlalchemy as sa
from celery import shared_task

from counselor import task_names
from counselor.services.progress import adaptive_cadence, reminder_effect
from counselor.services.progress import compile as progress_compile


@shared_task(
    name=task_names.COMPILE_PROGRESS,
    # Safe to retry: a run replaces its couples' window rows, so a second one writes the
    # same (and a retried changed-only run finds the same changes: the first rolled back).
    autoretry_for=(sa.exc.OperationalError,),
    retry_backoff=60,
    max_retries=3,
)
def compile_progress(
    since: str | None = None, weeks: int = 12, only_changed: bool = True
) -> dict[str, object]:
    """Recompute the weekly snapshots of the active or paused couples whose data changed
    since the last run (every one when the week rolled over, or with ``only_changed``
    false, or from ``since``, an ISO date). Then, in the same transaction, the
    reminder-effect snapshots and the adaptive cadence (both replace or skip what a first
    run wrote, so a retry is harmless)."""
    result = progress_compile.compile_progress(
        since=date.fromisoformat(since) if since else None,
        weeks=weeks,
        only_changed=only_changed,
    )
    summary = asdict(result)
    summary["first_week"] = result.first_week.isoformat() if result.first_week else None
    summary["reminder_effects"] = reminder_effect.compile_reminder_effects()
    summary["cadence_lowered"] = len(adaptive_cadence.lower_unheeded())
    return summary
