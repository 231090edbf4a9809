"""Email delivery tasks: the retry policy lives here (sending: services/delivery/mail.py)."""

from __future__ import annotations

import random

from celery import shared_task
from flask import current_app

from counselor import task_names
from counselor.services.delivery import mail

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


def retry_delay(attempts: int) -> float:
    """Exponential backoff with full jitter: 30 s, 60 s, 120 s … capped at an hour."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security


@shared_task(name=task_names.DELIVER_EMAILS)
def deliver_emails(email_ids: list[int]) -> None:
    """Send these outbox rows over one connection; temporary failures come back later."""
    report = mail.deliver_emails(email_ids, retry_delay)
    for email_id, delay in report.retry:
        # The row holds its due time; this wakes a worker then (the beat sweep is the backstop).
        deliver_emails.apply_async(args=[[email_id]], countdown=delay)


@shared_task(name=task_names.DELIVER_DUE_EMAILS)
def deliver_due_emails() -> int:
    """Beat's safety net: what was never handed to a worker (broker down) or was left
    half-sent by a worker that died is sent here, in chunks of MAIL_BATCH_SIZE."""
    chunk = current_app.config["MAIL_BATCH_SIZE"]
    ids = mail.due_email_ids(limit=chunk * 10)
    for start in range(0, len(ids), chunk):
        deliver_emails.delay(ids[start : start + chunk])
    return len(ids)
