"""The leaned-on partner's answer to a leaning act (``leaning.py`` says which check-ins are
such acts): did they notice, how valued they felt, a note, and whether the partner who
leaned may read it (the counselor always may).

One acknowledgement per act, and it stays as first given: answering again — a second tab,
a re-posted form, a race — returns the first answer and writes nothing. Its note is client
text: never in an email, a log line, an audit event or a webhook (ids only).

When the act's check-in is deleted (its partner may, for ``change_window.CHANGE_DAYS``),
its acknowledgement is deleted with it (``delete_for_checkin``, called by
``checkins.delete_checkin``): an answer to an act that no longer exists would tell the
counselor about something that, as far as the record goes, never happened.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from counselor.extensions import db
from counselor.models import (
    Acknowledgement,
    Assignment,
    CheckIn,
    Couple,
    Noticed,
    Partner,
    Visibility,
)
from counselor.services.audit import Actor, record_event
from counselor.services.delivery import webhooks
from counselor.services.errors import FieldErrors, InvalidInput, NotFound
from counselor.services.homework import leaning
from counselor.services.pages.api_lists import Page, paginate
from counselor.tenancy import get_in_practice

NOTE_MAX = leaning.NOTE_MAX
STOP_SHARING_ACTION = "acknowledgement.stop_sharing"


def too_old() -> str:
    return gettext(
        "This was more than %(num)s days ago, so it can no longer be answered here. You can "
        "tell your counselor about it at your next session.",
        num=leaning.WINDOW_DAYS,
    )


@dataclass
class AcknowledgementInput:
    noticed: str | None  # a ``Noticed`` value
    felt_valued: int | None = None  # 1–5
    note: str | None = None
    share_with_partner: bool = False


def acknowledge(
    actor: Actor, partner: Partner, checkin_id: int, data: AcknowledgementInput
) -> tuple[Acknowledgement, bool]:
    """Record ``partner``'s answer to the other partner's leaning act. Returns
    ``(acknowledgement, created)``; an act already answered returns the answer given.

    A check-in that is not a leaning act on ``partner`` — their own, one done together,
    another couple's — is ``NotFound``: a partner learns nothing about it."""
    check_in = leaning_act_on(partner, checkin_id)
    existing = acknowledgement_of(check_in.id)
    if existing is not None:
        return existing, False
    if not leaning.may_acknowledge(partner, check_in):
        raise InvalidInput.single("checkin", too_old())
    problems = FieldErrors()
    noticed = _check_noticed(problems, data.noticed)
    if data.felt_valued is not None and not 1 <= data.felt_valued <= 5:
        problems.add(
            "felt_valued", gettext("Choose how valued you felt from 1 to 5, or leave it out.")
        )
    note = (data.note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        problems.add("note", gettext("Keep the note to %(num)s characters or fewer.", num=NOTE_MAX))
    problems.raise_if_any()
    assert noticed is not None  # else _check_noticed added a problem

    answer = Acknowledgement(
        practice_id=actor.practice_id,
        checkin_id=check_in.id,
        partner_id=partner.id,
        noticed=noticed,
        felt_valued=data.felt_valued,
        note=note,
        visibility=Visibility.SHARED if data.share_with_partner else Visibility.COUNSELOR,
    )
    db.session.add(answer)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request answered first: theirs is the answer. As in
        # ``checkins.record_checkin``, this is the transaction's first write.
        db.session.rollback()
        existing = acknowledgement_of(checkin_id)
        if existing is None:
            raise
        return existing, False
    record_event(actor, "acknowledgement.create", "acknowledgement", answer.id)
    webhooks.emit(
        actor.practice_id,
        "acknowledgement.created",
        {
            "acknowledgement_id": answer.id,
            "checkin_id": check_in.id,
            "couple_id": partner.couple_id,
            "partner_id": partner.id,
        },
    )
    return answer, True


def _check_noticed(problems: FieldErrors, value: str | None) -> Noticed | None:
    try:
        return Noticed(value or "")
    except ValueError:
        problems.add("noticed", gettext("Choose whether you noticed: yes, not sure or no."))
        return None


def leaning_act_on(partner: Partner, checkin_id: int) -> CheckIn:
    """The other partner's leaning act ``checkin_id``, else ``NotFound`` (the window aside:
    an older act is found, and ``acknowledge`` says why it can't be answered)."""
    check_in = get_in_practice(CheckIn, checkin_id)
    if (
        check_in.partner_id == partner.id
        or check_in.partner.couple_id != partner.couple_id
        or not leaning.is_leaning_act(check_in)
    ):
        raise NotFound(f"check-in {checkin_id}")
    return check_in


def acknowledgement_of(checkin_id: int) -> Acknowledgement | None:
    return db.session.scalar(
        sa.select(Acknowledgement).where(Acknowledgement.checkin_id == checkin_id)
    )


def stop_sharing(actor: Actor, partner: Partner, acknowledgement_id: int) -> Acknowledgement:
    """Take back an answer the partner let the other partner read: only the counselor
    reads it from now on. Twice is once; someone else's answer is ``NotFound``."""
    answer = get_in_practice(Acknowledgement, acknowledgement_id)
    if answer.partner_id != partner.id:
        raise NotFound(f"acknowledgement {acknowledgement_id}")
    if answer.visibility == Visibility.SHARED:
        answer.visibility = Visibility.COUNSELOR
        db.session.flush()
        record_event(actor, STOP_SHARING_ACTION, "acknowledgement", answer.id)
    return answer


def delete_for_checkin(actor: Actor, checkin_id: int) -> None:
    """Delete the acknowledgement of a check-in being deleted, if it has one (see above)."""
    answer = acknowledgement_of(checkin_id)
    if answer is not None:
        db.session.delete(answer)
        db.session.flush()
        record_event(actor, "acknowledgement.delete", "acknowledgement", answer.id)


# --- the API's reads -----------------------------------------------------------------------


def checkin_acknowledgement(checkin_id: int) -> Acknowledgement:
    """The acknowledgement of a check-in of the practice; ``NotFound`` when the check-in is
    not the practice's or has none."""
    get_in_practice(CheckIn, checkin_id)
    answer = acknowledgement_of(checkin_id)
    if answer is None:
        raise NotFound(f"acknowledgement of check-in {checkin_id}")
    return answer


def couple_acknowledgements(couple_id: int, page: int, page_size: int) -> Page[Acknowledgement]:
    """A couple's acknowledgements, newest first; ``NotFound`` for another practice's couple."""
    get_in_practice(Couple, couple_id)
    query = (
        sa.select(Acknowledgement)
        .join(CheckIn, CheckIn.id == Acknowledgement.checkin_id)
        .join(Assignment, Assignment.id == CheckIn.assignment_id)
        .where(Assignment.couple_id == couple_id)
        .order_by(Acknowledgement.created_at.desc(), Acknowledgement.id.desc())
        .options(selectinload(Acknowledgement.checkin))
    )
    return paginate(query, page, page_size)
