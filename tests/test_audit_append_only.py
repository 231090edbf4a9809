"""Audit rows are append-only (issue 13, item 5). On PostgreSQL the migration's trigger
refuses an UPDATE or a DELETE; on either backend the suite's guard (tests/conftest.py,
tests/support/audit_guard.py) fails any test whose code sends one — so the whole suite,
every request, task and command it runs in-process, is the proof that none of ours does.
Here: the guard catches deliberate attempts, the trigger holds, no source file asks for
it, and the suite's own table emptying is the only exemption."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent
from counselor.services.audit import Actor, record_event
from tests.support import audit_guard, processes
from tests.support.helpers import count_rows

ROOT = Path(__file__).resolve().parent.parent


def an_event(actor: Actor) -> AuditEvent:
    record_event(actor, "couple.view", "couple", 1)
    db.session.flush()
    return db.session.scalar(sa.select(AuditEvent))


def attempts_through_the_orm(event: AuditEvent) -> None:
    event.action = "couple.update"
    db.session.flush()


def attempts_in_core(event: AuditEvent) -> None:
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event.id).values(ip="x"))


def attempts_a_delete(event: AuditEvent) -> None:
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == event.id))


def attempts_in_plain_sql(event: AuditEvent) -> None:
    db.session.execute(sa.text('DELETE FROM "audit_events" WHERE id = :id'), {"id": event.id})


def attempts_a_delete_of_the_object(event: AuditEvent) -> None:
    db.session.delete(event)
    db.session.flush()


@pytest.mark.parametrize(
    "attempt",
    [
        attempts_through_the_orm,
        attempts_in_core,
        attempts_a_delete,
        attempts_in_plain_sql,
        attempts_a_delete_of_the_object,
    ],
)
def test_the_guard_refuses_any_change_to_audit_rows(actor, attempt):
    event = an_event(actor)
    with audit_guard.attempts_expected() as caught:
        savepoint = db.session.begin_nested()
        with pytest.raises(audit_guard.AuditRowChanged):
            attempt(event)
        savepoint.rollback()
    assert len(caught) == 1
    assert re.search(r"(UPDATE|DELETE FROM) \"?audit_events", caught[0])
    db.session.expire_all()
    assert db.session.scalar(sa.select(AuditEvent.action)) == "couple.view"


def test_the_guard_reads_the_statement_not_the_words_in_it():
    """Statements that merely mention the table, or change another table, pass."""

    def refused(statement: str) -> bool:
        return bool(audit_guard.CHANGES_AUDIT_ROWS.search(statement))

    assert refused("UPDATE audit_events SET ip = NULL")
    assert refused('delete from "audit_events"')
    assert refused('TRUNCATE "couples", "audit_events" RESTART IDENTITY CASCADE')
    assert refused("INSERT OR REPLACE INTO audit_events (id) VALUES (1)")
    assert not refused("INSERT INTO audit_events (action) VALUES ('x')")
    assert not refused("SELECT * FROM audit_events")
    assert not refused("UPDATE audit_events_archive SET x = 1")
    assert not refused("UPDATE couples SET label = 'audit_events'")


@pytest.mark.committed_db
def test_only_the_suites_own_table_emptying_may_remove_audit_rows(app, actor):
    an_event(actor)
    db.session.commit()
    with (
        audit_guard.attempts_expected() as caught,
        pytest.raises(audit_guard.AuditRowChanged),
        db.engine.begin() as connection,
    ):
        connection.execute(sa.delete(AuditEvent.__table__))
    assert len(caught) == 1
    processes.empty_tables()  # the teardown's own call: exempt (TRUNCATE or DELETE)
    assert count_rows(AuditEvent) == 0


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET ip = 'x'", "DELETE FROM audit_events"]
)
def test_postgresql_refuses_changes_to_audit_rows(actor, database_url, statement):
    """The trigger itself, below the guard: the statement goes to the server through the
    driver's own cursor, which no SQLAlchemy event sees."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the trigger is PostgreSQL's (SQLite's guard is the suite's)")
    import psycopg

    an_event(actor)
    driver = db.session.connection().connection.driver_connection
    with driver.cursor() as cursor:
        cursor.execute("SAVEPOINT before_tampering")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            cursor.execute(statement)
        cursor.execute("ROLLBACK TO SAVEPOINT before_tampering")
    db.session.expire_all()
    assert db.session.scalars(sa.select(AuditEvent.ip)).all() == [None]


def test_no_source_file_updates_or_deletes_audit_rows():
    """What the guard sees at run time, also read in the code: no UPDATE or DELETE of the
    table in SQL text, and no update(), delete() or session.delete of the model."""
    orm_change = re.compile(
        r"(sa\.|sqlalchemy\.)?(update|delete)\(\s*AuditEvent\b|\.delete\(\s*\w*event\w*\s*\)",
        re.IGNORECASE,
    )
    offenders = []
    for folder in ("counselor", "tasks", "reports"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if audit_guard.CHANGES_AUDIT_ROWS.search(text) or orm_change.search(text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
