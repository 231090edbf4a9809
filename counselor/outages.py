"""When the database can't be reached: 503 with ``Retry-After``, nothing half-written, and
the next request after it is back works again, without a restart.

A database outage is not a bug of ours, so it gets neither the 500 page nor a traceback:
the request's transaction is rolled back (PostgreSQL keeps all of it or none of it), one
line is logged — the route and the driver error's class and SQLSTATE, never its message,
the path or a SQL value — and the person sees a page saying nothing was saved and to try
again shortly; an API client gets the usual JSON error envelope (``counselor/api/errors.py``)
with code 503. Recovery needs nothing: SQLAlchemy throws away a pool's connections once
one of them is found dead, and opens new ones on the next request.

What counts as an outage: the DBAPI's ``OperationalError`` (connection refused, cut, server
restarting, a deadlock or lock timeout: all worth retrying), its ``InterfaceError`` (a
connection already closed), any DBAPI error that invalidated its connection, and the pool's
``TimeoutError`` (no connection free within ``DATABASE_POOL_TIMEOUT_SECONDS``: every
connection busy, or each attempt to open one failing).

Where it is caught: an outage error raised by a view or a ``before_request`` hook (the
login's user loader among them) reaches the class handlers below; one raised by an
``after_request`` hook (the unit of work's commit, the API guard's audit commit), or a
disconnect that the driver reported under another class, becomes a 500 first, and the 500
handler answers 503 when the 500's cause was an outage and hands every other 500 on
unchanged.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from counselor import web
from counselor.extensions import login_manager

log = logging.getLogger(__name__)

# Long enough for a database restart or a failover; short enough that nobody gives up.
RETRY_AFTER_SECONDS = 30
MESSAGE = (
    "The service can't reach its database just now, so nothing was saved. "
    "Please try again in a minute."
)
OUTAGE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def is_database_outage(error: BaseException | None) -> bool:
    if isinstance(error, OUTAGE_ERRORS):
        return True
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated


def install(app: Flask) -> None:
    """Answer database outages with 503 (after the error pages are registered: the 500
    handler found then is the one every other 500 still goes to)."""
    usual_server_error = app.error_handler_spec[None][500].get(InternalServerError)

    def database_unavailable(error: Exception) -> ResponseReturnValue:
        return answer_outage(error)

    def server_error(error: InternalServerError) -> ResponseReturnValue:
        if is_database_outage(error.original_exception):
            assert error.original_exception is not None
            return answer_outage(error.original_exception)
        if usual_server_error is not None:
            return app.ensure_sync(usual_server_error)(error)
        return _usual_http_error_answer(error)

    for error_class in OUTAGE_ERRORS:
        app.register_error_handler(error_class, database_unavailable)
    app.register_error_handler(500, server_error)


def answer_outage(error: BaseException) -> ResponseReturnValue:
    """Roll back, log one line, and answer 503 as the request's part of the app answers
    errors: the API's JSON envelope under /api/v1, the error page elsewhere."""
    web.roll_back_failed_request()
    # The page is drawn for nobody: who is logged in can't be looked up, and the header's
    # "Log out · practice" would ask the database.
    g._login_user = login_manager.anonymous_user()
    log.error(
        "database unavailable, answered 503 to %s %s: %s",
        request.method,
        request.url_rule.rule if request.url_rule else "(no route)",
        _summary(error),
    )
    unavailable = ServiceUnavailable(description=MESSAGE, retry_after=RETRY_AFTER_SECONDS)
    return current_app.handle_http_exception(unavailable)


def _summary(error: BaseException) -> str:
    """The driver's error class and SQLSTATE, when it has one: what failed, not what the
    driver said, which may quote a value (counselor/log_redaction.py)."""
    cause = getattr(error, "orig", None) or error
    sqlstate = getattr(cause, "sqlstate", None)
    kind = f"{type(cause).__module__}.{type(cause).__qualname__}"
    return f"{kind} (SQLSTATE {sqlstate})" if sqlstate else kind


def _usual_http_error_answer(error: HTTPException) -> ResponseReturnValue:
    """The handler an HTTP error would find without ours: the request's blueprints' first,
    then the app's."""
    for name in (*request.blueprints, None):
        handler = current_app.error_handler_spec[name][None].get(HTTPException)
        if handler is not None:
            return current_app.ensure_sync(handler)(error)
    return error
