"""Storing compiled weeks: a chunk of couples' window rows deleted and the new ones
written in bulk, on the session's connection and in its transaction.

On PostgreSQL the rows go in with ``COPY … FROM STDIN`` (psycopg's copy), a stream the
server loads without parsing an INSERT per row; elsewhere (SQLite) with one Core
``insert()`` executemany per table. Either way no ORM object is made. A COPY does not pass
through SQLAlchemy's cursor events, so they are told about it here: whoever counts the
statements the app sends (the tests, the benchmarks) counts it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import cast

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import PartnerWeek, WeeklyProgress
from counselor.services.progress.compile_weeks import PARTNER_COLUMNS, WEEKLY_COLUMNS, ChunkRows
from counselor.tenancy import across_practices

SIGNAL_AT = PARTNER_COLUMNS.index("signal")
WEEKLY_TABLE = cast(sa.Table, WeeklyProgress.__table__)
PARTNER_TABLE = cast(sa.Table, PartnerWeek.__table__)


def replace_rows(couple_ids: Sequence[int], first: date, rows: ChunkRows) -> None:
    """Delete these couples' rows from the week of ``first`` on, then write ``rows``."""
    for model in (WeeklyProgress, PartnerWeek):
        db.session.execute(
            across_practices(
                sa.delete(model)
                .where(model.week_start >= first, model.couple_id.in_(couple_ids))
                .execution_options(synchronize_session=False)  # no snapshot is in the session
            )
        )
    partner_rows = [_stored_signal(row) for row in rows.partner]
    connection = db.session.connection()
    tables: tuple[tuple[sa.Table, tuple[str, ...], list[tuple]], ...] = (
        (WEEKLY_TABLE, WEEKLY_COLUMNS, rows.weekly),
        (PARTNER_TABLE, PARTNER_COLUMNS, partner_rows),
    )
    for table, columns, values in tables:
        if not values:
            continue
        if connection.dialect.name == "postgresql":
            _copy(connection, table.name, columns, values)
        else:
            connection.execute(
                sa.insert(table), [dict(zip(columns, row, strict=True)) for row in values]
            )


def _stored_signal(row: tuple) -> tuple:
    """The signal as stored (the enum's value, as the column's type would write it)."""
    signal = row[SIGNAL_AT]
    if signal is None:
        return row
    return (*row[:SIGNAL_AT], signal.value, *row[SIGNAL_AT + 1 :])


def _copy(
    connection: sa.Connection, table: str, columns: Sequence[str], values: list[tuple]
) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    raw = connection.connection.driver_connection
    assert raw is not None  # a live connection of the session's transaction
    with raw.cursor() as cursor:
        connection.dispatch.before_cursor_execute(connection, cursor, statement, (), None, False)
        with cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
