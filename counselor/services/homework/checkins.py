"""Check-ins: a partner doing one assignment once. Recording one is idempotent."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

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
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.homework.assignments import assignee_partner_ids
from counselor.tenancy import get_in_practice

BACKDATE_DAYS = 7
REFLECTION_MAX = 2000


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
    assignment = get_in_practice(Assignment, assignment_id)
    partner = next((p for p in assignment.couple.partners if p.id == data.partner_id), None)
    key = data.idempotency_key or new_idempotency_key()
    if partner is not None:
        existing = _checkin_by_key(partner.id, key)
        if existing is not None:
            return existing, False

    problems = FieldErrors()
    if assignment.couple.status == CoupleStatus.CLOSED:
        raise InvalidInput.single("assignment", "This couple's work has been closed.")
    if assignment.status != AssignmentStatus.ACTIVE:
        raise InvalidInput.single("assignment", f"This step is {assignment.status.value}.")
    if partner is None or partner.id not in assignee_partner_ids(
        assignment, [p.id for p in assignment.couple.partners]
    ):
        raise InvalidInput.single("partner_id", "This partner is not doing this step.")
    occurred_on = _check_occurred_on(problems, partner, data.occurred_on, assignment)
    if data.comfort is not None and not 1 <= data.comfort <= 5:
        problems.add("comfort", "Choose a comfort rating from 1 to 5.")
    reflection = (data.reflection or "").strip() or None
    if reflection and len(reflection) > REFLECTION_MAX:
        problems.add("reflection", f"Keep the reflection to {REFLECTION_MAX} characters or fewer.")
    problems.raise_if_any()

    check_in = CheckIn(
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
    db.session.add(check_in)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request with the same key won the race: theirs is the check-in. No
        # savepoint here: SQLite's driver would commit the row early; this is the
        # transaction's first write, so rolling all of it back loses nothing.
        db.session.rollback()
        existing = _checkin_by_key(partner.id, key)
        if existing is None:
            raise
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


def _checkin_by_key(partner_id: int, key: str) -> CheckIn | None:
    return db.session.scalar(
        sa.select(CheckIn).where(CheckIn.partner_id == partner_id, CheckIn.idempotency_key == key)
    )


def _check_occurred_on(
    problems: FieldErrors, partner: Partner, occurred_on: date | None, assignment: Assignment
) -> date:
    today = timeutil.local_today(partner.timezone)
    day = occurred_on or today
    if day > today:
        problems.add("occurred_on", "A check-in cannot be in the future.")
    elif day < today - timedelta(days=BACKDATE_DAYS):
        problems.add("occurred_on", f"A check-in can be back-dated up to {BACKDATE_DAYS} days.")
    elif day < assignment.starts_on:
        problems.add("occurred_on", "This step had not started on that date.")
    elif assignment.due_on is not None and day > assignment.due_on:
        problems.add("occurred_on", "This step was due before that date.")
    return day
