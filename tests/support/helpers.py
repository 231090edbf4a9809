"""Small test utilities."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import event

from counselor import tenancy
from counselor.extensions import db
from counselor.services.homework.practice_ladder import effective_template
from counselor.tenancy import ACROSS_PRACTICES, across_practices


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


# Under the tests' rolled-back transaction every transaction the app begins is a SAVEPOINT:
# bookkeeping of the test, not a query of the app's.
SAVEPOINT_CONTROL = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


@contextmanager
def count_statements() -> Iterator[StatementCounter]:
    """Count the SQL statements the app sends while the block runs (SAVEPOINTs aside)."""
    counter = StatementCounter()

    def before_cursor_execute(conn, cursor, statement, *args):
        if not SAVEPOINT_CONTROL.match(statement):
            counter.statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


def stored(model, ident):
    """The row with this id as the database holds it, whichever practice's."""
    return db.session.get(model, ident, execution_options={ACROSS_PRACTICES: True})


def count_rows(model) -> int:
    """Rows of a model in every practice."""
    return db.session.scalar(across_practices(sa.select(sa.func.count()).select_from(model)))


def row_counts() -> dict[str, int]:
    """Rows per table, to prove that bad input wrote nothing: one statement, not one a
    table."""
    tables = db.metadata.sorted_tables
    counts = db.session.execute(
        across_practices(
            sa.select(
                *(
                    sa.select(sa.func.count()).select_from(table).scalar_subquery()
                    for table in tables
                )
            )
        )
    ).one()
    return dict(zip((table.name for table in tables), counts, strict=True))


def login(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def assign_form(template_key: str = "hand-over-a-chore", **changes: str | None) -> dict[str, str]:
    """The dashboard's assign form for a step of the practice's ladder (the practice in
    scope) as a counselor sends it: each partner, once a week, the partners emailed.
    ``changes`` replace fields; ``None`` leaves one out (``notify=None``: the box unticked)."""
    practice_id = tenancy.current_practice_id()
    assert practice_id is not None, "assign_form reads the ladder of the practice in scope"
    template = effective_template(practice_id, template_key)
    assert template is not None, f"no step {template_key!r} offered"
    form = {
        "template_key": template.key,
        "rung_id": str(template.rung_id),
        "title": template.title,
        "instructions": template.instructions,
        "assignee": "each",
        "times_per_week": "1",
        "notify": "y",
        **changes,
    }
    return {name: value for name, value in form.items() if value is not None}
