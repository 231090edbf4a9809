"""Which emails go out when: a new step, a link the counselor sends, a link a partner asks for."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor import tenancy
from counselor.extensions import db
from counselor.models import Assignment, Couple, CoupleStatus, EmailKind, OutboxEmail, Partner
from counselor.services.audit import Actor, record_event
from counselor.services.delivery.mail import queue_email
from counselor.services.errors import InvalidInput
from counselor.services.progress import week_rules
from counselor.tenancy import get_in_practice


def notify_new_step(assignment: Assignment, *, send_now: bool = False) -> list[OutboxEmail]:
    """One email per partner doing the step, in the caller's transaction. Partners who
    stopped emails get none; nor does a paused couple (its links do not work).

    ``send_now``: the counselor ticked *send now*, so the email does not wait for the
    partner's next allowed hour."""
    if assignment.couple.status != CoupleStatus.ACTIVE:
        return []
    return [
        queue_email(partner, EmailKind.NEW_STEP)
        for partner in assignment.couple.partners
        if week_rules.does_step(assignment, partner.id) and partner.unsubscribed_at is None
    ]


def send_link(actor: Actor, partner_id: int, *, send_now: bool = False) -> OutboxEmail:
    """The counselor (re)sends a partner their link (``send_now``: as for a new step)."""
    partner = get_in_practice(Partner, partner_id)
    if partner.couple.status != CoupleStatus.ACTIVE:
        raise InvalidInput.single("partner", "Links work only while the couple is active.")
    if partner.unsubscribed_at is not None:
        raise InvalidInput.single(
            "partner", f"{partner.first_name} stopped emails; resume emails first."
        )
    email = queue_email(partner, EmailKind.LINK)
    record_event(actor, "partner.send_link", "partner", partner.id)
    return email


def request_fresh_link(address: str) -> None:
    """A partner whose link no longer works asks for a new one. The answer never says
    whether the address is on file; if it is, each matching partner gets a link — in
    whichever practice they are a client (the page asking belongs to none)."""
    matching = (
        sa.select(Partner)
        .join(Couple)
        .where(
            sa.func.lower(Partner.email) == address.strip().lower(),
            Couple.status == CoupleStatus.ACTIVE,
        )
        .options(selectinload(Partner.couple))
    )
    partners = db.session.scalars(tenancy.across_practices(matching)).all()
    for partner in partners:
        queue_email(partner, EmailKind.LINK)
        record_event(
            Actor("partner", partner.id, partner.couple.practice_id),
            "partner.request_link",
            "partner",
            partner.id,
        )


def latest_emails(partner_ids: list[int]) -> dict[int, OutboxEmail]:
    """Each partner's most recent email, in one query."""
    if not partner_ids:
        return {}
    newest = (
        sa.select(sa.func.max(OutboxEmail.id))
        .where(OutboxEmail.partner_id.in_(partner_ids))
        .group_by(OutboxEmail.partner_id)
    )
    rows = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.id.in_(newest)))
    # Every row has a partner, by the WHERE; the test narrows the column's type.
    return {email.partner_id: email for email in rows if email.partner_id is not None}
