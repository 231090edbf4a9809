"""The web floors, served by the same gunicorn settings as the project:

- ``hello_app()``: a bare Flask hello-world;
- ``update_app()``: a bare Flask view doing one one-row UPDATE + commit on the project's
  database (``COUNSELOR_SQLALCHEMY_DATABASE_URI``), SQLite tuned as the project tunes it.

Nothing of the project is imported: these are what a request costs without it.
"""

from __future__ import annotations

import os
import zlib

import sqlalchemy as sa
from flask import Flask, request

FLOOR_TABLE = "bench_floor_rows"
FLOOR_ROWS = 1000


def hello_app() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def hello() -> str:
        return "Hello, World!"

    return app


def floor_engine(url: str) -> sa.Engine:
    if url.startswith("sqlite:"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return sa.create_engine(url)


def create_floor_table(url: str) -> None:
    """The rows the bare UPDATE touches (run once, before the servers start)."""
    engine = floor_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {FLOOR_TABLE}"))
        connection.execute(
            sa.text(f"CREATE TABLE {FLOOR_TABLE} (id INTEGER PRIMARY KEY, n INTEGER, note TEXT)")
        )
        connection.execute(
            sa.text(f"INSERT INTO {FLOOR_TABLE} (id, n, note) VALUES (:id, 0, '')"),  # noqa: S608
            [{"id": i} for i in range(FLOOR_ROWS)],
        )
    engine.dispose()


def update_app() -> Flask:
    app = Flask(__name__)
    engine = floor_engine(os.environ["COUNSELOR_SQLALCHEMY_DATABASE_URI"])
    # The table name is a constant of this module; the values are bound parameters.
    statement = sa.text(f"UPDATE {FLOOR_TABLE} SET n = n + 1, note = :note WHERE id = :id")  # noqa: S608

    @app.get("/")
    def ready() -> str:
        return "ready"

    @app.post("/rows")
    def update() -> str:
        key = request.form.get("key", "")
        row = zlib.crc32(key.encode()) % FLOOR_ROWS
        with engine.begin() as connection:
            connection.execute(statement, {"id": row, "note": key})
        return "updated"

    return app
