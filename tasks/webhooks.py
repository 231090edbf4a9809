"""Webhook delivery tasks: the retry policy lives here, the delivering in
counselor.services.delivery.webhooks."""

from __future__ import annotations

import random

from celery import shared_task

from counselor import task_names
from counselor.services.delivery import webhooks

BACKOFF_BASE_SECONDS = 60
BACKOFF_FACTOR = 3
BACKOFF_MAX_SECONDS = 6 * 3600
SWEEP_LIMIT = webhooks.DELIVERY_CHUNK * 10


def retry_delay(attempts: int) -> float:
    """Exponential backoff with full jitter: a random wait up to 1, 3, 9, 27 … minutes,
    capped at six hours, so receivers coming back up are not hit by every sender at once.
    With WEBHOOK_MAX_ATTEMPTS = 8, retries spread over several hours."""
    ceiling = min(
        BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** max(0, attempts - 1)
    )
    return random.uniform(0, ceiling)  # noqa: S311 - jitter, not security


@shared_task(name=task_names.DELIVER_WEBHOOKS)
def deliver_webhooks(delivery_ids: list[int]) -> None:
    """Attempt these deliveries; the ones that failed come back after their delay."""
    report = webhooks.deliver_webhooks(delivery_ids, retry_delay)
    for delivery_id, delay in report.retry:
        # The row holds its due time; this wakes a worker then (the beat sweep is the backstop).
        deliver_webhooks.apply_async(args=[[delivery_id]], countdown=delay)


@shared_task(name=task_names.DELIVER_DUE_WEBHOOKS)
def deliver_due_webhooks() -> int:
    """Beat's safety net: deliveries never handed to a worker (broker down), whose wake-up
    was lost, or left half-sent by a worker that died, in chunks."""
    ids = webhooks.due_delivery_ids(limit=SWEEP_LIMIT)
    chunk = webhooks.DELIVERY_CHUNK
    for start in range(0, len(ids), chunk):
        deliver_webhooks.delay(ids[start : start + chunk])
    return len(ids)
