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

A restore goes only into an empty instance (no database or an empty one, no report file):
it never merges two sets of data. It checks the whole archive — every file listed, nothing
else in it, every checksum, the copy's integrity, a migration revision this code knows —
before it writes anything, and puts the database in place last, in one rename.

PostgreSQL is backed up with its own tools (``pg_dump``/``pg_restore``, docs/backups.md):
both functions refuse it. The ``flask backup``/``flask restore`` commands are in
``counselor/backup_cli.py``.
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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from counselor import storage, timeutil

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.sqlite3"
SECRET_KEY = "secret_key"  # noqa: S105 - a member's name, not a secret
REPORTS = "reports"
DOCS = "docs/backups.md"
_CHUNK = 1024 * 1024
_REPORT_NAME = re.compile(r"[A-Za-z0-9._-]+")


class BackupRefused(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class InstanceFiles:
    """Where an instance keeps what a backup holds."""

    database: Path
    reports_dir: Path
    secret_key_file: Path


@dataclass(frozen=True)
class Migrations:
    """The migration revisions this code knows: its head, and every revision up to it."""

    head: str
    known: frozenset[str]


@dataclass
class BackupSummary:
    path: Path
    migration_head: str
    reports: int
    has_secret_key: bool
    size: int


@dataclass
class RestoreSummary:
    migration_head: str
    created_at: str
    app_version: str
    reports: int
    has_secret_key: bool
    needs_upgrade: bool
    notes: list[str] = field(default_factory=list)


def sqlite_path(database_uri: str) -> Path:
    """The database file of a SQLite URI; any other database is refused."""
    if not database_uri.startswith("sqlite:"):
        raise BackupRefused(
            "This instance's database is not SQLite: back PostgreSQL up with pg_dump and "
            f"restore it with pg_restore, as {DOCS} describes (with the report PDFs and "
            "the secret key beside it)."
        )
    path = database_uri.split("///", 1)[-1].split("?", 1)[0]
    if not path or path == ":memory:":
        raise BackupRefused("An in-memory SQLite database has nothing to back up.")
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
        reports = sorted(_report_files(files.reports_dir))
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
        _check_integrity(target, "The live database")
        revision = _revision(target)
    finally:
        target.close()
        live.close()
    if revision is None:
        raise BackupRefused(
            "The database has no migration revision: it was never set up "
            "(flask --app counselor init)."
        )
    return revision


def _report_files(folder: Path) -> Iterable[str]:
    """Every stored report, as a path relative to the reports folder (partially written
    files, hidden, are left out)."""
    if not folder.is_dir():
        return
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_file() and not path.is_symlink() and _is_report_name(relative.parts):
            yield relative.as_posix()


def _is_report_name(parts: tuple[str, ...]) -> bool:
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


# --- restore ----------------------------------------------------------------------------


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
    if any(_report_files(files.reports_dir)):
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
    return len(parts) > 1 and parts[0] == REPORTS and _is_report_name(parts[1:])


def _read_manifest(archive: tarfile.TarFile, member: tarfile.TarInfo | None) -> dict[str, Any]:
    if member is None:
        raise _damaged("it has no manifest")
    handle = archive.extractfile(member)
    try:
        manifest = json.loads(handle.read(_CHUNK) if handle else b"")
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
            while source is not None and (chunk := source.read(_CHUNK)):
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
        _check_integrity(connection, "The archive's database")
        if _revision(connection) != revision:
            raise _damaged("its database's migration revision is not its manifest's")
    except sqlite3.DatabaseError:
        raise _damaged("its database is not a SQLite database") from None
    finally:
        connection.close()


def _check_integrity(connection: sqlite3.Connection, what: str) -> None:
    result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupRefused(f"{what} fails SQLite's integrity check: {'; '.join(result[:5])}")


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _damaged(detail: str) -> BackupRefused:
    return BackupRefused(f"The archive is damaged or was changed: {detail}. Nothing was restored.")
