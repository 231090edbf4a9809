"""Beat-driven housekeeping: what is kept only for a while is deleted when its time is up."""

from __future__ import annotations

from celery import shared_task

from counselor import task_names
from counselor.services import idempotency, retention


@shared_task(name=task_names.PURGE_IDEMPOTENCY_RECORDS)
def purge_idempotency_records() -> int:
    """Hourly: every practice's idempotency records past ``IDEMPOTENCY_TTL_HOURS`` (a claim
    purges only its own practice's, and a practice may stop calling the API)."""
    return idempotency.purge_expired_everywhere()


@shared_task(name=task_names.PURGE_RETAINED_DATA)
def purge_retained_data() -> dict[str, dict[str, int]]:
    """Nightly: each practice's retention purge (services/retention.py), each practice in
    its own scope and unit of work. Returns the counts per practice id, ids and numbers
    only."""
    return {
        str(practice_id): vars(counts)
        for practice_id, counts in retention.purge_everywhere().items()
    }
