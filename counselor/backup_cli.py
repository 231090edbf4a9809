"""``flask --app counselor backup -o FILE`` and ``flask --app counselor restore FILE``:
the embedded SQLite default's database, report PDFs and secret key as one archive, and
back into an empty instance (``counselor/backups.py``; PostgreSQL: docs/backups.md)."""

from __future__ import annotations

import importlib.metadata
from datetime import datetime
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app

from counselor import backup_restore, backups
from counselor.config import SECRET_KEY_FILE


@click.command("backup")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The archive to write (.tar.gz), readable by you alone.",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def backup_command(output: Path, force: bool) -> None:
    """Back up the SQLite database, the report PDFs and the secret key into one archive,
    while the service keeps running."""
    files = _instance_files()
    try:
        summary = backups.create_backup(output, files, app_version=_app_version(), force=force)
    except backups.BackupRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(
        f"Wrote {summary.path} ({summary.size:,} bytes, mode 600): the database at migration "
        f"{summary.migration_head}, {summary.reports} report PDF(s)"
        + (", and the secret key." if summary.has_secret_key else ".")
    )
    if _secret_key_set_elsewhere(files.secret_key_file):
        click.echo(
            "SECRET_KEY comes from your configuration, not instance/secret_key: the archive "
            "does not hold it. Keep it, with instance/config.py, among your other secrets."
        )
    click.echo(
        "The archive holds clients' data: keep it encrypted, somewhere other than this "
        f"machine, and test a restore ({backups.DOCS})."
    )


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive: Path) -> None:
    """Restore a backup archive into this instance, which must be empty (no data, no
    reports). Stop the service first."""
    files = _instance_files()
    key_set_elsewhere = _secret_key_set_elsewhere(files.secret_key_file)
    try:
        summary = backup_restore.restore_backup(archive, files, _migrations())
    except backups.BackupRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(
        f"Restored the backup made {_when(summary.created_at)} by version "
        f"{summary.app_version}: "
        f"the database, {summary.reports} report PDF(s)"
        + (" and the secret key." if summary.has_secret_key else ".")
    )
    if summary.needs_upgrade:
        click.echo(
            f"The database is at migration {summary.migration_head}, older than this code's. "
            "Run `flask --app counselor db upgrade` before starting the service."
        )
    if key_set_elsewhere and summary.has_secret_key:
        click.echo(
            "SECRET_KEY is set in your configuration, so the service does not read the "
            "restored instance/secret_key: set SECRET_KEY to that file's value, or sessions "
            "and signed links from before the backup stop working."
        )


def _instance_files() -> backups.InstanceFiles:
    try:
        database = backups.sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
    except backups.BackupRefused as refusal:
        raise click.ClickException(str(refusal)) from None
    return backups.InstanceFiles(
        database=database,
        reports_dir=Path(current_app.config["REPORTS_DIR"]),
        secret_key_file=Path(current_app.instance_path) / SECRET_KEY_FILE,
    )


def _secret_key_set_elsewhere(key_file: Path) -> bool:
    """Whether SECRET_KEY comes from configuration rather than instance/secret_key."""
    try:
        return key_file.read_text().strip() != current_app.config["SECRET_KEY"]
    except FileNotFoundError:
        return True


def _migrations() -> backup_restore.Migrations:
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    head = scripts.get_current_head()
    if head is None:
        raise click.ClickException("This code has no migrations to compare the archive with.")
    known = frozenset(script.revision for script in scripts.walk_revisions())
    return backup_restore.Migrations(head=head, known=known)


def _when(created_at: str) -> str:
    try:
        return f"{datetime.fromisoformat(created_at):%Y-%m-%d %H:%M} UTC"
    except ValueError:
        return "at an unknown time"


def _app_version() -> str:
    try:
        return importlib.metadata.version("counselor-homework")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
