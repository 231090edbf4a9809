"""Which emails go out when: a new step, a link the counselor sends, a link a partner asks for.

New-step and link emails keep the rules reminders keep (``quiet_hours.py``): none inside
the partner's quiet hours, at most one a local day of every kind together. One that cannot
go now waits, in the outbox, for the partner's next allowed moment (its
``next_attempt_at``), unless the counselor ticks *send now*. A partner who asks for a
fresh link gets it at once: they are awake, on the page, waiting for it.

A partner has at most one of these waiting: a second new step, or a link asked for while a
new-step email waits, joins the email already waiting (composed at send time, it counts
every open step and carries a fresh link), so three steps assigned in one session make
one email, not one today and two more on the days after.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    Couple,
    CoupleStatus,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
    Partner,
)
from counselor.services.audit import Actor, record_event
from counselor.services.delivery import mail, outbox, quiet_hours
from counselor.services.errors import InvalidInput
from counselor.services.progress import week_rules
from counselor.tenancy import get_in_practice

WAITING_KINDS = (EmailKind.NEW_STEP, EmailKind.LINK)


def notify_new_step(assignment: Assignment, *, send_now: bool = False) -> list[OutboxEmail]:
    """One email per partner doing the step, in the caller's transaction. Partners who
    stopped emails get none; nor does a paused couple (its links do not work).

    ``send_now``: the counselor ticked *send now*, so the email does not wait for the
    partner's next allowed hour."""
    if assignment.couple.status != CoupleStatus.ACTIVE:
        return []
    return [
        email_partner(partner, EmailKind.NEW_STEP, send_now=send_now)
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
    email = email_partner(partner, EmailKind.LINK, send_now=send_now)
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
        with tenancy.practice_scope(partner.couple.practice_id):
            email_partner(partner, EmailKind.LINK, send_now=True)  # they asked: they are awake
        record_event(
            Actor("partner", partner.id, partner.couple.practice_id),
            "partner.request_link",
            "partner",
            partner.id,
        )


def email_partner(partner: Partner, kind: EmailKind, *, send_now: bool) -> OutboxEmail:
    """A new-step or link email for this partner, in the caller's transaction: now if now
    is allowed (or ``send_now``), else at their next allowed moment; or the email already
    waiting for them, which then covers this one too."""
    now = timeutil.utcnow()
    waiting = _waiting_email(partner)
    if waiting is not None:
        if kind == EmailKind.NEW_STEP:
            waiting.kind = kind  # a new-step email carries the link too
        if send_now and (waiting.next_attempt_at is None or waiting.next_attempt_at > now):
            waiting.next_attempt_at = None  # as a send-now email: whatever the hour
            db.session.flush()
            outbox.hand_over(mail.EMAILS, [waiting.id])
        return waiting
    if send_now:
        return mail.queue_email(partner, kind)
    booked = quiet_hours.booked_days([partner], now).get(partner.id)
    return mail.queue_email(
        partner, kind, not_before=quiet_hours.next_allowed_moment(partner, now, booked)
    )


def email_counselor_replied(partner: Partner) -> OutboxEmail | None:
    """The "your counselor replied" email (``homework/replies.py``, when the practice allows
    it): no words of the note, a fresh link. It keeps the partner's quiet hours and the
    daily cap, and goes at most once a local day however many notes are written (its
    dedupe key); not to a partner who stopped emails. Not joined to a waiting new-step or
    link email, whose words would not say a counselor replied."""
    if partner.unsubscribed_at is not None:
        return None
    now = timeutil.utcnow()
    # Its own kind aside: notes written on one day share that day's email (the dedupe key).
    others = [kind for kind in quiet_hours.PARTNER_KINDS if kind != EmailKind.COUNSELOR_REPLIED]
    booked = quiet_hours.booked_days([partner], now, kinds=others).get(partner.id)
    at = quiet_hours.next_allowed_moment(partner, now, booked)
    day = timeutil.local_today(partner.timezone, at)
    ids = mail.insert_planned_emails(
        [
            {
                "practice_id": partner.couple.practice_id,
                "partner_id": partner.id,
                "kind": EmailKind.COUNSELOR_REPLIED,
                "next_attempt_at": None if at <= now else at,
                "dedupe_key": f"counselor-replied:{partner.id}:{day.isoformat()}",
            }
        ]
    )
    return db.session.get(OutboxEmail, ids[0]) if ids else None


def _waiting_email(partner: Partner) -> OutboxEmail | None:
    """The partner's new-step or link email no worker has taken yet, if any."""
    return db.session.scalar(
        sa.select(OutboxEmail)
        .where(
            OutboxEmail.partner_id == partner.id,
            OutboxEmail.kind.in_(WAITING_KINDS),
            OutboxEmail.status == OutboxStatus.PENDING,
            OutboxEmail.attempts == 0,
        )
        .order_by(OutboxEmail.id)
        .limit(1)
    )


def goes_out_at(email: OutboxEmail) -> datetime | None:
    """When a waiting email is due to leave; ``None`` when it goes as soon as a worker can."""
    now = timeutil.utcnow()
    if email.next_attempt_at is None or email.next_attempt_at <= now:
        return None
    return email.next_attempt_at


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
