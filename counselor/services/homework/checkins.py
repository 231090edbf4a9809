"""Check-ins: a partner doing one assignment once. Recording one is idempotent; for a week
after recording it (``change_window``), the partner may change or delete it, under the same
rules as recording."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import load_only

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AssignmentStatus,
    CheckIn,
    CheckInSource,
    CoupleStatus,
    Partner,
    Visibility,
)
from counselor.services.audit import Actor, record_event
from counselor.services.delivery import webhooks
from counselor.services.errors import FieldErrors, InvalidInput, NotFound
from counselor.services.homework import acknowledgements, change_window, reflections, replies
from counselor.services.homework.assignments import assignee_partner_ids
from counselor.services.validation import CHECKIN_KEY_MAX, REFLECTION_MAX, unstorable
from counselor.tenancy import get_in_practice

BACKDATE_DAYS = 7


@dataclass
class CheckInInput:
    partner_id: int
    source: CheckInSource
    # The same key from the same partner is the same check-in (double click, replay, retry).
    idempotency_key: str | None = None
    occurred_on: date | None = None  # default: the partner's today
    comfort: int | None = None
    reflection: str | None = None
    share_with_partner: bool = False


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def record_checkin(actor: Actor, assignment_id: int, data: CheckInInput) -> tuple[CheckIn, bool]:
    """Record the check-in, or return the one already recorded under the same key.

    Returns ``(check_in, created)``.
    """
    key = data.idempotency_key or new_idempotency_key()
    assignment, existing = step_with_checkin(assignment_id, data.partner_id, key)
    return record_checkin_on(actor, assignment, replace(data, idempotency_key=key), existing)


def step_with_checkin(
    assignment_id: int, partner_id: int, key: str | None, *, for_check_in: bool = False
) -> tuple[Assignment, CheckIn | None]:
    """The step (``NotFound`` if the practice has no such step), and the partner's
    check-in already recorded under ``key`` if there is one — in one SELECT, so that a
    replayed form costs no more than a look, and a new one no more than the step. A key no
    column could hold matches nothing (and reaches no query).

    ``for_check_in``: only the columns ``record_checkin_on`` reads (``CHECK_IN_COLUMNS``);
    any other attribute is loaded when first read."""
    storable = _storable_key(key)
    row = db.session.execute(
        _step_with_checkin_query(storable, for_check_in),
        {"assignment_id": assignment_id, "partner_id": partner_id, "key": key if storable else ""},
    ).first()
    if row is None:
        raise NotFound(f"assignment {assignment_id}")
    return row[0], row[1]


# What recording a check-in reads of its step (whether it is open, who does it, the days it
# may be put on) and of a check-in already under its key (only that there is one; a
# partner's *Mark done* then shows their page). Primary keys are always loaded.
CHECK_IN_COLUMNS = {
    Assignment: ("couple_id", "assignee_partner_id", "status", "starts_on", "due_on"),
    CheckIn: ("partner_id",),
}


@cache
def _step_with_checkin_query(
    storable_key: bool, for_check_in: bool
) -> sa.Select[Assignment, CheckIn]:
    """``step_with_checkin``'s SELECT, built once per process (the practice's scope is
    added to it per execution, counselor/tenancy.py); a key no column could hold is never
    compared, so it reaches no query."""
    existing_under_key = sa.and_(
        CheckIn.partner_id == sa.bindparam("partner_id"),
        (CheckIn.idempotency_key == sa.bindparam("key")) if storable_key else sa.false(),
    )
    statement = (
        sa.select(Assignment, CheckIn)
        .outerjoin(CheckIn, existing_under_key)
        .where(Assignment.id == sa.bindparam("assignment_id"))
    )
    if for_check_in:
        statement = statement.options(
            *(
                load_only(*(getattr(entity, name) for name in names))
                for entity, names in CHECK_IN_COLUMNS.items()
            )
        )
    return statement


def _storable_key(key: str | None) -> bool:
    return bool(key) and len(key or "") <= CHECKIN_KEY_MAX and unstorable(key or "") is None


def record_checkin_on(
    actor: Actor, assignment: Assignment, data: CheckInInput, existing: CheckIn | None
) -> tuple[CheckIn, bool]:
    """``record_checkin`` on a step already loaded with the partner's check-in under the
    key (``step_with_checkin``): a partner's link has loaded the couple and its partners
    already, so the rules are checked on those rows and the check-in costs one INSERT.

    Returns ``(check_in, created)``.
    """
    # The couple and its partners come from the session when the caller loaded them.
    partner_ids = [p.id for p in assignment.couple.partners]
    partner = next((p for p in assignment.couple.partners if p.id == data.partner_id), None)
    key = data.idempotency_key or new_idempotency_key()
    if partner is not None and existing is not None:
        return existing, False

    _check_step_open(assignment)
    if partner is None or partner.id not in assignee_partner_ids(assignment, partner_ids):
        raise InvalidInput.single("partner_id", "This partner is not doing this step.")
    problems = FieldErrors()
    occurred_on = _check_occurred_on(problems, partner, data.occurred_on, assignment)
    reflection = _check_details(problems, data.comfort, data.reflection)
    problems.raise_if_any()

    check_in = _insert_once(
        practice_id=actor.practice_id,
        assignment_id=assignment.id,
        partner_id=partner.id,
        occurred_on=occurred_on,
        comfort=data.comfort,
        reflection=reflection,
        visibility=Visibility.SHARED if data.share_with_partner else Visibility.COUNSELOR,
        source=data.source,
        idempotency_key=key,
    )
    if check_in is None:
        # Another request with the same key won the race (it committed between our look
        # and our INSERT, or we waited on its row): theirs is the check-in.
        existing = _checkin_by_key(partner.id, key)
        if existing is None:
            raise RuntimeError("a check-in's key conflicted, yet no check-in holds it")
        return existing, False
    record_event(actor, "checkin.create", "checkin", check_in.id)
    webhooks.emit(
        actor.practice_id,
        "checkin.created",
        {
            "checkin_id": check_in.id,
            "assignment_id": assignment.id,
            "couple_id": assignment.couple_id,
            "partner_id": partner.id,
        },
    )
    return check_in, True


def _insert_once(**values: object) -> CheckIn | None:
    """INSERT the check-in unless the partner has one under its key already, in one
    statement: ``INSERT … ON CONFLICT (partner_id, idempotency_key) DO NOTHING RETURNING``
    (PostgreSQL, and SQLite from 3.35). No SAVEPOINT and no look-up first: the unique
    constraint decides, and ``None`` says another request's row holds the key."""
    statement = _insert_once_statement(db.session.get_bind().dialect.name, tuple(values))
    return db.session.scalars(statement, values).one_or_none()


@cache
def _insert_once_statement(dialect: str, columns: tuple[str, ...]) -> sa.Executable:
    """``_insert_once``'s statement for these columns, built once per process: the values
    are bound per execution."""
    insert = postgresql.insert(CheckIn) if dialect == "postgresql" else sqlite.insert(CheckIn)
    table = CheckIn.__table__
    return (
        insert.values({name: sa.bindparam(name, type_=table.c[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=["partner_id", "idempotency_key"])
        .returning(CheckIn)
        # One row, its values bound: not the ORM's "bulk" INSERT, which bound values would
        # otherwise choose (it builds the statement again for every execution).
        .execution_options(dml_strategy="orm")
    )


def _checkin_by_key(partner_id: int, key: str) -> CheckIn | None:
    return db.session.scalar(
        sa.select(CheckIn).where(CheckIn.partner_id == partner_id, CheckIn.idempotency_key == key)
    )


def _check_step_open(assignment: Assignment) -> None:
    """Check-ins are recorded, changed and deleted only on an active step of an open couple."""
    if assignment.couple.status == CoupleStatus.CLOSED:
        raise InvalidInput.single("assignment", gettext("This couple's work has been closed."))
    if assignment.status == AssignmentStatus.COMPLETED:
        raise InvalidInput.single("assignment", gettext("This step is completed."))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise InvalidInput.single("assignment", gettext("This step is cancelled."))


def _check_details(
    problems: FieldErrors, comfort: int | None, reflection: str | None
) -> str | None:
    """The comfort rating and the reflection; returns the reflection as stored (trimmed,
    ``None`` when blank)."""
    if comfort is not None and not 1 <= comfort <= 5:
        problems.add("comfort", gettext("Choose a comfort rating from 1 to 5."))
    text = (reflection or "").strip() or None
    if text and len(text) > REFLECTION_MAX:
        problems.add(
            "reflection",
            gettext("Keep the reflection to %(num)s characters or fewer.", num=REFLECTION_MAX),
        )
    return text


def _check_occurred_on(
    problems: FieldErrors, partner: Partner, occurred_on: date | None, assignment: Assignment
) -> date:
    today = timeutil.local_today(partner.timezone)
    day = occurred_on or today
    if day > today:
        problems.add("occurred_on", gettext("A check-in cannot be in the future."))
    elif day < today - timedelta(days=BACKDATE_DAYS):
        problems.add(
            "occurred_on",
            gettext("A check-in can be back-dated up to %(num)s days.", num=BACKDATE_DAYS),
        )
    elif day < assignment.starts_on:
        problems.add("occurred_on", gettext("This step had not started on that date."))
    elif assignment.due_on is not None and day > assignment.due_on:
        problems.add("occurred_on", gettext("This step was due before that date."))
    return day


# --- a partner changing their own check-in -----------------------------------------------


@dataclass
class CheckInChanges:
    """What a partner may change on their own check-in: every field they filled in."""

    occurred_on: date
    comfort: int | None
    reflection: str | None
    share_with_partner: bool


def own_checkin(partner: Partner, checkin_id: int) -> CheckIn:
    """The partner's own check-in. The other partner's, another couple's or another
    practice's is ``NotFound``: a partner learns nothing about check-ins not theirs."""
    check_in = get_in_practice(CheckIn, checkin_id)
    if check_in.partner_id != partner.id:
        raise NotFound(f"check-in {checkin_id}")
    return check_in


def check_changeable(check_in: CheckIn) -> None:
    """Refuse (``InvalidInput``) a change the partner may no longer make to this check-in."""
    _check_step_open(check_in.assignment)
    if not change_window.within_window(check_in):
        raise InvalidInput.single("checkin", change_window.too_old_to_change())


def edit_checkin(
    actor: Actor, partner: Partner, checkin_id: int, changes: CheckInChanges
) -> CheckIn:
    """Change the partner's own check-in: its day (within the range recording allows),
    comfort, reflection and whether the other partner may read it (see
    ``reflections.set_sharing``). Saving with nothing changed changes nothing."""
    check_in = own_checkin(partner, checkin_id)
    check_changeable(check_in)
    problems = FieldErrors()
    if changes.occurred_on != check_in.occurred_on:
        # An unchanged day stays valid even once it is more than a week back.
        _check_occurred_on(problems, partner, changes.occurred_on, check_in.assignment)
    reflection = _check_details(problems, changes.comfort, changes.reflection)
    problems.raise_if_any()

    before = _editable_state(check_in)
    had_text = check_in.reflection is not None
    check_in.occurred_on = changes.occurred_on
    check_in.comfort = changes.comfort
    check_in.reflection = reflection
    sharing = reflections.set_sharing(check_in, changes.share_with_partner, had_text=had_text)
    if _editable_state(check_in) == before:
        return check_in
    check_in.edited_at = timeutil.utcnow()
    db.session.flush()
    record_event(actor, "checkin.edit", "checkin", check_in.id)
    if sharing is not None:
        record_event(actor, sharing, "checkin", check_in.id)
    return check_in


def _editable_state(check_in: CheckIn) -> tuple[object, ...]:
    return (
        check_in.occurred_on,
        check_in.comfort,
        check_in.reflection,
        check_in.visibility,
        check_in.reflection_withdrawn_at,
    )


def delete_checkin(actor: Actor, partner: Partner, checkin_id: int) -> None:
    """Delete the partner's own check-in for good, reflection included: the partner
    confirmed it, and what they delete should not stay readable. The audit trail keeps
    that it happened (ids only). The other partner's acknowledgement of it, if it was a
    leaning act, goes with it (``acknowledgements.delete_for_checkin`` says why), and so
    do the reply and the counselor's note on its reflection (``replies.delete_for_checkin``)."""
    check_in = own_checkin(partner, checkin_id)
    check_changeable(check_in)
    acknowledgements.delete_for_checkin(actor, check_in.id)
    replies.delete_for_checkin(actor, check_in.id)
    db.session.delete(check_in)
    db.session.flush()
    record_event(actor, "checkin.delete", "checkin", checkin_id)


def withdraw_reflection(actor: Actor, partner: Partner, checkin_id: int) -> CheckIn:
    """Take back a reflection the partner shared: the other partner no longer sees it, the
    counselor still does, marked as withdrawn. Allowed whatever the check-in's age or its
    step's state — what a partner shares stays theirs to take back. Twice is once."""
    check_in = own_checkin(partner, checkin_id)
    if check_in.reflection_withdrawn_at is not None:
        return check_in
    if check_in.reflection is None or not reflections.is_shared(check_in):
        raise InvalidInput.single(
            "checkin",
            gettext("Only your counselor reads this reflection, so there is nothing to take back."),
        )
    reflections.set_sharing(check_in, False, had_text=True)
    db.session.flush()
    record_event(actor, reflections.WITHDRAW_ACTION, "checkin", check_in.id)
    return check_in
