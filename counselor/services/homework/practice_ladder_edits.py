"""An owner's changes to the practice's ladder: its text for a base step, its own steps,
retiring and bringing back, restoring the base's text (and undoing that), keeping its
text after the base changed, and its counselor note for a rung.

Owners only; a counselor who is not an owner reads the ladder and changes nothing. Each
change is checked whole before anything is written (the field rules are the ladder
file's, ``counselor.ladder.check_template_fields``), adds one ``PracticeLadderChange``
(who, when, what, the version, the step's effective words after it) and one audit event.
Nothing is deleted but a practice's own note when the rung goes back to the base's (its
words stay in the history). ``ladder sync`` never touches any of these rows."""

from __future__ import annotations

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Counselor, LadderRung, TaskTemplate, TemplateWho
from counselor.models.practice_ladder import (
    LadderChangeKind,
    PracticeLadderChange,
    PracticeRungNote,
    PracticeTemplate,
)
from counselor.services.accounts.settings import may_manage_practice
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.homework.practice_ladder import (
    OVERRIDE_FIELDS,
    EffectiveRung,
    EffectiveTemplate,
    effective_rung,
    effective_template,
    effective_template_of,
    has_own_text,
)
from counselor.services.homework.practice_ladder_input import StepInput, checked_step, new_key
from counselor.services.validation import unstorable

ONLY_OWNERS = "Only an owner of the practice can change its ladder."
NOTE_MAX = 4000  # a rung's counselor note: a page's worth, like a step's instructions


def require_owner(counselor: Counselor) -> Actor:
    if not may_manage_practice(counselor):
        raise InvalidInput.single("practice", ONLY_OWNERS)
    return Actor.for_counselor(counselor)


def save_step(counselor: Counselor, key: str, data: StepInput) -> PracticeLadderChange | None:
    """Write the practice's text for a step: an override of a base step (a field equal to
    the base's is stored as None, so it follows the base) or a change of its own step. None
    when nothing differs from what the practice has now."""
    actor = require_owner(counselor)
    current = _step_or_not_found(counselor.practice_id, key)
    values = checked_step(data)
    row = current.practice
    if current.base is None:
        assert row is not None
        if _same(row, values):
            return None
        _apply(row, values)
        row.version += 1
        kind = LadderChangeKind.EDITED
    else:
        base = current.base
        values = _unless_base(base, values)
        if (
            _same(row, values)
            if row is not None
            else not any(v is not None for v in values.values())
        ):
            return None
        if row is None:
            row = _new_override(counselor, base)
        else:
            row.version += 1
        _apply(row, values)
        row.base_version = base.version
        kind = LadderChangeKind.OVERRIDDEN
    return _record(actor, current.rung, current.base, row, kind)


def add_step(counselor: Counselor, rung_id: int, data: StepInput) -> PracticeLadderChange:
    """A step of the practice's own, after the rung's other steps."""
    actor = require_owner(counselor)
    rung = _rung_or_not_found(counselor.practice_id, rung_id)
    values = checked_step(data)
    last = max(
        (t.practice.position or 0 for t in rung.templates if t.own and t.practice), default=0
    )
    row = PracticeTemplate(
        practice_id=counselor.practice_id,
        base_template_id=None,
        rung_id=rung.id,
        key=new_key(counselor.practice_id, values["title"]),
        position=last + 1,
        version=1,
        retired=False,
        updated_by_id=counselor.id,
    )
    _apply(row, values)
    db.session.add(row)
    return _record(actor, rung.rung, None, row, LadderChangeKind.ADDED)


def retire_step(counselor: Counselor, key: str) -> PracticeLadderChange:
    """Hide a step from the assign page and the API; steps given from it stay as they are."""
    return _set_retired(counselor, key, True)


def return_step(counselor: Counselor, key: str) -> PracticeLadderChange:
    """Offer a retired step again."""
    return _set_retired(counselor, key, False)


def restore_base(counselor: Counselor, key: str) -> PracticeLadderChange:
    """Undo the practice's text for a base step: it reads as the base again. The replaced
    fields stay in the change's snapshot, for *Undo* (``undo_restore``)."""
    actor = require_owner(counselor)
    current = _step_or_not_found(counselor.practice_id, key, include_retired=True)
    row = current.practice
    if current.base is None or row is None or not has_own_text(row):
        raise InvalidInput.single("key", "This step already reads as the base ladder's.")
    replaced = {name: _stored(getattr(row, name)) for name in OVERRIDE_FIELDS}
    replaced["base_version"] = row.base_version
    _apply(row, dict.fromkeys(OVERRIDE_FIELDS))
    row.version += 1
    row.base_version = current.base.version
    row.updated_by_id = counselor.id
    return _record(
        actor, current.rung, current.base, row, LadderChangeKind.BASE_RESTORED, replaced=replaced
    )


def undo_restore(counselor: Counselor, key: str) -> PracticeLadderChange:
    """Put back the practice's text that *Restore the base text* replaced, while no other
    text was written for the step since."""
    actor = require_owner(counselor)
    current = _step_or_not_found(counselor.practice_id, key, include_retired=True)
    row = current.practice
    restore = restores_to_undo(counselor.practice_id).get(row.id) if row is not None else None
    if restore is None or row is None or current.source != "base":
        raise InvalidInput.single("key", "There is no restore of this step to undo.")
    replaced = dict((restore.snapshot or {})["replaced"])
    base_version = replaced.pop("base_version", None)
    if replaced.get("who") is not None:
        replaced["who"] = TemplateWho(replaced["who"])
    _apply(row, replaced)
    row.version += 1
    row.base_version = base_version
    row.updated_by_id = counselor.id
    return _record(actor, current.rung, current.base, row, LadderChangeKind.OVERRIDDEN)


def restores_to_undo(practice_id: int) -> dict[int, PracticeLadderChange]:
    """Restores of the base's text that *Undo* may still take back, by the practice's row:
    the restore is the last change of the step's words (its version is the row's). One
    statement for the whole ladder."""
    changes = db.session.scalars(
        sa.select(PracticeLadderChange)
        .join(PracticeTemplate, PracticeTemplate.id == PracticeLadderChange.practice_template_id)
        .where(
            PracticeLadderChange.practice_id == practice_id,
            PracticeLadderChange.kind == LadderChangeKind.BASE_RESTORED,
            PracticeLadderChange.version == PracticeTemplate.version,
        )
    )
    return {
        change.practice_template_id: change for change in changes if change.practice_template_id
    }


def keep_ours(counselor: Counselor, key: str) -> PracticeLadderChange:
    """The base step changed under the practice's text: keep the practice's, reviewed
    against the base's new version (no longer marked *Base updated*)."""
    actor = require_owner(counselor)
    current = _step_or_not_found(counselor.practice_id, key, include_retired=True)
    if not current.base_updated or current.base is None or current.practice is None:
        raise InvalidInput.single("key", "The base ladder has not changed under this step.")
    current.practice.base_version = current.base.version
    current.practice.updated_by_id = counselor.id
    return _record(
        actor, current.rung, current.base, current.practice, LadderChangeKind.BASE_REVIEWED
    )


def save_rung_note(counselor: Counselor, rung_id: int, text: str) -> PracticeLadderChange | None:
    """The practice's own counselor note for a rung (None: the same words as now)."""
    actor = require_owner(counselor)
    rung = _rung_or_not_found(counselor.practice_id, rung_id)
    note = (text or "").strip()
    problems = FieldErrors()
    if not note:
        problems.add("counselor_note", "Write the note, or go back to the base note.")
    elif len(note) > NOTE_MAX:
        problems.add("counselor_note", f"Keep the note to {NOTE_MAX} characters or fewer.")
    elif problem := unstorable(note):
        problems.add("counselor_note", problem)
    problems.raise_if_any()
    if note == rung.counselor_note:
        return None
    row = rung.note
    if row is None:
        row = PracticeRungNote(practice_id=counselor.practice_id, rung_id=rung.id)
        db.session.add(row)
    row.counselor_note, row.updated_by_id = note, counselor.id
    db.session.flush()
    change = _add_change(actor, rung.id, None, None, LadderChangeKind.RUNG_NOTE, None, note)
    record_event(actor, "ladder.rung_note", "ladder_rung", rung.id)
    return change


def restore_rung_note(counselor: Counselor, rung_id: int) -> PracticeLadderChange:
    """Back to the shipped note for the rung; the practice's words stay in the history."""
    actor = require_owner(counselor)
    rung = _rung_or_not_found(counselor.practice_id, rung_id)
    if rung.note is None:
        raise InvalidInput.single("counselor_note", "This rung already has the base note.")
    db.session.delete(rung.note)
    db.session.flush()
    change = _add_change(
        actor,
        rung.id,
        None,
        None,
        LadderChangeKind.RUNG_NOTE_RESTORED,
        None,
        rung.rung.counselor_note,
    )
    record_event(actor, "ladder.rung_note_restored", "ladder_rung", rung.id)
    return change


# --- the parts ------------------------------------------------------------------------


def _step_or_not_found(
    practice_id: int, key: str, *, include_retired: bool = True
) -> EffectiveTemplate:
    template = effective_template(practice_id, key, include_retired=include_retired)
    if template is None:
        raise InvalidInput.single("key", "No step with this key on the practice's ladder.")
    return template


def _rung_or_not_found(practice_id: int, rung_id: int) -> EffectiveRung:
    rung = effective_rung(practice_id, rung_id)
    if rung is None:
        raise InvalidInput.single("rung_id", "No such rung on the ladder.")
    return rung


def _unless_base(base: TaskTemplate, values: dict) -> dict:
    """An override stores only what differs from the base step (None: follows the base), so
    an override whose every field equals the base's is none. The words in other languages,
    per language: with the English words the base's, a language whose words equal the
    base's follows the base; with them rewritten, every language given is kept (the base's
    would say the old step, ``effective_template_of``)."""
    stored = {
        name: None if value == getattr(base, name) else value
        for name, value in values.items()
        if name != "translations"
    }
    given = values.get("translations") or {}
    if stored["title"] is None and stored["instructions"] is None:
        base_words = base.translations or {}
        given = {code: words for code, words in given.items() if words != base_words.get(code)}
    stored["translations"] = given or None
    return stored


def _same(row: PracticeTemplate, values: dict) -> bool:
    return all(getattr(row, name) == value for name, value in values.items())


def _apply(row: PracticeTemplate, values: dict) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def _stored(value: object) -> object:
    return value.value if isinstance(value, TemplateWho) else value


def _new_override(counselor: Counselor, base: TaskTemplate) -> PracticeTemplate:
    row = PracticeTemplate(
        practice_id=counselor.practice_id,
        base_template_id=base.id,
        rung_id=base.rung_id,
        key=base.key,
        version=1,
        retired=False,
        base_version=base.version,
        updated_by_id=counselor.id,
    )
    db.session.add(row)
    return row


def _set_retired(counselor: Counselor, key: str, retired: bool) -> PracticeLadderChange:
    actor = require_owner(counselor)
    current = _step_or_not_found(counselor.practice_id, key, include_retired=True)
    if current.retired == retired:
        state = "retired" if retired else "offered"
        raise InvalidInput.single("key", f"This step is already {state}.")
    row = current.practice
    if row is None:
        assert current.base is not None  # a step of the practice's own has its row
        row = _new_override(counselor, current.base)
    row.retired = retired
    row.updated_by_id = counselor.id
    kind = LadderChangeKind.RETIRED if retired else LadderChangeKind.RETURNED
    return _record(actor, current.rung, current.base, row, kind)


def _record(
    actor: Actor,
    rung: LadderRung,
    base: TaskTemplate | None,
    row: PracticeTemplate,
    kind: LadderChangeKind,
    *,
    replaced: dict | None = None,
) -> PracticeLadderChange:
    """The change's history row and audit event, the step's effective words as snapshot."""
    db.session.flush()
    after = effective_template_of(rung, base, row)
    snapshot = after.words()
    if replaced is not None:
        snapshot["replaced"] = replaced
    change = _add_change(actor, rung.id, row, after.key, kind, row.version, None, snapshot)
    record_event(actor, f"ladder.{kind.value}", "practice_template", row.id)
    return change


def _add_change(
    actor: Actor,
    rung_id: int,
    row: PracticeTemplate | None,
    key: str | None,
    kind: LadderChangeKind,
    version: int | None,
    note: str | None,
    snapshot: dict | None = None,
) -> PracticeLadderChange:
    change = PracticeLadderChange(
        practice_id=actor.practice_id,
        rung_id=rung_id,
        practice_template_id=row.id if row is not None else None,
        template_key=key,
        kind=kind,
        version=version,
        snapshot=snapshot if note is None else {"counselor_note": note},
        counselor_id=actor.id,
    )
    db.session.add(change)
    db.session.flush()
    return change
