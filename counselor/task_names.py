"""The name of every Celery task, in one place.

A task is registered under its name (``@shared_task(name=...)`` in ``tasks/``), sent by
name from the web process (``send_task`` through ``counselor/services/delivery/
after_commit.py``, so services never import the worker's modules) and scheduled by name in
the beat schedule (``counselor/config.py``). All three import the name from here, so a
rename cannot leave one of them sending to a task nobody runs. The values stay what they
have always been, whatever module defines the task now (both outboxes' tasks live in
``tasks/outbox.py``): messages already waiting on a broker keep their meaning.

Each task also has its queue here (``queue_settings``): the routes in ``counselor/config.py``
and the workers' ``-Q`` in the Procfile follow it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

DELIVER_EMAILS = "tasks.mail.deliver_emails"
DELIVER_DUE_EMAILS = "tasks.mail.deliver_due_emails"
DELIVER_WEBHOOKS = "tasks.webhooks.deliver_webhooks"
DELIVER_DUE_WEBHOOKS = "tasks.webhooks.deliver_due_webhooks"
PLAN_REMINDERS = "tasks.reminders.plan_reminders"
PLAN_COUNSELOR_DIGESTS = "tasks.reminders.plan_counselor_digests"
GENERATE_REPORT = "tasks.reports.generate_report"
PREPARE_UPCOMING_REPORTS = "tasks.reports.prepare_upcoming_reports"
RETRY_STALLED_REPORTS = "tasks.reports.retry_stalled_reports"
COMPILE_PROGRESS = "tasks.progress.compile_progress"
PURGE_IDEMPOTENCY_RECORDS = "tasks.housekeeping.purge_idempotency_records"
PURGE_RETAINED_DATA = "tasks.housekeeping.purge_retained_data"
REQUEST_LINK = "tasks.links.request_link"
REQUEST_PASSWORD_RESET = "tasks.links.request_password_reset"  # noqa: S105 - a task's name


class Queue(StrEnum):
    """The queues tasks wait in. Kinds of work wait apart, each taken by workers of its own
    (Procfile): a receiver that answers slowly holds only webhook workers, a long render
    only report workers, and partners' emails still leave."""

    DEFAULT = "default"  # planners, sweeps, the nightly compile: short database work
    MAIL = "mail"
    WEBHOOKS = "webhooks"
    REPORTS = "reports"


_QUEUE_OF = {
    DELIVER_EMAILS: Queue.MAIL,
    REQUEST_LINK: Queue.MAIL,  # a partner asked for their link: mail's latency is theirs
    REQUEST_PASSWORD_RESET: Queue.MAIL,  # as for a partner's link: someone is waiting
    DELIVER_WEBHOOKS: Queue.WEBHOOKS,
    GENERATE_REPORT: Queue.REPORTS,
    # A sweep only hands rows over: it waits with the planners, never behind a delivery.
    DELIVER_DUE_EMAILS: Queue.DEFAULT,
    DELIVER_DUE_WEBHOOKS: Queue.DEFAULT,
    PLAN_REMINDERS: Queue.DEFAULT,
    PLAN_COUNSELOR_DIGESTS: Queue.DEFAULT,
    PREPARE_UPCOMING_REPORTS: Queue.DEFAULT,
    RETRY_STALLED_REPORTS: Queue.DEFAULT,
    COMPILE_PROGRESS: Queue.DEFAULT,
    PURGE_IDEMPOTENCY_RECORDS: Queue.DEFAULT,
    PURGE_RETAINED_DATA: Queue.DEFAULT,
}


def queue_settings(prefix: str = "") -> dict[str, Any]:
    """Celery's queue settings: every queue declared (a worker without ``-Q`` takes them
    all), every task routed by its name. ``prefix`` gives tests queues of their own on a
    shared broker; the app's queues have none."""
    return {
        "task_default_queue": f"{prefix}{Queue.DEFAULT.value}",
        "task_queues": {f"{prefix}{queue.value}": {} for queue in Queue},
        "task_routes": {
            name: {"queue": f"{prefix}{queue.value}"} for name, queue in _QUEUE_OF.items()
        },
    }
