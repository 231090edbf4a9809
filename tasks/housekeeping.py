"""Beat-driven housekeeping: what is kept only for a while is deleted when its time is up."""

from __future__ import annotations

from celery import shared_task

from counselor import task_names
from counselor.services import idempotency


@shared_task(name=task_names.PURGE_IDEMPOTENCY_RECORDS)
def purge_idempotency_records() -> int:
    """Hourly: every practice's idempotency records past ``IDEMPOTENCY_TTL_HOURS`` (a claim
    purges only its own practice's, and a practice may stop calling the API)."""
    return idempotency.purge_expired_everywhere()
