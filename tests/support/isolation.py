"""The two ways a test's writes are undone (tests/conftest.py picks one per test).

``rolled_back``: the default. The app's database becomes one connection inside one
transaction, rolled back after the test: SQLAlchemy's "joining a Session into an external
transaction" recipe, with ``join_transaction_mode="create_savepoint"``. Every commit the
app makes — at the edge of a request, a Celery task called in the test, a CLI command, or
by the test itself — releases a SAVEPOINT inside that transaction, so nothing is ever
committed and no table needs emptying. Only this connection sees the rows: another thread
or process would not.

``committed``: real commits, for the tests whose rows other connections must see; every
table is emptied afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import Connection

from counselor.extensions import db
from tests.support.processes import empty_tables


@contextmanager
def rolled_back() -> Iterator[Connection]:
    """Run the block (in an app context) in a transaction that is rolled back at its end."""
    engines = db.engines  # this app's engines by bind key, read by every session's get_bind
    engine = engines[None]
    session_options = db.session.session_factory.kw
    with engine.connect() as connection, _sqlalchemy_runs_sqlite_transactions(connection):
        outer = connection.begin()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")
        engines[None] = connection  # sessions in any app context join it
        session_options["join_transaction_mode"] = "create_savepoint"
        try:
            yield connection
        finally:
            db.session.remove()
            del session_options["join_transaction_mode"]
            engines[None] = engine
            outer.rollback()


@contextmanager
def _sqlalchemy_runs_sqlite_transactions(connection: Connection) -> Iterator[None]:
    """pysqlite begins and ends transactions on its own and so breaks SAVEPOINT; the
    SQLAlchemy documentation's workaround hands that job to SQLAlchemy (isolation_level
    None, then an explicit BEGIN). For this connection only: it goes back to the pool as
    it came."""
    if connection.dialect.name != "sqlite":
        yield
        return
    sqlite = connection.connection.driver_connection
    before = sqlite.isolation_level
    sqlite.isolation_level = None
    try:
        yield
    finally:
        sqlite.isolation_level = before


def require_committed_db(request: pytest.FixtureRequest, what: str) -> None:
    """For fixtures whose threads or processes read the database: they would not see the
    rows inside a test's transaction."""
    if not request.node.get_closest_marker("committed_db"):
        pytest.fail(f"{what} needs @pytest.mark.committed_db (see tests/conftest.py)")


@contextmanager
def committed() -> Iterator[None]:
    """Run the block (in an app context) with real commits; empty every table at its end."""
    try:
        yield
    finally:
        empty_tables()
