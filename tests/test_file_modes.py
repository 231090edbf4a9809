"""What the service writes to disk is its own user's alone, whatever the process umask: a
report PDF holds a couple's reflections and an outbox .eml a partner's link, so files are
0600 and the folders that hold them — the reports and outbox folders, the instance folder,
the embedded broker's — 0700 (issue 12, finding 8)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from counselor import config as config_module
from counselor import storage
from counselor.models import EmailKind
from counselor.services.delivery import mail, outbox
from counselor.services.reports import pre_session
from tests.support import factories

pytestmark = pytest.mark.usefixtures("common_umask")


@pytest.fixture
def common_umask() -> Iterator[None]:
    """The usual umask, under which a plain open() or mkdir() gives 0644 files and 0755
    folders."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_report_pdf_is_written_0600_in_0700_folders(app: Flask, actor, couple) -> None:
    factories.CheckInFactory(
        assignment=factories.AssignmentFactory(couple=couple),
        partner=couple.partners[0],
        reflection="We laughed at the kitchen table",
    )
    report = pre_session.generate_report(pre_session.request_report(actor, couple.id).id)
    reports_dir = Path(app.config["REPORTS_DIR"])
    pdf = reports_dir / str(report.practice_id) / str(report.file_name)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert mode(pdf) == 0o600
    assert (mode(pdf.parent), mode(reports_dir)) == (0o700, 0o700)
    assert [p.name for p in pdf.parent.iterdir()] == [pdf.name]  # no partial file left


def test_an_outbox_email_is_written_0600_in_a_0700_folder(app: Flask, actor, couple) -> None:
    factories.AssignmentFactory(couple=couple)
    email_id = mail.queue_email(couple.partners[0], EmailKind.NEW_STEP).id
    assert outbox.deliver(mail.EMAILS, [email_id]).done == [email_id]
    outbox_dir = Path(app.config["MAIL_OUTBOX_DIR"])
    (eml,) = outbox_dir.iterdir()
    assert eml.suffix == ".eml"
    assert (mode(eml), mode(outbox_dir)) == (0o600, 0o700)


def test_folders_that_exist_with_wider_modes_are_narrowed(tmp_path: Path) -> None:
    """An install from before this change, or a folder an operator made by hand."""
    root = tmp_path / "reports"
    (root / "7").mkdir(parents=True, mode=0o755)
    (root / "7" / "old.pdf").write_bytes(b"%PDF old")

    written = storage.write_private_file(root, "7/new.pdf", b"%PDF new")

    assert written == root / "7" / "new.pdf"
    assert (mode(root), mode(root / "7"), mode(written)) == (0o700, 0o700, 0o600)


def test_a_rewritten_file_is_replaced_whole_and_stays_private(tmp_path: Path) -> None:
    storage.write_private_file(tmp_path, "report.pdf", b"first")
    storage.write_private_file(tmp_path, "report.pdf", b"second")
    assert (tmp_path / "report.pdf").read_bytes() == b"second"
    assert mode(tmp_path / "report.pdf") == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


def test_missing_parent_folders_are_made_0700_too(tmp_path: Path) -> None:
    storage.write_private_file(tmp_path / "a" / "b", "c/file.eml", b"x")
    for folder in ("a", "a/b", "a/b/c"):
        assert mode(tmp_path / folder) == 0o700, folder


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        storage.write_private_file(tmp_path, "report.pdf", "not bytes")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_a_path_outside_the_folder_is_refused(tmp_path: Path) -> None:
    for relative in ("../escape.pdf", "/etc/escape.pdf"):
        with pytest.raises(ValueError, match="inside"):
            storage.write_private_file(tmp_path / "reports", relative, b"x")
    assert not (tmp_path / "escape.pdf").exists()


def test_the_instance_folder_and_the_embedded_broker_are_0700(app: Flask, tmp_path: Path) -> None:
    """What the app keeps in its instance folder (the SQLite database, the secret key, the
    filesystem broker's messages) is reached only through 0700 folders."""
    assert mode(Path(app.instance_path)) == 0o700  # create_app made or narrowed it
    instance = tmp_path / "instance"
    (instance / "broker").mkdir(parents=True, mode=0o755)
    config = {"CELERY": {"broker_url": None}}
    config_module.apply_instance_defaults(config, str(instance), environ={})
    broker = instance / "broker"
    for folder in (broker, broker / "queue", broker / "control"):
        assert mode(folder) == 0o700, folder
