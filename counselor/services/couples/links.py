"""Partner links: unguessable, purpose-bound, expiring, revocable capabilities.

A link is not a login. The token (192 random bits) exists only in the email; the
database keeps its SHA-256, so a leaked database reveals no working link.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import joinedload, load_only
from sqlalchemy.orm.strategy_options import _AbstractLoad

from counselor import task_names, timeutil
from counselor.extensions import Model, db
from counselor.models import (
    AuditEvent,
    ClientLink,
    Couple,
    CoupleStatus,
    LinkPurpose,
    Partner,
    Practice,
)
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.validation import check_email
from counselor.tenancy import across_practices, get_in_practice

log = logging.getLogger(__name__)

TOKEN_BYTES = 24
# The audit action of the counselor's *Revoke links*; its event's time is the revocation's
# stamp, which is how an undo finds the links that revocation stopped.
REVOKE_ACTION = "couple.revoke_links"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_lifetime(purpose: LinkPurpose) -> timedelta:
    """How long a new link of this purpose works: a homework link LINK_TTL_DAYS, any other
    (unsubscribe, quiet hours) UNSUBSCRIBE_LINK_TTL_DAYS. The one rule, for a link issued
    alone (``issue_link``) or with a chunk's (``link_batch``)."""
    setting = "LINK_TTL_DAYS" if purpose == LinkPurpose.HOMEWORK else "UNSUBSCRIBE_LINK_TTL_DAYS"
    return timedelta(days=current_app.config[setting])


def new_link_row(partner_id: int, purpose: LinkPurpose, now: datetime) -> tuple[str, dict]:
    """A new link issued at ``now``: its token (never stored) and the ``ClientLink`` row's
    values — the token's SHA-256 and the purpose's lifetime."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = {
        "partner_id": partner_id,
        "purpose": purpose,
        "token_hash": hash_token(token),
        "created_at": now,
        "expires_at": now + link_lifetime(purpose),
    }
    return token, row


def issue_link(partner: Partner, purpose: LinkPurpose) -> str:
    """A new link for ``partner``; returns the token, which is never stored."""
    token, row = new_link_row(partner.id, purpose, timeutil.utcnow())
    db.session.add(ClientLink(**row))
    return token


def copy_link(actor: Actor, partner_id: int) -> str:
    """*Copy Sam's link*: a fresh homework link, the kind the link email carries, for the
    counselor to send through a channel of their own. Returns the token, which the page
    shows once; the audit event records that a link was given, never the token. Only
    while the couple is active (the link would not work otherwise) and not erased."""
    partner = get_in_practice(Partner, partner_id)
    couple = partner.couple
    if couple.erased_at is not None:
        raise InvalidInput.single("partner", "This couple's data was erased: there is no link.")
    if couple.status != CoupleStatus.ACTIVE:
        raise InvalidInput.single(
            "partner",
            f"{couple.label} is {couple.status.value}: links work only while the couple is "
            "active, so no link was made. Reopen the couple first.",
        )
    token = issue_link(partner, LinkPurpose.HOMEWORK)
    record_event(actor, "partner.link_copied", "partner", partner.id)
    return token


def resolve_link(
    token: str, purpose: LinkPurpose, *, for_check_in: bool = False
) -> ClientLink | None:
    """The live link for this token and purpose, else ``None`` (tampered, expired,
    revoked, or the couple's work is paused or closed) — all look the same to the client.

    ``for_check_in``: the rows carry only the columns a partner's *Mark done* reads
    (``CHECK_IN_COLUMNS``); any other attribute is loaded when first read, and
    ``resolve_link`` without it, in the same session, fills them all in one SELECT."""
    if not token or len(token) > 100:
        return None
    link = (
        db.session.scalars(
            _link_by_hash(for_check_in), {"token_hash": hash_token(token), "purpose": purpose}
        )
        .unique()
        .one_or_none()
    )
    if link is None or link.revoked_at is not None or link.expires_at <= timeutil.utcnow():
        return None
    if purpose == LinkPurpose.HOMEWORK and not homework_page_open(link.partner):
        return None
    return link


# What a partner's *Mark done* reads of the rows its link loads: whether the link is live,
# who the partner is, their clock and language, the couple's state, practice and partners,
# and the practice's webhook endpoints' version (counselor/services/delivery/webhooks.py).
# Primary keys are always loaded.
CHECK_IN_COLUMNS = {
    ClientLink: ("partner_id", "expires_at", "revoked_at"),
    Partner: ("couple_id", "timezone", "language"),
    Couple: ("practice_id", "status"),
    Practice: ("webhook_endpoints_version", "created_at"),
}


@cache
def _link_by_hash(for_check_in: bool) -> sa.Select[ClientLink]:
    """One SELECT: the link with this token's hash and purpose, its partner, their couple
    with both partners, and the practice — what the partner's pages and *Mark done* check
    their rules on. Built once per process (a link is looked up on every partner request):
    only the hash and the purpose are bound per request.

    Across practices: the token is what tells whose link it is. The partner's page then
    works in that practice's scope (counselor/partner/views.py)."""

    def only(entity: type[Model]) -> tuple[_AbstractLoad, ...]:
        if not for_check_in:
            return ()
        return (load_only(*(getattr(entity, name) for name in CHECK_IN_COLUMNS[entity])),)

    couple = joinedload(ClientLink.partner).joinedload(Partner.couple)
    return across_practices(
        sa.select(ClientLink)
        .where(
            ClientLink.token_hash == sa.bindparam("token_hash"),
            ClientLink.purpose == sa.bindparam("purpose"),
        )
        .options(
            *only(ClientLink),
            joinedload(ClientLink.partner).options(*only(Partner)),
            couple.options(*only(Couple)),
            couple.joinedload(Couple.partners).options(*only(Partner)),
            couple.joinedload(Couple.practice).options(*only(Practice)),
        )
    )


def homework_page_open(partner: Partner) -> bool:
    """Whether the partner's homework page opens at all: only while their couple is active
    (a paused, closed or erased couple's links show the page saying the link no longer
    works). The partner's link and the counselor's preview both ask here."""
    return partner.couple.status == CoupleStatus.ACTIVE


def request_link(address: str) -> None:
    """A partner whose link no longer works asks for a fresh one at this address.

    The request must not tell whether the address is on file, by its answer or by its
    time: so it does the same work for any address — hands it to a worker once the
    request commits, and returns. The worker (``tasks/links.py``) looks the address up
    and, if it is a partner's, queues their link email
    (``notifications.request_fresh_link``); otherwise it does nothing at all. Celery
    carries the address only in the message body; where it shows a task's arguments it
    shows ``[address]``.

    The task is sent at once, not after the commit: it reads nothing this request
    writes. With the broker down, the request does the worker's part itself, so the
    partner's request is not lost (there is no row for a sweep to find); only then does
    its time depend on the address, and only while the broker is down.

    Text that is no email address cannot be on file: it is refused at once (the answer
    tells only what anyone can see), and nothing reaches the database with it."""
    problems = FieldErrors()
    checked = check_email(problems, "email", address).lower()
    problems.raise_if_any()
    try:
        current_app.extensions["celery"].send_task(
            task_names.REQUEST_LINK, args=[checked], argsrepr="('[address]',)"
        )
    except Exception:  # any broker failure: kombu raises several kinds
        log.warning("broker unreachable: a link request is looked up in the request itself")
        # Imported here: notifications composes link emails, which import this module.
        from counselor.services.delivery import notifications

        notifications.request_fresh_link(checked)


def partner_actor(partner: Partner) -> Actor:
    return Actor("partner", partner.id, partner.couple.practice_id)


def revoke_links(partner_ids: list[int]) -> int:
    """Revoke every live link of these partners; returns how many."""
    return _revoke(partner_ids, _revocation_stamp(partner_ids))


def revoke_links_to_old_address(partner_id: int) -> int:
    """The partner's email changed: every link sent to the old address stops for good.
    That is the live ones and also those a *Revoke links* stopped, which an undo of that
    revocation would otherwise bring back: they take a stamp of their own that no
    revocation event has, so no undo restores them. Returns how many could still have
    worked. The partner asks for a fresh link at the new address (``request_link``)."""
    stamp = _revocation_stamp([partner_id])
    retire = (
        sa.update(ClientLink)
        .where(ClientLink.partner_id == partner_id, ClientLink.expires_at > timeutil.utcnow())
        .values(revoked_at=stamp)
    )
    return cast(CursorResult, db.session.execute(retire)).rowcount or 0


def _revoke(partner_ids: list[int], stamp: datetime) -> int:
    if not partner_ids:
        return 0
    revoke = (
        sa.update(ClientLink)
        .where(ClientLink.partner_id.in_(partner_ids), ClientLink.revoked_at.is_(None))
        .values(revoked_at=stamp)
    )
    # An UPDATE's result is a CursorResult, which counts the rows it matched.
    return cast(CursorResult, db.session.execute(revoke)).rowcount or 0


def _revocation_stamp(partner_ids: list[int]) -> datetime:
    """The ``revoked_at`` of a new revocation: now, or a microsecond after the latest earlier
    revocation of these partners' links (or of their couple by *Revoke links*) if that is not
    before now (a stopped test clock, two requests in one microsecond). So the links one
    revocation stopped share a stamp that no other revocation has, and undoing it restores
    exactly those."""
    now = timeutil.utcnow()
    if not partner_ids:
        return now
    couples = sa.select(Partner.couple_id).where(Partner.id.in_(partner_ids))
    latest_link = sa.select(sa.func.max(ClientLink.revoked_at)).where(
        ClientLink.partner_id.in_(partner_ids)
    )
    latest_event = sa.select(sa.func.max(AuditEvent.at)).where(
        AuditEvent.action == REVOKE_ACTION,
        AuditEvent.object_type == "couple",
        AuditEvent.object_id.in_(couples),
    )
    earlier = [db.session.scalar(latest_link), db.session.scalar(latest_event)]
    latest = max((at for at in earlier if at is not None), default=None)
    if latest is not None and latest >= now:
        return latest + timedelta(microseconds=1)
    return now


@dataclass(frozen=True)
class Revocation:
    """One use of *Revoke links*: when (the links' ``revoked_at`` and its audit event's
    time), and how many of its links are revoked (or, for ``last_revocation``, could be
    restored: still revoked by it and not expired)."""

    at: datetime
    links: int


def revoke_couple_links(actor: Actor, couple_id: int) -> Revocation:
    """The counselor's "revoke links": every link already sent stops working."""
    couple = get_in_practice(Couple, couple_id)
    partner_ids = [partner.id for partner in couple.partners]
    stamp = _revocation_stamp(partner_ids)
    revoked = _revoke(partner_ids, stamp)
    record_event(actor, REVOKE_ACTION, "couple", couple.id, at=stamp)
    return Revocation(stamp, revoked)


def restore_couple_links(actor: Actor, couple_id: int, revoked_at: datetime) -> int:
    """Undo one *Revoke links*: the links it revoked work again, unless they have expired
    since. Links revoked any other way (an earlier revocation, pausing the couple) stay
    revoked. Returns how many were restored."""
    couple = get_in_practice(Couple, couple_id)
    if couple.status != CoupleStatus.ACTIVE:
        raise InvalidInput.single(
            "couple", f"This couple is {couple.status.value}: reopen it before restoring links."
        )
    if not _was_revoked_by_counselor(couple.id, revoked_at):
        raise InvalidInput.single("revoked_at", "There is no such revocation to undo.")
    restore = sa.update(ClientLink).where(*_restorable(couple, revoked_at)).values(revoked_at=None)
    restored = cast(CursorResult, db.session.execute(restore)).rowcount or 0
    record_event(actor, "couple.restore_links", "couple", couple.id)
    return restored


def last_revocation(couple_id: int) -> Revocation | None:
    """The couple's latest *Revoke links*, if some of its links could still be restored."""
    couple = get_in_practice(Couple, couple_id)
    latest = db.session.scalar(
        sa.select(sa.func.max(AuditEvent.at)).where(*_revocation_events(couple.id))
    )
    if latest is None:
        return None
    restorable = db.session.scalar(
        sa.select(sa.func.count()).select_from(ClientLink).where(*_restorable(couple, latest))
    )
    return Revocation(latest, restorable) if restorable else None


def live_link_count(couple_id: int) -> int:
    """How many links of the couple's partners work now (what *Revoke links* would stop)."""
    couple = get_in_practice(Couple, couple_id)
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ClientLink)
            .where(
                ClientLink.partner_id.in_([p.id for p in couple.partners]),
                ClientLink.revoked_at.is_(None),
                ClientLink.expires_at > timeutil.utcnow(),
            )
        )
        or 0
    )


def _revocation_events(couple_id: int) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        AuditEvent.action == REVOKE_ACTION,
        AuditEvent.object_type == "couple",
        AuditEvent.object_id == couple_id,
    )


def _was_revoked_by_counselor(couple_id: int, revoked_at: datetime) -> bool:
    event = sa.select(AuditEvent.id).where(
        *_revocation_events(couple_id), AuditEvent.at == revoked_at
    )
    return db.session.scalar(event.limit(1)) is not None


def _restorable(couple: Couple, revoked_at: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        ClientLink.partner_id.in_([p.id for p in couple.partners]),
        ClientLink.revoked_at == revoked_at,
        ClientLink.expires_at > timeutil.utcnow(),
    )
