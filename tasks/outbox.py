"""The outbox tasks: for each kind of outbox, one task that sends the rows it is handed and
one the beat runs every minute to hand over due rows. The work is the outbox engine's
(counselor/services/delivery/outbox.py); the kinds are email (mail.py) and webhook
(webhook_delivery.py)."""

from __future__ import annotations

from celery import shared_task

from counselor import task_names
from counselor.services.delivery import outbox
from counselor.services.delivery.mail import EMAILS
from counselor.services.delivery.webhook_delivery import WEBHOOKS


@shared_task(name=task_names.DELIVER_EMAILS)
def deliver_emails(email_ids: list[int]) -> None:
    """Send these emails over one SMTP connection; temporary failures come back later."""
    outbox.deliver(EMAILS, email_ids)


@shared_task(name=task_names.DELIVER_WEBHOOKS)
def deliver_webhooks(delivery_ids: list[int]) -> None:
    """Post these webhook deliveries, one at a time; failed attempts come back later."""
    outbox.deliver(WEBHOOKS, delivery_ids)


@shared_task(name=task_names.DELIVER_DUE_EMAILS)
def deliver_due_emails() -> int:
    """Emails whose moment has come (a new step or link that waited for the partner's
    quiet hours to end), never handed to a worker (the broker was down), or left behind."""
    return outbox.hand_over_due(EMAILS)


@shared_task(name=task_names.DELIVER_DUE_WEBHOOKS)
def deliver_due_webhooks() -> int:
    """Webhook deliveries never handed to a worker, or left behind by one."""
    return outbox.hand_over_due(WEBHOOKS)
