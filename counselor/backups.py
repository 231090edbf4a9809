"""Backups of the embedded SQLite default, and their restore into an empty instance.

One archive (``.tar.gz``, mode 0600) holds everything a SQLite instance cannot be rebuilt
without:

- ``database.sqlite3``: an online copy made with SQLite's backup API in one step, that is
  one read transaction: a consistent snapshot while the web and the workers keep writing
  (WAL mode lets them; no request waits for the copy);
- ``reports/…``: every report PDF under ``REPORTS_DIR``, listed *after* the snapshot, so
  every report row in the copy finds its file (a file is stored before its row commits);
- ``secret_key``: ``instance/secret_key``, which signs sessions, CSRF tokens and links;
- ``manifest.json``: the archive's format, the app's version, the database's migration
  revision, when it was made, and each file's size and sha256.

A restore goes only into an empty instance, after checking the whole archive
(``counselor/backup_restore.py``). PostgreSQL is backed up with its own tools
(``pg_dump``/``pg_restore``, docs/backups.md): both refuse it. The ``flask backup`` and
``flask restore`` commands are in ``counselor/backup_cli.py``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from counselor import storage, timeutil

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.sqlite3"
SECRET_KEY = "secret_key"  # noqa: S105 - a member's name, not a secret
REPORTS = "reports"
DOCS = "docs/backups.md"
CHUNK = 1024 * 1024
_REPORT_NAME = re.compile(r"[A-Za-z0-9._-]+")


class BackupRefused(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class InstanceFiles:
    """Where an instance keeps what a backup holds."""

    database: Path
    reports_dir: Path
    secret_key_file: Path


@dataclass
class BackupSummary:
    path: Path
    migration_head: str
    reports: int
    has_secret_key: bool
    size: int


def sqlite_path(database_uri: str) -> Path:
    """The database file of a SQLite URI; any other database is refused."""
    if not database_uri.startswith("sqlite:"):
        raise BackupRefused(
            "This instance's database is not SQLite: back PostgreSQL up with pg_dump and "
            f"restore it with pg_restore, as {DOCS} describes (with the report PDFs and "
            "the secret key beside it)."
        )
    path = sa.make_url(database_uri).database
    if not path or path == ":memory:" or path.startswith("file:"):
        raise BackupRefused("Only a SQLite database in a file, named by its path, is backed up.")
    return Path(path)


# --- backup -----------------------------------------------------------------------------


def create_backup(
    output: Path, files: InstanceFiles, *, app_version: str, force: bool = False
) -> BackupSummary:
    """Write the instance's backup archive to ``output`` (0600). Refuses to replace an
    existing file unless ``force``."""
    if output.exists() and not force:
        raise BackupRefused(f"{output} already exists: choose another name, or add --force.")
    if not output.parent.is_dir():
        raise BackupRefused(f"The folder {output.parent} does not exist.")
    if not files.database.is_file():
        raise BackupRefused(f"There is no database at {files.database} to back up.")
    created_at = timeutil.utcnow()
    with tempfile.TemporaryDirectory(dir=files.database.parent, prefix=".backup-") as scratch:
        copy = Path(scratch) / DATABASE
        revision = _snapshot(files.database, copy)
        members = [(DATABASE, copy)]
        if files.secret_key_file.is_file():
            members.append((SECRET_KEY, files.secret_key_file))
        reports = sorted(report_files(files.reports_dir))
        members += [(f"{REPORTS}/{name}", files.reports_dir / name) for name in reports]
        partial = _write_archive(output, members, revision, created_at, app_version)
    _put_in_place(partial, output, force)
    return BackupSummary(
        path=output,
        migration_head=revision,
        reports=len(reports),
        has_secret_key=files.secret_key_file.is_file(),
        size=output.stat().st_size,
    )


def _snapshot(source: Path, copy: Path) -> str:
    """Copy the live database with SQLite's backup API; returns the copy's revision."""
    live = sqlite3.connect(source, timeout=30)
    target = sqlite3.connect(copy)
    try:
        live.backup(target)  # every page in one step: one consistent read transaction
        target.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        check_integrity(target, "The live database")
        revision = migration_revision(target)
    finally:
        target.close()
        live.close()
    if revision is None:
        raise BackupRefused(
            "The database has no migration revision: it was never set up "
            "(flask --app counselor init)."
        )
    return revision


def report_files(folder: Path) -> Iterable[str]:
    """Every stored report, as a path relative to the reports folder (partially written
    files, hidden, are left out)."""
    if not folder.is_dir():
        return
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and not path.is_symlink() and is_report_name(relative.parts):
            yield relative.as_posix()


def is_report_name(parts: tuple[str, ...]) -> bool:
    return all(_REPORT_NAME.fullmatch(part) and not part.startswith(".") for part in parts)


def _write_archive(
    output: Path,
    members: list[tuple[str, Path]],
    revision: str,
    created_at: datetime,
    app_version: str,
) -> Path:
    handle, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    listed: dict[str, dict[str, Any]] = {}
    try:
        with os.fdopen(handle, "wb") as raw:
            os.fchmod(raw.fileno(), storage.FILE_MODE)
            with tarfile.open(fileobj=raw, mode="w:gz") as archive:
                for name, path in members:
                    try:
                        listed[name] = _add_file(archive, name, path, created_at)
                    except FileNotFoundError:
                        continue  # purged since it was listed: the snapshot came first
                manifest = {
                    "format": FORMAT,
                    "app": "counselor-homework",
                    "app_version": app_version,
                    "migration_head": revision,
                    "created_at": created_at.isoformat(),
                    "files": listed,
                }
                body = json.dumps(manifest, indent=2, sort_keys=True).encode()
                _add_bytes(archive, MANIFEST, body, created_at)
            raw.flush()
            os.fsync(raw.fileno())
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return Path(partial)


def _add_file(archive: tarfile.TarFile, name: str, path: Path, at: datetime) -> dict[str, Any]:
    with open(path, "rb") as source:
        size = os.fstat(source.fileno()).st_size
        reader = _HashingReader(source)
        archive.addfile(_member(name, size, at), reader)
    return {"sha256": reader.digest.hexdigest(), "size": size}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, at: datetime) -> None:
    archive.addfile(_member(name, len(data), at), io.BytesIO(data))


def _member(name: str, size: int, at: datetime) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, storage.FILE_MODE, int(at.timestamp())
    return info


class _HashingReader:
    def __init__(self, source: IO[bytes]) -> None:
        self.source, self.digest = source, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


def _put_in_place(partial: Path, output: Path, force: bool) -> None:
    try:
        if force:
            os.replace(partial, output)
            return
        try:
            os.link(partial, output)  # fails, rather than replaces, if output appeared
        except FileExistsError:
            raise BackupRefused(
                f"{output} already exists: choose another name, or add --force."
            ) from None
        except OSError:  # a file system without hard links
            if output.exists():
                raise BackupRefused(f"{output} already exists.") from None
            os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)


def check_integrity(connection: sqlite3.Connection, what: str) -> None:
    result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupRefused(f"{what} fails SQLite's integrity check: {'; '.join(result[:5])}")


def migration_revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None
