"""Pre-session report tasks: thin wrappers over counselor.services.reports.pre_session."""

from __future__ import annotations

from celery import shared_task

from counselor import task_names
from counselor.services.reports import pre_session


@shared_task(name=task_names.GENERATE_REPORT)
def generate_report(report_id: int) -> str:
    """Render and store one report; running it twice leaves one ready report."""
    return pre_session.generate_report(report_id).status.value


@shared_task(name=task_names.PREPARE_UPCOMING_REPORTS)
def prepare_upcoming_reports() -> int:
    """Beat: a report for every session inside its practice's lead time, once per data."""
    return len(pre_session.prepare_upcoming_reports())


@shared_task(name=task_names.RETRY_STALLED_REPORTS)
def retry_stalled_reports() -> int:
    """Beat: reports whose worker died mid-render go to a worker again (a few times)."""
    return len(pre_session.retry_stalled_reports())
