"""Beat-driven planning: partners' reminders and counselors' Monday digests."""

from __future__ import annotations

from celery import shared_task

from counselor import task_names
from counselor.services.delivery import reminders


@shared_task(name=task_names.PLAN_REMINDERS)
def plan_reminders() -> int:
    """Write due reminders to the outbox; running twice (two beats) plans nothing twice."""
    return len(reminders.plan_reminders())


@shared_task(name=task_names.PLAN_COUNSELOR_DIGESTS)
def plan_counselor_digests() -> int:
    return len(reminders.plan_counselor_digests())
