"""Couples and their partners: create, change, look up (within the practice in scope)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import Counselor, CounselorRole, Couple, CoupleStatus, Partner
from counselor.services.audit import Actor, record_event
from counselor.services.couples.erased import refuse_if_erased
from counselor.services.couples.links import revoke_links, revoke_links_to_old_address
from counselor.services.couples.partner_language import check_language
from counselor.services.couples.preferences import check_reminder_hour
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.validation import (
    FIRST_NAME_MAX,
    LABEL_MAX,
    check_email,
    check_external_id,
    check_int_range,
    check_text,
    check_timezone,
)
from counselor.tenancy import get_in_practice


@dataclass
class PartnerInput:
    first_name: str
    email: str
    timezone: str
    # None (a form's empty field) is refused by the checks, like any hour outside 0-23.
    reminder_hour: int | None = 18
    quiet_start_hour: int | None = 21
    quiet_end_hour: int | None = 8
    # A BCP 47 tag the service speaks (services/couples/partner_language.py).
    language: str | None = "en"

    @classmethod
    def of(cls, partner: Partner) -> PartnerInput:
        """The partner as stored: the starting point of a change to some fields."""
        return cls(
            first_name=partner.first_name,
            email=partner.email,
            timezone=partner.timezone,
            reminder_hour=partner.reminder_hour,
            quiet_start_hour=partner.quiet_start_hour,
            quiet_end_hour=partner.quiet_end_hour,
            language=partner.language,
        )


@dataclass
class CoupleInput:
    label: str
    partners: list[PartnerInput]
    counselor_id: int | None = None  # None: the acting counselor, else the practice's first owner
    external_id: str | None = None
    status: CoupleStatus = CoupleStatus.ACTIVE


def create_couple(actor: Actor, data: CoupleInput) -> Couple:
    """A couple with exactly two partners, in the actor's practice."""
    problems = FieldErrors()
    label, external_id = _check_couple_fields(problems, data, couple_id=None)
    counselor = _resolve_counselor(problems, actor, data.counselor_id)
    partners = _check_partners(problems, data.partners)
    problems.raise_if_any()
    assert counselor is not None  # else _resolve_counselor added a problem

    couple = Couple(
        practice_id=actor.practice_id,
        counselor_id=counselor.id,
        label=label,
        external_id=external_id,
        status=data.status,
        closed_at=timeutil.utcnow() if data.status == CoupleStatus.CLOSED else None,
    )
    couple.partners = [Partner(position=n, **vars(p)) for n, p in enumerate(partners, start=1)]
    db.session.add(couple)
    db.session.flush()
    record_event(actor, "couple.create", "couple", couple.id)
    return couple


def update_couple(actor: Actor, couple_id: int, data: CoupleInput) -> Couple:
    """Change label, status, counselor and both partners' details in one go. A partner
    whose email changes loses the links sent to the old address."""
    couple = get_in_practice(Couple, couple_id)
    refuse_if_erased(couple)
    problems = FieldErrors()
    label, external_id = _check_couple_fields(problems, data, couple_id=couple.id)
    counselor = _resolve_counselor(problems, actor, data.counselor_id or couple.counselor_id)
    partners = _check_partners(problems, data.partners)
    problems.raise_if_any()
    assert counselor is not None  # else _resolve_counselor added a problem

    _change_status(actor, couple, data.status)
    couple.label, couple.external_id = label, external_id
    couple.counselor = counselor  # the relationship too: callers show the new one
    for partner, values in zip(couple.partners, partners, strict=True):
        if values.email.lower() != partner.email.lower():
            revoke_links_to_old_address(partner.id)  # they were sent to someone else's inbox
        for name, value in vars(values).items():
            setattr(partner, name, value)
    record_event(actor, "couple.update", "couple", couple.id)
    return couple


STATUS_ACTIONS = {
    CoupleStatus.PAUSED: "couple.pause",
    CoupleStatus.CLOSED: "couple.close",
    CoupleStatus.ACTIVE: "couple.reopen",
}


def set_status(actor: Actor, couple_id: int, status: CoupleStatus) -> CoupleStatus:
    """Pause, close or reopen a couple; returns the status it had, which is what an undo
    sets again. Setting the status it already has changes nothing."""
    couple = get_in_practice(Couple, couple_id)
    try:
        status = CoupleStatus(status)
    except ValueError:
        raise InvalidInput.single("status", "Choose active, paused or closed.") from None
    previous = couple.status
    _change_status(actor, couple, status)
    return previous


def _change_status(actor: Actor, couple: Couple, status: CoupleStatus) -> None:
    """The one place a couple's status changes (the couple form, the status buttons and the
    API all come here), audited as ``couple.pause``, ``couple.close`` or ``couple.reopen``.

    Pausing or closing the work stops every link already sent. Reopening does not bring
    those links back: the next email the partners get carries a fresh one."""
    if status == couple.status:
        return
    refuse_if_erased(couple)
    if status != CoupleStatus.ACTIVE and couple.status == CoupleStatus.ACTIVE:
        revoke_links([p.id for p in couple.partners])
    couple.status = status
    # Retention counts a closed couple's months from here; reopening (or pausing) stops it.
    couple.closed_at = timeutil.utcnow() if status == CoupleStatus.CLOSED else None
    record_event(actor, STATUS_ACTIONS[status], "couple", couple.id)


def _check_couple_fields(
    problems: FieldErrors, data: CoupleInput, couple_id: int | None
) -> tuple[str, str | None]:
    label = check_text(problems, "label", data.label, max_length=LABEL_MAX)
    external_id = check_external_id(
        problems, Couple, data.external_id, own_id=couple_id, noun="couple"
    )
    try:
        CoupleStatus(data.status)
    except ValueError:
        problems.add("status", "Choose active, paused or closed.")
    return label, external_id


def _resolve_counselor(
    problems: FieldErrors, actor: Actor, counselor_id: int | None
) -> Counselor | None:
    query = sa.select(Counselor).where(Counselor.active.is_(True))
    if counselor_id is None and actor.kind == "counselor":
        counselor_id = actor.id
    elif counselor_id is None:
        # An API key kept to one counselor's couples: a couple it creates is theirs (it
        # would otherwise vanish from the key's own view).
        counselor_id = tenancy.couples_limited_to()
    if counselor_id is not None:
        counselor = db.session.scalar(query.where(Counselor.id == counselor_id))
    else:
        owners_first = sa.case((Counselor.role == CounselorRole.OWNER, 0), else_=1)
        counselor = db.session.scalar(query.order_by(owners_first, Counselor.id))
    if counselor is None:
        problems.add("counselor_id", "Choose an active counselor of this practice.")
    return counselor


def _check_partners(problems: FieldErrors, partners: list[PartnerInput]) -> list[PartnerInput]:
    if len(partners) != 2:
        raise InvalidInput.single("partners", "A couple has exactly two partners.")
    checked = []
    for index, partner in enumerate(partners):
        prefix = f"partners.{index}."
        checked.append(
            PartnerInput(
                first_name=check_text(
                    problems, prefix + "first_name", partner.first_name, max_length=FIRST_NAME_MAX
                ),
                email=check_email(problems, prefix + "email", partner.email),
                timezone=check_timezone(problems, prefix + "timezone", partner.timezone),
                reminder_hour=check_int_range(
                    problems, prefix + "reminder_hour", partner.reminder_hour, 0, 23
                ),
                quiet_start_hour=check_int_range(
                    problems, prefix + "quiet_start_hour", partner.quiet_start_hour, 0, 23
                ),
                quiet_end_hour=check_int_range(
                    problems, prefix + "quiet_end_hour", partner.quiet_end_hour, 0, 23
                ),
                language=check_language(problems, prefix + "language", partner.language),
            )
        )
        first_name = checked[-1].first_name.strip()
        check_reminder_hour(
            problems,
            prefix + "reminder_hour",
            partner.reminder_hour,
            partner.quiet_start_hour,
            partner.quiet_end_hour,
            whose=f"{first_name}'s" if first_name else "the partner's",
        )
    emails = [p.email.lower() for p in checked]
    if emails[0] and emails[0] == emails[1]:
        problems.add("partners.1.email", "Each partner needs their own email address.")
    return checked
