"""``flask backup`` and ``flask restore`` (counselor/backups.py): an online backup while
check-ins are being committed, restored into a fresh instance with every committed row,
every PDF and the secret key; and every refusal (an instance holding data, a changed
archive, an archive from newer code, PostgreSQL, an existing file).

Each app here is one of the test's own on an instance folder of its own, with the
instance's defaults: the database in it, its reports folder, its generated secret key.
Backups are SQLite's alone, so these tests do not run per backend."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import stat
import tarfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from counselor import create_app, storage, tenancy
from counselor.config import Defaults
from counselor.extensions import db
from counselor.models import CheckInSource
from counselor.services.audit import Actor
from counselor.services.homework import checkins
from counselor.unit_of_work import unit_of_work
from tests.support import factories
from tests.support.processes import migrate

ROWS_BEFORE_BACKUP = 25


def app_on(instance: Path, **settings: object) -> Flask:
    """An app whose instance folder is ``instance``: the defaults fill in the rest."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
        return create_app(
            {
                "TESTING": True,
                "PASSWORD_HASH_PROFILE": "CHEAPEST",
                "CELERY": {**Defaults.CELERY, "broker_url": "memory://"},
                **settings,
            }
        )


def run(app: Flask, *args: str) -> Result:
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


@dataclass
class Source:
    app: Flask
    instance: Path
    archive: Path
    committed_before: list[int]
    committed_in_all: list[int]
    pdfs: dict[str, bytes]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """An instance with a couple, two stored PDFs and a writer committing check-ins
    through the services, backed up while the writer runs."""
    instance = tmp_path_factory.mktemp("source") / "instance"
    app = app_on(instance)
    migrate(app)
    pdfs = {"1/report-1.pdf": bytes(range(256)) * 40, "1/report-2.pdf": os.urandom(30_000)}
    with app.app_context():
        assignment = factories.AssignmentFactory()
        ids = (assignment.id, assignment.couple.partners[0].id, assignment.practice_id)
        for name, data in pdfs.items():
            storage.write_private_file(app.config["REPORTS_DIR"], name, data)

    committed: list[int] = []
    stop = threading.Event()
    writer = threading.Thread(target=_write_checkins, args=(app, *ids, stop, committed))
    writer.start()
    try:
        while len(committed) < ROWS_BEFORE_BACKUP and writer.is_alive():
            stop.wait(0.01)
        committed_before = list(committed)  # committed before the backup began
        archive = instance.parent / "backup.tar.gz"
        result = run(app, "backup", "-o", str(archive))
    finally:
        stop.set()
        writer.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert "2 report PDF(s), and the secret key" in result.output
    assert len(committed_before) >= ROWS_BEFORE_BACKUP
    yield Source(app, instance, archive, committed_before, committed, pdfs)
    with app.app_context():
        db.engine.dispose()


def _write_checkins(
    app: Flask,
    assignment_id: int,
    partner_id: int,
    practice_id: int,
    stop: threading.Event,
    committed: list[int],
) -> None:
    actor = Actor("partner", partner_id, practice_id)
    with app.app_context(), tenancy.practice_scope(practice_id):
        while not stop.is_set():
            with unit_of_work():
                check_in, _ = checkins.record_checkin(
                    actor,
                    assignment_id,
                    checkins.CheckInInput(
                        partner_id=partner_id,
                        source=CheckInSource.LINK,
                        comfort=3,
                        reflection=f"reflection {len(committed)}",
                    ),
                )
                check_in_id = check_in.id
            committed.append(check_in_id)  # only once its commit has returned
        db.session.remove()


def rows(database: Path, query: str) -> list[tuple]:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def test_a_backup_under_writes_restores_every_committed_row_pdf_and_the_key(source, tmp_path):
    assert stat.S_IMODE(source.archive.stat().st_mode) == 0o600

    fresh = tmp_path / "instance"
    restored = app_on(fresh)
    result = run(restored, "restore", str(source.archive))
    assert result.exit_code == 0, result.output
    assert "the database, 2 report PDF(s) and the secret key" in result.output
    assert "db upgrade" not in result.output  # same code, same migration

    database = fresh / "counselor.sqlite3"
    assert rows(database, "PRAGMA integrity_check") == [("ok",)]
    check_ins = {row[0] for row in rows(database, "SELECT id FROM checkins")}
    assert set(source.committed_before) <= check_ins
    assert check_ins <= set(source.committed_in_all)  # nothing half-written or invented
    # One transaction each: a check-in is restored with its audit event, or not at all.
    audited = rows(database, "SELECT object_id FROM audit_events WHERE action='checkin.create'")
    assert {row[0] for row in audited} == check_ins

    for name, data in source.pdfs.items():
        pdf = fresh / "reports" / name
        assert pdf.read_bytes() == data
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    assert (fresh / "secret_key").read_bytes() == (source.instance / "secret_key").read_bytes()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


def test_restore_refuses_an_instance_that_holds_data_and_leaves_it_alone(source, tmp_path):
    database = source.instance / "counselor.sqlite3"
    before = rows(database, "SELECT count(*) FROM checkins")
    result = run(source.app, "restore", str(source.archive))
    assert result.exit_code == 1
    assert "already holds data" in result.output and "empty instance" in result.output
    assert rows(database, "SELECT count(*) FROM checkins") == before

    only_reports = tmp_path / "instance"
    app = app_on(only_reports)
    storage.write_private_file(only_reports / "reports", "1/report-9.pdf", b"%PDF kept")
    key = (only_reports / "secret_key").read_bytes()
    result = run(app, "restore", str(source.archive))
    assert result.exit_code == 1
    assert "already holds reports" in result.output
    assert not (only_reports / "counselor.sqlite3").exists()
    assert (only_reports / "secret_key").read_bytes() == key


def rewritten(
    archive: Path,
    target: Path,
    change: Callable[[str, bytes], bytes | None],
    *,
    rehash: bool = False,
    manifest_change: Callable[[dict], None] = lambda manifest: None,
) -> Path:
    """A copy of ``archive`` with each member passed through ``change`` (None drops it);
    ``rehash`` writes the manifest for the changed contents (a forger who knows the
    format), otherwise the original manifest is kept."""
    with tarfile.open(archive, "r:gz") as original:
        contents = {m.name: original.extractfile(m).read() for m in original.getmembers()}
    manifest = json.loads(contents.pop("manifest.json"))
    changed = {name: change(name, data) for name, data in contents.items()}
    changed = {name: data for name, data in changed.items() if data is not None}
    if rehash:
        manifest["files"] = {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in changed.items()
        }
    manifest_change(manifest)
    changed["manifest.json"] = json.dumps(manifest).encode()
    with tarfile.open(target, "w:gz") as copy:
        for name, data in changed.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    return target


def flip_a_byte_of_a_report(name: str, data: bytes) -> bytes:
    if name == "reports/1/report-2.pdf":
        return data[:100] + bytes([data[100] ^ 1]) + data[101:]
    return data


@pytest.mark.parametrize(
    ("change", "rehash", "message"),
    [
        (flip_a_byte_of_a_report, False, "reports/1/report-2.pdf does not match its checksum"),
        (lambda name, data: None if name == "secret_key" else data, False, "listed but missing"),
        (
            lambda name, data: data + b"\0" if name == "database.sqlite3" else data,
            False,
            "checksum",
        ),
    ],
    ids=["a-byte-of-a-pdf", "a-file-removed", "the-database-grown"],
)
def test_a_changed_archive_is_refused_before_anything_is_written(
    source, tmp_path, change, rehash, message
):
    tampered = rewritten(source.archive, tmp_path / "tampered.tar.gz", change, rehash=rehash)
    fresh = tmp_path / "instance"
    app = app_on(fresh)
    key = (fresh / "secret_key").read_bytes()
    result = run(app, "restore", str(tampered))
    assert result.exit_code == 1
    assert "damaged or was changed" in result.output and message in result.output
    assert "Nothing was restored" in result.output
    _assert_still_empty(fresh, key)


def test_files_the_manifest_does_not_list_or_a_path_outside_are_refused(source, tmp_path):
    fresh = tmp_path / "instance"
    app = app_on(fresh)
    key = (fresh / "secret_key").read_bytes()
    with tarfile.open(source.archive, "r:gz") as original:
        members = [(m, original.extractfile(m).read()) for m in original.getmembers()]
    for extra in ("reports/1/extra.pdf", "../escaped", "/etc/cron.d/x", "reports/../../x"):
        target = tmp_path / "extra.tar.gz"
        with tarfile.open(target, "w:gz") as copy:
            for member, data in [*members, (tarfile.TarInfo(extra), b"x")]:
                member.size = len(data)
                copy.addfile(member, io.BytesIO(data))
        result = run(app, "restore", str(target))
        assert result.exit_code == 1, extra
        assert "damaged or was changed" in result.output
    not_an_archive = tmp_path / "notes.txt"
    not_an_archive.write_text("not a backup")
    result = run(app, "restore", str(not_an_archive))
    assert result.exit_code == 1 and "is not a backup archive" in result.output
    _assert_still_empty(fresh, key)
    assert not (tmp_path / "escaped").exists()


def _assert_still_empty(instance: Path, key: bytes) -> None:
    assert not (instance / "counselor.sqlite3").exists()
    reports = instance / "reports"
    assert not reports.exists() or not [p for p in reports.rglob("*") if p.is_file()]
    assert (instance / "secret_key").read_bytes() == key
    assert [p.name for p in instance.iterdir() if p.name.startswith(".restore-")] == []


def _set_revision(revision: str, scratch: Path) -> Callable[[str, bytes], bytes]:
    """Change the archived database's migration revision."""

    def change(name: str, data: bytes) -> bytes:
        if name != "database.sqlite3":
            return data
        path = scratch / "revision.sqlite3"
        path.write_bytes(data)
        connection = sqlite3.connect(path)
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        connection.commit()
        connection.close()
        return path.read_bytes()

    return change


def test_an_archive_from_newer_code_is_refused(source, tmp_path):
    newer = rewritten(
        source.archive,
        tmp_path / "newer.tar.gz",
        _set_revision("ffffffffffff", tmp_path),
        rehash=True,
        manifest_change=lambda manifest: manifest.update(migration_head="ffffffffffff"),
    )
    fresh = tmp_path / "instance"
    app = app_on(fresh)
    key = (fresh / "secret_key").read_bytes()
    result = run(app, "restore", str(newer))
    assert result.exit_code == 1
    assert "made by a newer version" in result.output
    _assert_still_empty(fresh, key)


def test_an_archive_from_older_code_is_restored_and_asks_for_db_upgrade(source, tmp_path):
    older = rewritten(
        source.archive,
        tmp_path / "older.tar.gz",
        _set_revision("c9f1a7d3b2e8", tmp_path),
        rehash=True,
        manifest_change=lambda manifest: manifest.update(migration_head="c9f1a7d3b2e8"),
    )
    fresh = tmp_path / "instance"
    result = run(app_on(fresh), "restore", str(older))
    assert result.exit_code == 0, result.output
    assert "Run `flask --app counselor db upgrade`" in result.output
    assert rows(fresh / "counselor.sqlite3", "SELECT version_num FROM alembic_version") == [
        ("c9f1a7d3b2e8",)
    ]


def test_backup_never_replaces_a_file_unless_forced(source, tmp_path):
    existing = tmp_path / "kept.tar.gz"
    existing.write_bytes(b"yesterday's backup")
    result = run(source.app, "backup", "-o", str(existing))
    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert existing.read_bytes() == b"yesterday's backup"

    existing.chmod(0o644)
    result = run(source.app, "backup", "-o", str(existing), "--force")
    assert result.exit_code == 0, result.output
    assert tarfile.is_tarfile(existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["kept.tar.gz"]  # no partial left


def test_postgresql_is_refused_with_a_pointer_to_the_docs(tmp_path):
    app = app_on(
        tmp_path / "instance",
        SQLALCHEMY_DATABASE_URI="postgresql://counselor@127.0.0.1:1/counselor",
    )
    archive = tmp_path / "backup.tar.gz"
    for args in (["backup", "-o", str(archive)], ["restore", __file__]):
        result = run(app, *args)
        assert result.exit_code == 1
        assert "pg_dump" in result.output and "docs/backups.md" in result.output
    assert not archive.exists()
