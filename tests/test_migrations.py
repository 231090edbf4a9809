"""The migrations build exactly the schema the models describe, on each backend."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from counselor.extensions import db


def test_migrated_schema_matches_the_models(app):
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_with_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    connection = db.session.connection()
    assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
