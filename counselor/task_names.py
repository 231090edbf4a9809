"""The name of every Celery task, in one place.

A task is registered under its name (``@shared_task(name=...)`` in ``tasks/``), sent by
name from the web process (``send_task`` through ``counselor/services/delivery/
after_commit.py``, so services never import the worker's modules) and scheduled by name in
the beat schedule (``counselor/config.py``). All three import the name from here, so a
rename cannot leave one of them sending to a task nobody runs. The values stay what they
have always been, whatever module defines the task now (both outboxes' tasks live in
``tasks/outbox.py``): messages already waiting on a broker keep their meaning.
"""

from __future__ import annotations

DELIVER_EMAILS = "tasks.mail.deliver_emails"
DELIVER_DUE_EMAILS = "tasks.mail.deliver_due_emails"
DELIVER_WEBHOOKS = "tasks.webhooks.deliver_webhooks"
DELIVER_DUE_WEBHOOKS = "tasks.webhooks.deliver_due_webhooks"
PLAN_REMINDERS = "tasks.reminders.plan_reminders"
PLAN_COUNSELOR_DIGESTS = "tasks.reminders.plan_counselor_digests"
GENERATE_REPORT = "tasks.reports.generate_report"
PREPARE_UPCOMING_REPORTS = "tasks.reports.prepare_upcoming_reports"
COMPILE_PROGRESS = "tasks.progress.compile_progress"
REQUEST_LINK = "tasks.links.request_link"
PURGE_IDEMPOTENCY_RECORDS = "tasks.housekeeping.purge_idempotency_records"
