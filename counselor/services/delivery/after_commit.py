"""Handing work to Celery only once the transaction that created it has committed.

A worker must never look for a row the web has not committed yet, and a rolled-back
change must start no task. Services call ``send_after_commit`` (one task) or
``batch_after_commit`` (items gathered over the transaction, sent in chunks — e.g. emails,
one SMTP connection per chunk). A broker that is down costs a logged warning, never a
failed request: the beat sweeps catch up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from counselor.extensions import db

log = logging.getLogger(__name__)

PENDING = "counselor.tasks_after_commit"


@dataclass
class _Pending:
    single: list[tuple[str, tuple, dict]] = field(default_factory=list)
    batches: dict[str, tuple[int, list]] = field(default_factory=dict)


def _pending() -> _Pending:
    return db.session.info.setdefault(PENDING, _Pending())


def send_after_commit(
    task_name: str, *args: object, countdown: float | None = None, argsrepr: str | None = None
) -> None:
    """One task, ``countdown`` seconds after the commit when given (a retry's wake-up).
    ``argsrepr`` stands in for arguments that must not be shown wherever Celery shows
    them (message headers, the worker's log records, events, monitors)."""
    options: dict[str, object] = {}
    if countdown is not None:
        options["countdown"] = countdown
    if argsrepr is not None:
        options["argsrepr"] = argsrepr
    _pending().single.append((task_name, args, options))


def batch_after_commit(task_name: str, items: list, chunk_size: int) -> None:
    _chunk, gathered = _pending().batches.setdefault(task_name, (chunk_size, []))
    gathered.extend(items)


def install(app: Flask) -> None:
    session = db.session
    if not event.contains(session, "after_commit", _send_pending):
        event.listen(session, "after_commit", _send_pending)
        event.listen(session, "after_rollback", _forget_pending)


def _send_pending(session: Session) -> None:
    pending: _Pending | None = session.info.pop(PENDING, None)
    if pending is None:
        return
    calls = list(pending.single)
    for task_name, (chunk, items) in pending.batches.items():
        calls.extend((task_name, (items[i : i + chunk],), {}) for i in range(0, len(items), chunk))
    celery = current_app.extensions["celery"]
    for task_name, args, options in calls:
        try:
            celery.send_task(task_name, args=list(args), **options)
        except Exception:
            log.warning("broker unreachable; %s waits for its sweep", task_name)


def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING, None)
