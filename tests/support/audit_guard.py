"""The SQLite half of "audit rows are append-only" (issue 13, item 5). PostgreSQL refuses
an UPDATE or DELETE of ``audit_events`` with a trigger (migration d4e8a1f6c3b9); SQLite has
no such guard, so the suite watches every statement any engine of this process sends, on
both backends: one that would change or remove audit rows fails the test that issued it.

The one exemption is the suite's own table emptying after a committed-db test
(``tests/support/processes.empty_tables``: DELETE on SQLite, TRUNCATE on PostgreSQL), and
only while that function is on the stack. Processes the suite starts (servers, workers)
are outside this process and not watched; they run the same code the in-process tests do.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tests.support import processes

# An UPDATE or DELETE of audit rows, a REPLACE (a delete and an insert), or a TRUNCATE
# naming the table anywhere in its list; quoted or not, in any case.
CHANGES_AUDIT_ROWS = re.compile(
    r"\b(?:UPDATE|DELETE\s+FROM|REPLACE\s+INTO|INSERT\s+OR\s+REPLACE\s+INTO)\s+[\"`]?audit_events\b"
    r"|\bTRUNCATE\b[^;]*[\"`\s,]audit_events\b",
    re.IGNORECASE,
)


class AuditRowChanged(AssertionError):
    """A statement would change or remove audit rows."""


_attempts: list[str] = []


def install() -> None:
    """Watch every engine of this process (once, however often it is called)."""
    if not event.contains(Engine, "before_cursor_execute", _refuse_audit_changes):
        event.listen(Engine, "before_cursor_execute", _refuse_audit_changes)


def _refuse_audit_changes(
    _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _executemany: bool
) -> None:
    if not CHANGES_AUDIT_ROWS.search(statement) or _emptying_tables():
        return
    _attempts.append(statement)
    raise AuditRowChanged(f"a statement would change audit rows: {statement[:200]}")


def _emptying_tables() -> bool:
    """Is the suite's own ``empty_tables`` (that very function) on the stack?"""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code is processes.empty_tables.__code__:
            return True
        frame = frame.f_back
    return False


def take_attempts() -> list[str]:
    """The statements refused since the last call (a test that failed to notice still fails:
    ``check_no_attempts`` runs after every test)."""
    attempts = list(_attempts)
    _attempts.clear()
    return attempts


@contextmanager
def attempts_expected() -> Iterator[list[str]]:
    """For the test proving the guard works: the refused statements, taken, not failed on."""
    take_attempts()
    caught: list[str] = []
    try:
        yield caught
    finally:
        caught.extend(take_attempts())
