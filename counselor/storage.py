"""Files the service writes, and the folders that hold them, readable by its own user only.

A report PDF holds a couple's reflections, an outbox ``.eml`` a partner's sign-in link, the
instance folder the SQLite database and the secret key, the embedded broker's folders the
task messages. Under the usual umask (022) a plain ``open`` or ``mkdir`` would make them
readable by every account on the machine, so everything here is created with an explicit
mode — files 0600, folders 0700 — and set to it again afterwards, since a umask can only
take permissions away and an odd one (say 0277) would leave the owner unable to write.
A folder the service uses that already exists with wider permissions (an install from
before, or one an operator made by hand) is narrowed the first time it is used.

Files are written to a temporary name in their folder and renamed over the target, so a
reader never sees half a file and a killed writer leaves at most a hidden ``.partial``.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path, PurePath

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(root: str | os.PathLike[str], *parts: str) -> Path:
    """``root`` and each folder of ``parts`` below it, made (missing parents of ``root``
    too) or narrowed to 0700; returns the innermost."""
    folder = Path(root)
    _make_private(folder)
    for part in parts:
        folder = folder / part
        _make_private(folder)
    return folder


def write_private_file(root: str | os.PathLike[str], relative: str, data: bytes) -> Path:
    """Write ``data`` to ``root/relative`` as a 0600 file, replacing any file there whole;
    ``root`` and the folders between it and the file are 0700. Returns the file's path."""
    inside = PurePath(relative)
    if inside.is_absolute() or ".." in inside.parts or not inside.name:
        raise ValueError(f"{relative!r} is not a file name inside the folder")
    folder = private_folder(root, *inside.parent.parts)
    target = folder / inside.name
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{inside.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as file:
            os.fchmod(file.fileno(), FILE_MODE)
            file.write(data)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return target


def _make_private(folder: Path) -> None:
    missing = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for new_folder in reversed(missing):
        new_folder.mkdir(mode=FOLDER_MODE, exist_ok=True)  # exists: another process won
    for made_or_used in missing or [folder]:
        if stat.S_IMODE(made_or_used.stat().st_mode) != FOLDER_MODE:
            _narrow(made_or_used)


def _narrow(folder: Path) -> None:
    try:
        folder.chmod(FOLDER_MODE)
    except PermissionError:
        # Someone else's folder (a shared mount): the service may still write in it, but
        # the operator must restrict it (docs/security.md).
        log.warning("could not restrict folder %s to mode 0700: not its owner", folder)
