"""The shipped ladder (the base) in the database: sync from the data file, and its rungs.

What a practice offers — the base with its own text, own steps and retired steps — is read
in services/homework/practice_ladder.py (``effective_ladder``, ``effective_template``):
every page, the assign service and the API read steps there, never here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor import timeutil
from counselor.extensions import db
from counselor.ladder import (
    RungSpec,
    TemplateSpec,
    WeeklyItemSpec,
    load_ladder,
    load_weekly_checkin,
)
from counselor.models import LadderRung, TaskTemplate, TemplateWho, WeeklyCheckinItem
from counselor.services.homework.given_translations import backfill_given_translations
from counselor.services.homework.leaning import template_leans


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    # The weekly check-in's items, by key.
    items_created: list[str] = field(default_factory=list)
    items_updated: list[str] = field(default_factory=list)
    items_retired: list[str] = field(default_factory=list)
    # Steps given before the ladder had translations that were given their template's
    # (services/homework/given_translations.py).
    steps_translated: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.created
            or self.updated
            or self.retired
            or self.items_created
            or self.items_updated
            or self.items_retired
            or self.steps_translated
        )


def sync_ladder(
    specs: list[RungSpec] | None = None, items: list[WeeklyItemSpec] | None = None
) -> SyncResult:
    """Upsert rungs, templates and the weekly check-in's items by key (each list from the
    ladder file unless given).

    A template whose text changes gets a new ``version``; assignments keep the
    snapshot they were given, so old homework never changes under a client. Whether a
    template leans on the partner is not its text: a change of that alone is an update
    without a new version, and so is a change of its translations alone. Templates missing
    from the file are retired (hidden from pickers), never deleted. Items follow the same
    rules (``sync_weekly_items``). Steps given from a template before it had translations
    get them when they still read as it does (``backfill_given_translations``).
    """
    specs = load_ladder() if specs is None else specs
    result = SyncResult()
    sync_weekly_items(load_weekly_checkin() if items is None else items, result)
    rungs = {rung.key: rung for rung in db.session.scalars(sa.select(LadderRung))}
    templates = {t.key: t for t in db.session.scalars(sa.select(TaskTemplate))}
    now = timeutil.utcnow()

    # Positions are unique: park existing rungs out of the way before renumbering.
    for offset, rung in enumerate(rungs.values(), start=1):
        rung.position = -offset
    db.session.flush()

    seen_templates: set[str] = set()
    with db.session.no_autoflush:
        _apply_specs(specs, rungs, templates, seen_templates, result, now)

    for key, template in templates.items():
        if key not in seen_templates and not template.retired:
            template.retired = True
            result.retired.append(key)
    result.steps_translated = backfill_given_translations(templates.values())
    return result


def _apply_specs(
    specs: list[RungSpec],
    rungs: dict[str, LadderRung],
    templates: dict[str, TaskTemplate],
    seen_templates: set[str],
    result: SyncResult,
    now: datetime,
) -> None:
    for spec in specs:
        rung = rungs.get(spec.key)
        if rung is None:
            rung = LadderRung(key=spec.key)
            db.session.add(rung)
            result.created.append(spec.key)
        elif (rung.title, rung.purpose, rung.counselor_note, rung.translations or {}) != (
            spec.title,
            spec.purpose,
            spec.counselor_note,
            spec.translations,
        ):
            result.updated.append(spec.key)
        rung.position = spec.position
        rung.title, rung.purpose, rung.counselor_note = (
            spec.title,
            spec.purpose,
            spec.counselor_note,
        )
        rung.translations = dict(spec.translations)
        rung.updated_at = now
        for position, template_spec in enumerate(spec.templates, start=1):
            seen_templates.add(template_spec.key)
            _upsert_template(rung, position, template_spec, templates, result, now)


def _upsert_template(
    rung: LadderRung,
    position: int,
    spec: TemplateSpec,
    templates: dict[str, TaskTemplate],
    result: SyncResult,
    now: datetime,
) -> None:
    template = templates.get(spec.key)
    text = (spec.title, spec.instructions, spec.times_per_week, TemplateWho(spec.who))
    if template is None:
        template = TaskTemplate(key=spec.key, version=1)
        db.session.add(template)
        result.created.append(spec.key)
    elif (template.title, template.instructions, template.times_per_week, template.who) != text:
        template.version += 1
        result.updated.append(spec.key)
    elif (
        template.retired
        or template.rung is not rung
        or template.leans_on_partner != template_leans(rung.position, spec.leans_on_partner)
        # The translations alone are no new version: ``version`` follows the English words
        # (the source every translation renders, what a practice's override is written and
        # reviewed against — a new version marks overrides "base updated" for the owner to
        # review). A reworded translation says the same step better; assignments already
        # given keep the words they were given either way.
        or (template.translations or {}) != spec.translations
    ):
        result.updated.append(spec.key)
    template.rung = rung
    template.position = position
    template.title, template.instructions, template.times_per_week, template.who = text
    template.leans_on_partner = template_leans(rung.position, spec.leans_on_partner)
    template.translations = dict(spec.translations)
    template.retired = False
    template.updated_at = now


def sync_weekly_items(specs: list[WeeklyItemSpec], result: SyncResult) -> None:
    """Upsert the weekly check-in's items by key, in the file's order. Changed words (the
    statement or either end's label) give an item a new ``version`` — an answer keeps the
    version it was given, so what a partner rated never changes under them. An item
    missing from the file is retired (no longer asked), never deleted: answers point to it."""
    items = {item.key: item for item in db.session.scalars(sa.select(WeeklyCheckinItem))}
    now = timeutil.utcnow()
    for position, spec in enumerate(specs, start=1):
        item = items.get(spec.key)
        words = (spec.text, spec.low_label, spec.high_label)
        if item is None:
            item = WeeklyCheckinItem(key=spec.key, version=1)
            db.session.add(item)
            result.items_created.append(spec.key)
        elif (item.text, item.low_label, item.high_label) != words:
            item.version += 1
            result.items_updated.append(spec.key)
        elif (
            item.retired
            or item.position != position
            # Translations alone are no new version, as for templates: the version marks a
            # change of the statement (its English words), which answers are compared by.
            or (item.translations or {}) != spec.translations
        ):
            result.items_updated.append(spec.key)
        item.position = position
        item.text, item.low_label, item.high_label = words
        item.translations = dict(spec.translations)
        item.retired = False
        item.updated_at = now
    wanted = {spec.key for spec in specs}
    for key, item in items.items():
        if key not in wanted and not item.retired:
            item.retired = True
            result.items_retired.append(key)


def ladder_rungs() -> list[LadderRung]:
    """All rungs in order with their current (not retired) templates loaded."""
    rungs = db.session.scalars(
        sa.select(LadderRung)
        .order_by(LadderRung.position)
        .options(selectinload(LadderRung.templates))
    ).all()
    return list(rungs)


def top_rung_position() -> int | None:
    """The ladder's highest rung position (None before the ladder is synced): no rung
    above it to suggest moving up to."""
    return db.session.scalar(top_rung_position_sql())


def top_rung_position_sql() -> sa.Select[int | None]:
    """``top_rung_position`` as a SELECT, for a query that reads it as a column of its
    own (the couples list)."""
    return sa.select(sa.func.max(LadderRung.position))


def base_active_templates(rung: LadderRung) -> list[TaskTemplate]:
    """The shipped ladder's current steps on a rung, as ``ladder sync`` wrote them, without
    any practice's changes: for ``ladder show``. A practice's steps: ``effective_ladder``."""
    return [template for template in rung.templates if not template.retired]


def rung_by_key(key: str) -> LadderRung | None:
    return db.session.scalar(sa.select(LadderRung).where(LadderRung.key == key))
