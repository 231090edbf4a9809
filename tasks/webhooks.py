"""Webhook delivery tasks: thin wrappers over the outbox engine
(counselor/services/delivery/outbox.py) for the webhook kind (webhook_delivery.py)."""

from __future__ import annotations

from celery import shared_task

from counselor import task_names
from counselor.services.delivery import outbox
from counselor.services.delivery.webhook_delivery import WEBHOOKS


@shared_task(name=task_names.DELIVER_WEBHOOKS)
def deliver_webhooks(delivery_ids: list[int]) -> None:
    """Attempt these deliveries, one POST each; the ones that failed come back later."""
    outbox.deliver(WEBHOOKS, delivery_ids)


@shared_task(name=task_names.DELIVER_DUE_WEBHOOKS)
def deliver_due_webhooks() -> int:
    """Beat, every minute: deliveries never handed to a worker, or left behind by one."""
    return outbox.hand_over_due(WEBHOOKS)
