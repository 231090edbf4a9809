"""No token and no value from a database error in any log line, whoever writes it.

Two things reach logs that must not (issue 12, finding 3):

- **Tokens in URLs.** Partner links (``/p/<token>…``, ``/u/<token>``), counselors'
  single-use links (``/login/reset/<token>``, ``/join/<token>``), calendar feeds
  (``/calendar/<token>.ics``) and launches (``/launch?token=…``) carry their credential
  in the URL, and many lines print URLs:
  gunicorn's access log (the request line and the Referer of every asset a partner page
  loads), werkzeug's request log (``make dev``), Flask's ``Exception on <path>``,
  gunicorn's ``Error handling request <uri>``. Each becomes ``/p/[token]…``,
  ``/login/reset/[token]``, ``/calendar/[token]`` or ``token=[token]``.
- **A database error's own text.** ``hide_parameters`` keeps SQL parameters out of
  SQLAlchemy's messages, but PostgreSQL's messages quote values themselves: ``DETAIL: Key
  (email)=(…) already exists``, ``Failing row contains (…)``, ``invalid input syntax for
  type integer: "…"``. A driver's error is logged as its class, SQLSTATE and the names of
  the constraint, table and column involved, and SQLAlchemy's as that plus its statement
  (placeholders, never values): enough to find the fault, nothing a client typed.
- **Result rows.** SQLAlchemy's engine logger at DEBUG prints every row it fetches; the
  line stays, the row is withheld.

Why a LogRecord factory rather than a filter or a gunicorn logger class: the factory sees
every record of the process, whichever logger makes it (a logger's filter misses what its
children propagate) and whatever handlers gunicorn, werkzeug, Celery or an operator's
logging configuration attach later. ``install`` runs from ``create_app``, so every process
that serves or works (gunicorn's workers, ``flask run``, Celery) has it before its first
request or task.

One logger is exempt: ``LINK_LOGGER``, the worker's line that shows a partner's link when
no mail server is configured (``make run``'s outbox mode, where that link is the way in).
It logs nothing once ``MAIL_SERVER`` is set (counselor/services/delivery/mail.py).
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator
from typing import Any

from sqlalchemy.exc import StatementError

LINK_LOGGER = "counselor.services.delivery.mail.links"
REDACTED = "[token]"
# A path segment after /p/ (partner pages), /u/ (unsubscribe), /login/reset/ (a new
# password), /join/ (an invitation) or /calendar/ (a calendar feed, ".ics" and all), and
# a token= parameter.
TOKEN_IN_PATH = re.compile(r"(/[pu]/|/login/reset/|/join/|/calendar/)[^/?#\s\"'<>]+")
TOKEN_IN_QUERY = re.compile(r"([?&;]token=)[^&#\s\"'<>]+", re.IGNORECASE)
DRIVER_MODULES = frozenset({"psycopg", "psycopg2", "sqlite3"})
# Names a driver's error carries that say where a fault is without quoting a value.
DIAGNOSTIC_NAMES = ("constraint_name", "table_name", "column_name", "datatype_name")
SQLALCHEMY_ROW_LINE = ("sqlalchemy.engine", "Row %r")
ROW_WITHHELD = "(withheld: rows hold client data)"

_installed = False


def install() -> None:
    """Clean every log record this process makes from now on (once per process)."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def cleaned_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if record.name != LINK_LOGGER:
            clean(record)
        return record

    logging.setLogRecordFactory(cleaned_record)
    _installed = True


def redact_tokens(text: str) -> str:
    text = TOKEN_IN_PATH.sub(lambda match: match.group(1) + REDACTED, text)
    return TOKEN_IN_QUERY.sub(lambda match: match.group(1) + REDACTED, text)


def clean(record: logging.LogRecord) -> None:
    """Rewrite the record's message and traceback when either holds a token or a database
    error's text; leave it as it is otherwise (its args kept for whoever reads them)."""
    if record.name.startswith(SQLALCHEMY_ROW_LINE[0]) and record.msg == SQLALCHEMY_ROW_LINE[1]:
        record.args = (ROW_WITHHELD,)
        return
    exception = record.exc_info[1] if record.exc_info else None
    errors = list(_database_errors([exception, *_exceptions_in(record.args)]))
    try:
        message = record.getMessage()
    except Exception:  # a bad format: logging reports it itself, at emit time
        return
    cleaned = redact_tokens(_without_error_text(message, errors))
    if cleaned != message:
        record.msg, record.args = cleaned, None
    if record.exc_info and exception is not None:
        text = exception_text(record.exc_info)
        cleaned = redact_tokens(_without_error_text(text, errors))
        if cleaned != text:
            # Formatters print exc_text when it is set; without exc_info nothing can
            # render the original again.
            record.exc_text, record.exc_info = cleaned, None


def exception_text(exc_info: Any) -> str:
    """The traceback as ``logging.Formatter.formatException`` prints it."""
    return "".join(traceback.format_exception(*exc_info)).removesuffix("\n")


def describe_database_error(error: BaseException) -> str:
    """A database error without its message: class, SQLSTATE, the names involved; for
    SQLAlchemy's, the driver's error so described and the statement."""
    if isinstance(error, StatementError):
        cause = error.orig
        described = f"({_qualified_name(cause)}) {_describe_driver_error(cause)}" if cause else ""
        return f"{described}\n[SQL: {error.statement}]" if error.statement else described
    return _describe_driver_error(error)


def _describe_driver_error(error: BaseException) -> str:
    details = []
    if sqlstate := getattr(error, "sqlstate", None):
        details.append(f"SQLSTATE {sqlstate}")
    if sqlite_name := getattr(error, "sqlite_errorname", None):
        details.append(sqlite_name)
    diagnostics = getattr(error, "diag", None)
    for name in DIAGNOSTIC_NAMES:
        if value := getattr(diagnostics, name, None):
            details.append(f"{name.removesuffix('_name')} {value}")
    shown = f" ({', '.join(details)})" if details else ""
    return f"{type(error).__name__}{shown}; its message is not logged, it may quote client data"


def _is_database_error(error: BaseException) -> bool:
    return isinstance(error, StatementError) or (
        type(error).__module__.partition(".")[0] in DRIVER_MODULES
    )


def _database_errors(roots: list[BaseException | None]) -> Iterator[BaseException]:
    """The database errors among ``roots`` and the exceptions they were raised from."""
    seen: set[int] = set()
    pending = [root for root in roots if root is not None]
    while pending:
        error = pending.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        if _is_database_error(error):
            yield error
        pending.extend(e for e in (error.__cause__, error.__context__) if e is not None)
        if isinstance(error, StatementError) and isinstance(error.orig, BaseException):
            pending.append(error.orig)


def _exceptions_in(args: Any) -> list[BaseException]:
    values = args.values() if isinstance(args, dict) else args or ()
    return [value for value in values if isinstance(value, BaseException)]


def _without_error_text(text: str, errors: list[BaseException]) -> str:
    """``text`` with each error's message, as str or repr prints it, described instead."""
    replacements: dict[str, str] = {}
    for error in errors:
        described = describe_database_error(error)
        message = str(error)
        for form in (repr(error), message, repr(message)[1:-1]):
            if form:
                replacements.setdefault(form, described)
    for form in sorted(replacements, key=len, reverse=True):  # SQLAlchemy's hold the driver's
        text = text.replace(form, replacements[form])
    return text


def _qualified_name(error: BaseException) -> str:
    kind = type(error)
    return f"{kind.__module__}.{kind.__qualname__}"
