"""The practical-steps ladder as data: ``ladder.toml`` and a loader that checks it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

LADDER_FILE = Path(__file__).with_name("ladder.toml")
WHO_VALUES = ("each", "together")


class LadderFileError(ValueError):
    """The ladder file is malformed; the message names the rung or template."""


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    title: str
    instructions: str
    times_per_week: int
    who: str


@dataclass(frozen=True)
class RungSpec:
    position: int
    key: str
    title: str
    purpose: str
    counselor_note: str
    templates: tuple[TemplateSpec, ...]


def load_ladder(path: Path = LADDER_FILE) -> list[RungSpec]:
    """Read and check the ladder file; rungs come back in ladder order."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    rungs = [_rung_from(entry) for entry in raw.get("rungs", [])]
    rungs.sort(key=lambda rung: rung.position)
    _check_whole_ladder(rungs)
    return rungs


def _rung_from(entry: dict) -> RungSpec:
    key = _text(entry, "key", "a rung")
    where = f"rung {key!r}"
    templates = tuple(_template_from(t, where) for t in entry.get("templates", []))
    if not 1 <= len(templates) <= 5:
        raise LadderFileError(f"{where} has {len(templates)} templates; give it 1 to 5.")
    position = entry.get("order")
    if not isinstance(position, int):
        raise LadderFileError(f"{where} needs a whole-number 'order'.")
    return RungSpec(
        position=position,
        key=key,
        title=_text(entry, "title", where),
        purpose=_text(entry, "purpose", where),
        counselor_note=_text(entry, "counselor_note", where),
        templates=templates,
    )


def _template_from(entry: dict, rung: str) -> TemplateSpec:
    key = _text(entry, "key", f"a template of {rung}")
    where = f"template {key!r}"
    times = entry.get("times_per_week")
    if not isinstance(times, int) or not 1 <= times <= 14:
        raise LadderFileError(f"{where}: times_per_week must be a whole number from 1 to 14.")
    who = entry.get("who")
    if who not in WHO_VALUES:
        raise LadderFileError(f"{where}: who must be one of {', '.join(WHO_VALUES)}.")
    return TemplateSpec(
        key=key,
        title=_text(entry, "title", where),
        instructions=_text(entry, "instructions", where),
        times_per_week=times,
        who=who,
    )


def _text(entry: dict, field: str, where: str) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise LadderFileError(f"{where} needs a non-empty {field!r}.")
    return " ".join(value.split())


def _check_whole_ladder(rungs: list[RungSpec]) -> None:
    positions = [rung.position for rung in rungs]
    if positions != list(range(1, len(rungs) + 1)):
        raise LadderFileError(f"rung orders must run 1, 2, 3 … without gaps; found {positions}.")
    keys = [rung.key for rung in rungs] + [t.key for rung in rungs for t in rung.templates]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise LadderFileError(f"keys must be unique across the file; repeated: {duplicates}.")
