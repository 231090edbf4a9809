"""Email delivery tasks: thin wrappers over the outbox engine
(counselor/services/delivery/outbox.py) for the email kind (mail.py)."""

from __future__ import annotations

from celery import shared_task

from counselor import task_names
from counselor.services.delivery import outbox
from counselor.services.delivery.mail import EMAILS


@shared_task(name=task_names.DELIVER_EMAILS)
def deliver_emails(email_ids: list[int]) -> None:
    """Send these outbox rows over one connection; temporary failures come back later."""
    outbox.deliver(EMAILS, email_ids)


@shared_task(name=task_names.DELIVER_DUE_EMAILS)
def deliver_due_emails() -> int:
    """Beat, every minute: emails never handed to a worker, or left behind by one."""
    return outbox.hand_over_due(EMAILS)
