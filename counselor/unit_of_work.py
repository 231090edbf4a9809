"""One unit of work per request, Celery task and CLI command.

Services add rows and flush; they never commit. The edge that called them — a request,
a task, a command — commits once when the work succeeded and rolls back when it did not,
so services can call services without committing each other's work halfway, and bad
input writes nothing. Tasks handed to Celery with ``after_commit`` leave only once that
single commit has happened (``counselor/services/delivery/after_commit.py``).

The deliberate exceptions, each an edge's own decision:

- the outbox engine (``counselor/services/delivery/outbox.py``) commits its claim on a
  row before it sends anything, and each row's result;
- the API guard (``counselor/api/guard.py``) commits an ``Idempotency-Key`` claim before
  the request runs, so that a concurrent request with the key sees it, and commits a
  refused request's audit event, which the rollback of a failed request would undo;
- the dashboard's login commits a refused login's audit event (``auth.login_failed``)
  before answering 401, which would roll it back;
- ``flask report batch`` commits each report as it is made, so a batch stopped halfway
  keeps what it finished;
- a report's render commits its start before rendering
  (``counselor/services/reports/pre_session.py``), so a worker killed mid-render leaves
  the mark by which the sweep hands the report to another.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask import Flask, Response

from counselor.extensions import db


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block did if it finished, roll it back if it raised."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def install(app: Flask) -> None:
    """A request commits when it answers with success or a redirect, and rolls back on an
    error answer (4xx/5xx: bad input, a refusal, a crash) — nothing half-done is kept.

    Blueprint hooks run before these, so the API guard can still write its audit event
    for a refused request and commit it itself (``counselor/api/guard.py``)."""

    @app.after_request
    def commit_successful_request(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def roll_back_failed_request(error: BaseException | None) -> None:
        if error is not None:
            db.session.rollback()


class UnitOfWorkCommand(click.Command):
    """A CLI command that runs as one unit of work (use ``cls=UnitOfWorkCommand``)."""

    def invoke(self, ctx: click.Context) -> Any:
        with unit_of_work():
            return super().invoke(ctx)


class UnitOfWorkGroup(click.Group):
    """A CLI group whose commands each run as one unit of work."""

    command_class = UnitOfWorkCommand
