"""Beat-driven planning: partners' reminders and counselors' Monday digests."""

from __future__ import annotations

from celery import shared_task

from counselor.services.delivery import reminders


@shared_task(name="tasks.reminders.plan_reminders")
def plan_reminders() -> int:
    """Write due reminders to the outbox; running twice (two beats) plans nothing twice."""
    return len(reminders.plan_reminders())


@shared_task(name="tasks.reminders.plan_counselor_digests")
def plan_counselor_digests() -> int:
    return len(reminders.plan_counselor_digests())
