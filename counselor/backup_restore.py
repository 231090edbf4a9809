"""Restoring a backup archive (``counselor/backups.py``) into an empty instance.

Only into an empty instance — no database or an empty one, no report file — so a restore
never merges two sets of data. The whole archive is checked before anything is written:
every file its manifest lists and nothing else, each file's size and sha256, the
database's integrity, and a migration revision this code knows (an older one is restored
and the operator told to run ``flask db upgrade``; a newer one is refused). Reports and
the secret key are written 0600, and the database goes in place last, in one rename.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from counselor import storage
from counselor.backups import (
    CHUNK,
    DATABASE,
    FORMAT,
    MANIFEST,
    REPORTS,
    SECRET_KEY,
    BackupRefused,
    InstanceFiles,
    check_integrity,
    is_report_name,
    migration_revision,
    report_files,
)


@dataclass(frozen=True)
class Migrations:
    """The migration revisions this code knows: its head, and every revision up to it."""

    head: str
    known: frozenset[str]


@dataclass
class RestoreSummary:
    migration_head: str
    created_at: str
    app_version: str
    reports: int
    has_secret_key: bool
    needs_upgrade: bool


def restore_backup(
    archive_path: Path, files: InstanceFiles, migrations: Migrations
) -> RestoreSummary:
    """Restore the archive into this instance, which must be empty. Everything is checked
    before anything is written; the database goes in place last, in one rename."""
    _require_empty(files)
    folder = storage.private_folder(files.database.parent)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".restore-") as scratch:
        manifest, staged = _verified_contents(archive_path, Path(scratch))
        revision = manifest["migration_head"]
        if revision not in migrations.known:
            raise BackupRefused(
                f"The archive's database is at migration {revision}, which this version of "
                "the service does not know: it was made by a newer version. Install that "
                "version (or a later one) and restore again. Nothing was restored."
            )
        database = staged[DATABASE]
        _check_staged_database(database, revision)
        _require_empty(files)  # still empty, now that the checks are done
        reports = [name for name in staged if name.startswith(f"{REPORTS}/")]
        for name in reports:
            storage.write_private_file(
                files.reports_dir, name.removeprefix(f"{REPORTS}/"), staged[name].read_bytes()
            )
        if SECRET_KEY in staged:
            storage.write_private_file(
                files.secret_key_file.parent,
                files.secret_key_file.name,
                staged[SECRET_KEY].read_bytes(),
            )
        for sidecar in ("-wal", "-shm", "-journal"):  # an empty database's, never applied
            Path(f"{files.database}{sidecar}").unlink(missing_ok=True)
        os.chmod(database, storage.FILE_MODE)
        os.replace(database, files.database)
    return RestoreSummary(
        migration_head=revision,
        created_at=str(manifest.get("created_at", "")),
        app_version=str(manifest.get("app_version", "")),
        reports=len(reports),
        has_secret_key=SECRET_KEY in staged,
        needs_upgrade=revision != migrations.head,
    )


def _require_empty(files: InstanceFiles) -> None:
    if _database_has_tables(files.database):
        raise BackupRefused(
            f"The database {files.database} already holds data. A restore goes only into an "
            "empty instance: stop the service, move the instance folder (or the database "
            "and the reports folder) aside, and run restore again."
        )
    if any(report_files(files.reports_dir)):
        raise BackupRefused(
            f"The reports folder {files.reports_dir} already holds reports. A restore goes "
            "only into an empty instance: move the folder aside and run restore again."
        )


def _database_has_tables(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return bool(connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"{path} is not an empty SQLite database ({error}).") from None
    finally:
        connection.close()


def _verified_contents(archive_path: Path, scratch: Path) -> tuple[dict[str, Any], dict[str, Path]]:
    """The manifest, and each listed file extracted under ``scratch`` once its size and
    sha256 match the manifest's."""
    try:
        archive = tarfile.open(archive_path, mode="r:gz")  # noqa: SIM115 - the with below
    except (OSError, tarfile.TarError) as error:
        raise BackupRefused(f"{archive_path} is not a backup archive ({error}).") from None
    with archive:
        try:
            members = archive.getmembers()
        except (OSError, tarfile.TarError, EOFError) as error:
            raise _damaged(f"it cannot be read to its end ({error})") from None
        by_name = _members_by_name(members)
        manifest = _read_manifest(archive, by_name.pop(MANIFEST, None))
        listed = manifest["files"]
        if set(by_name) != set(listed):
            extra = sorted(set(by_name) - set(listed))
            missing = sorted(set(listed) - set(by_name))
            detail = "; ".join(
                text
                for text in (
                    extra and f"not listed in its manifest: {', '.join(extra)}",
                    missing and f"listed but missing: {', '.join(missing)}",
                )
                if text
            )
            raise _damaged(detail)
        staged: dict[str, Path] = {}
        for number, (name, member) in enumerate(sorted(by_name.items())):
            staged[name] = _extract_checked(archive, member, listed[name], scratch / f"{number}")
    return manifest, staged


def _members_by_name(members: list[tarfile.TarInfo]) -> dict[str, tarfile.TarInfo]:
    by_name: dict[str, tarfile.TarInfo] = {}
    for member in members:
        name = member.name
        if not member.isreg() or name in by_name or not _allowed_name(name):
            raise _damaged(f"it holds an entry no backup holds ({name!r})")
        by_name[name] = member
    return by_name


def _allowed_name(name: str) -> bool:
    if name in (MANIFEST, DATABASE, SECRET_KEY):
        return True
    parts = PurePosixPath(name).parts
    return len(parts) > 1 and parts[0] == REPORTS and is_report_name(parts[1:])


def _read_manifest(archive: tarfile.TarFile, member: tarfile.TarInfo | None) -> dict[str, Any]:
    if member is None:
        raise _damaged("it has no manifest")
    handle = archive.extractfile(member)
    try:
        manifest = json.loads(handle.read(CHUNK) if handle else b"")
    except ValueError:
        raise _damaged("its manifest is not readable") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if (
        not isinstance(files, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("migration_head"), str)
        or DATABASE not in files
        or not all(
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("size"), int)
            for entry in files.values()
        )
    ):
        raise _damaged("its manifest is not one flask backup writes")
    return manifest


def _extract_checked(
    archive: tarfile.TarFile, member: tarfile.TarInfo, listed: dict[str, Any], target: Path
) -> Path:
    source = archive.extractfile(member)
    digest, size = hashlib.sha256(), 0
    try:
        with open(target, "xb") as out:
            os.fchmod(out.fileno(), storage.FILE_MODE)
            while source is not None and (chunk := source.read(CHUNK)):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except (OSError, tarfile.TarError, EOFError) as error:
        raise _damaged(f"{member.name} could not be extracted ({error})") from None
    if size != listed["size"] or digest.hexdigest() != listed["sha256"]:
        raise _damaged(f"{member.name} does not match its checksum")
    return target


def _check_staged_database(path: Path, revision: str) -> None:
    connection = sqlite3.connect(path)
    try:
        check_integrity(connection, "The archive's database")
        if migration_revision(connection) != revision:
            raise _damaged("its database's migration revision is not its manifest's")
    except sqlite3.DatabaseError:
        raise _damaged("its database is not a SQLite database") from None
    finally:
        connection.close()


def _damaged(detail: str) -> BackupRefused:
    return BackupRefused(f"The archive is damaged or was changed: {detail}. Nothing was restored.")
