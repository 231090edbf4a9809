"""Pre-session report tasks: thin wrappers over counselor.services.reports."""

from __future__ import annotations

from celery import shared_task

from counselor.services import reports


@shared_task(name="tasks.reports.generate_report")
def generate_report(report_id: int) -> str:
    """Render and store one report; running it twice leaves one ready report."""
    return reports.generate_report(report_id).status.value


@shared_task(name="tasks.reports.prepare_upcoming_reports")
def prepare_upcoming_reports() -> int:
    """Beat: a report for every session inside its practice's lead time, once per data."""
    return len(reports.prepare_upcoming_reports())
