"""A partner asks for a fresh link (/links/new), or a counselor for a new password
(/login/forgot): the lookup of the address, off the request, so that the request's answer
and time are the same for any address (counselor/services/couples/links.py,
``request_link``; counselor/services/accounts/account_links.py,
``request_password_reset``)."""

from __future__ import annotations

import sqlalchemy as sa
from celery import shared_task

from counselor import task_names
from counselor.services.accounts import account_links
from counselor.services.delivery import notifications


@shared_task(
    name=task_names.REQUEST_LINK,
    # Safe to retry: a second run joins the link email the first one queued.
    autoretry_for=(sa.exc.OperationalError,),
    retry_backoff=5,
    max_retries=3,
)
def request_link(address: str) -> None:
    """Queue a link email for each active partner with this address; for an address not
    on file, do nothing — no row, no log line. Returns nothing, so the worker's log of
    the task's result carries nothing either; the address itself is never logged."""
    notifications.request_fresh_link(address)


@shared_task(
    name=task_names.REQUEST_PASSWORD_RESET,
    # Safe to retry: a second run queues a second email, whose link retires the first's.
    autoretry_for=(sa.exc.OperationalError,),
    retry_backoff=5,
    max_retries=3,
)
def request_password_reset(address: str) -> None:
    """Queue a reset email for the active, joined counselor with this address; for any
    other address, do nothing — no row, no log line. Returns nothing, and never logs the
    address."""
    account_links.queue_password_reset(address)
