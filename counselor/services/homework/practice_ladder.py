"""A practice's effective ladder: the shipped ladder (the base, written by ``ladder sync``)
with the practice's own changes applied — its text for a base step, its own steps, the
steps it retired, its counselor notes. Every page and the API read the ladder here
(``effective_ladder``), in four statements whatever the ladder's size.

How a practice's row applies to a base step (``PracticeTemplate`` with a base):

- each field left None keeps the base's value; the step's *source* is "practice" as soon
  as one is set, else "base";
- whether it leans on the partner: the practice's answer, else the base's; a step of the
  practice's own answers by its rung unless the practice said (``template_leans``);
- its words in other languages: when the practice rewrote the English title or
  instructions, only the translations the practice gave (the base's would say the old
  step); otherwise the base's, with any language the practice gave in place of the base's;
- *base updated*: the practice's text was written (or last reviewed) against an older
  version of the base step than the base has now.

Changes are made in ``practice_ladder_edits.py``; this module only reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Counselor, LadderRung, TaskTemplate, TemplateWho
from counselor.models.practice_ladder import (
    LadderChangeKind,
    PracticeLadderChange,
    PracticeRungNote,
    PracticeTemplate,
)
from counselor.services.homework.leaning import template_leans

Source = Literal["base", "practice"]
# A practice's row's fields that, set, replace the base's (None keeps the base's).
OVERRIDE_FIELDS = (
    "title",
    "instructions",
    "times_per_week",
    "who",
    "leans_on_partner",
    "translations",
)


@dataclass(frozen=True)
class EffectiveTemplate:
    """A step as the practice offers it."""

    key: str
    rung: LadderRung
    title: str
    instructions: str
    times_per_week: int
    who: TemplateWho
    leans_on_partner: bool
    translations: dict | None
    source: Source
    retired: bool
    # The practice's text sits on a base step whose words changed since it was written.
    base_updated: bool
    # The version of the words shown: the practice's for its text, else the base's.
    version: int
    base: TaskTemplate | None  # the shipped step; None for a step of the practice's own
    practice: PracticeTemplate | None  # the practice's row for it, if any

    @property
    def rung_id(self) -> int:
        return self.rung.id

    @property
    def own(self) -> bool:
        """A step of the practice's own (not on the shipped ladder)."""
        return self.base is None

    @property
    def overridden(self) -> bool:
        """A base step the practice changed (its text, times, assignee or leaning)."""
        return self.base is not None and self.source == "practice"

    def words(self) -> dict:
        """The step's effective words and settings, as a change's snapshot keeps them."""
        return {
            "title": self.title,
            "instructions": self.instructions,
            "times_per_week": self.times_per_week,
            "who": self.who.value,
            "leans_on_partner": self.leans_on_partner,
            "translations": self.translations,
            "retired": self.retired,
        }


@dataclass(frozen=True)
class EffectiveRung:
    """A rung with the practice's counselor note and its steps, retired ones included."""

    rung: LadderRung
    counselor_note: str
    note: PracticeRungNote | None  # the practice's own note, when it wrote one
    templates: tuple[EffectiveTemplate, ...]

    @property
    def id(self) -> int:
        return self.rung.id

    @property
    def key(self) -> str:
        return self.rung.key

    @property
    def position(self) -> int:
        return self.rung.position

    @property
    def title(self) -> str:
        return self.rung.title

    @property
    def purpose(self) -> str:
        return self.rung.purpose

    @property
    def translations(self) -> dict | None:
        return self.rung.translations

    @property
    def active(self) -> list[EffectiveTemplate]:
        """The steps offered: what the assign page and the API list."""
        return [template for template in self.templates if not template.retired]

    @property
    def retired(self) -> list[EffectiveTemplate]:
        return [template for template in self.templates if template.retired]


def effective_ladder(practice_id: int) -> list[EffectiveRung]:
    """The practice's ladder, rungs in order: the base's current steps in the base's order,
    then the practice's own steps. Four statements: rungs, base steps, the practice's
    steps, its notes."""
    rungs = db.session.scalars(sa.select(LadderRung).order_by(LadderRung.position)).all()
    bases = db.session.scalars(
        sa.select(TaskTemplate)
        .where(TaskTemplate.retired.is_(False))
        .order_by(TaskTemplate.rung_id, TaskTemplate.position, TaskTemplate.id)
    ).all()
    rows = db.session.scalars(
        sa.select(PracticeTemplate)
        .where(PracticeTemplate.practice_id == practice_id)
        .order_by(PracticeTemplate.position, PracticeTemplate.id)
    ).all()
    notes = {
        note.rung_id: note
        for note in db.session.scalars(
            sa.select(PracticeRungNote).where(PracticeRungNote.practice_id == practice_id)
        )
    }
    overrides = {row.base_template_id: row for row in rows if row.base_template_id is not None}
    by_rung: dict[int, list[EffectiveTemplate]] = {rung.id: [] for rung in rungs}
    rung_of = {rung.id: rung for rung in rungs}
    for base in bases:
        if base.rung_id in by_rung:
            by_rung[base.rung_id].append(
                effective_template_of(rung_of[base.rung_id], base, overrides.get(base.id))
            )
    for row in rows:
        if row.base_template_id is None and row.rung_id in by_rung:
            by_rung[row.rung_id].append(effective_template_of(rung_of[row.rung_id], None, row))
    return [
        EffectiveRung(
            rung=rung,
            counselor_note=notes[rung.id].counselor_note
            if rung.id in notes
            else rung.counselor_note,
            note=notes.get(rung.id),
            templates=tuple(by_rung[rung.id]),
        )
        for rung in rungs
    ]


def effective_template(
    practice_id: int, key: str, *, include_retired: bool = False
) -> EffectiveTemplate | None:
    """The practice's step with this key, as it offers it (None: no such step, or retired
    unless ``include_retired``)."""
    for rung in effective_ladder(practice_id):
        for template in rung.templates:
            if template.key == key and (include_retired or not template.retired):
                return template
    return None


def effective_rung(practice_id: int, rung_id: int) -> EffectiveRung | None:
    return next((r for r in effective_ladder(practice_id) if r.id == rung_id), None)


def effective_template_of(
    rung: LadderRung, base: TaskTemplate | None, row: PracticeTemplate | None
) -> EffectiveTemplate:
    """One step as the practice has it: the rules in the module's docstring, in one place."""
    if base is None:
        assert row is not None  # a step of the practice's own is its row
        assert row.title is not None and row.instructions is not None
        assert row.times_per_week is not None and row.who is not None
        return EffectiveTemplate(
            key=row.key,
            rung=rung,
            title=row.title,
            instructions=row.instructions,
            times_per_week=row.times_per_week,
            who=row.who,
            leans_on_partner=template_leans(rung.position, row.leans_on_partner),
            translations=row.translations or None,
            source="practice",
            retired=row.retired,
            base_updated=False,
            version=row.version,
            base=None,
            practice=row,
        )
    changed = row is not None and has_own_text(row)
    if row is None or not changed:
        return EffectiveTemplate(
            key=base.key,
            rung=rung,
            title=base.title,
            instructions=base.instructions,
            times_per_week=base.times_per_week,
            who=base.who,
            leans_on_partner=base.leans_on_partner,
            translations=base.translations or None,
            source="base",
            retired=row is not None and row.retired,
            base_updated=False,
            version=base.version,
            base=base,
            practice=row,
        )
    rewritten = row.title is not None or row.instructions is not None
    translations = (
        row.translations if rewritten else {**(base.translations or {}), **(row.translations or {})}
    )
    return EffectiveTemplate(
        key=base.key,
        rung=rung,
        title=row.title if row.title is not None else base.title,
        instructions=row.instructions if row.instructions is not None else base.instructions,
        times_per_week=row.times_per_week
        if row.times_per_week is not None
        else base.times_per_week,
        who=row.who if row.who is not None else base.who,
        leans_on_partner=row.leans_on_partner
        if row.leans_on_partner is not None
        else base.leans_on_partner,
        translations=translations or None,
        source="practice",
        retired=row.retired,
        base_updated=base.version > (row.base_version or 0),
        version=row.version,
        base=base,
        practice=row,
    )


def has_own_text(row: PracticeTemplate) -> bool:
    """The practice's row for a base step sets at least one field of its own."""
    return any(getattr(row, name) is not None for name in OVERRIDE_FIELDS)


@dataclass(frozen=True)
class HistoryEntry:
    """One change of the practice's ladder, as the History lists it."""

    kind: LadderChangeKind
    at: datetime
    by: str | None  # the counselor's name (None: no longer known)
    rung_position: int
    template_key: str | None
    version: int | None
    snapshot: dict

    @property
    def title(self) -> str | None:
        """The step's title after the change (None for a rung's note)."""
        return self.snapshot.get("title")


HISTORY_SHOWN = 50


def ladder_history(practice_id: int, limit: int = HISTORY_SHOWN) -> list[HistoryEntry]:
    """The practice's latest changes to its ladder, newest first (one statement)."""
    rows = db.session.execute(
        sa.select(PracticeLadderChange, Counselor.name, LadderRung.position)
        .join(LadderRung, LadderRung.id == PracticeLadderChange.rung_id)
        .outerjoin(Counselor, Counselor.id == PracticeLadderChange.counselor_id)
        .where(PracticeLadderChange.practice_id == practice_id)
        .order_by(PracticeLadderChange.created_at.desc(), PracticeLadderChange.id.desc())
        .limit(limit)
    ).all()
    return [
        HistoryEntry(
            kind=change.kind,
            at=change.created_at,
            by=name,
            rung_position=position,
            template_key=change.template_key,
            version=change.version,
            snapshot=change.snapshot or {},
        )
        for change, name, position in rows
    ]
