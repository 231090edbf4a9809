"""Partner links: unguessable, purpose-bound, expiring, revocable capabilities.

A link is not a login. The token (192 random bits) exists only in the email; the
database keeps its SHA-256, so a leaked database reveals no working link.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import joinedload

from counselor import timeutil
from counselor.extensions import db
from counselor.models import ClientLink, Couple, CoupleStatus, LinkPurpose, Partner
from counselor.services.audit import Actor, record_event
from counselor.tenancy import across_practices, get_in_practice

TOKEN_BYTES = 24


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(partner: Partner, purpose: LinkPurpose) -> str:
    """A new link for ``partner``; returns the token, which is never stored."""
    days = current_app.config[
        "LINK_TTL_DAYS" if purpose == LinkPurpose.HOMEWORK else "UNSUBSCRIBE_LINK_TTL_DAYS"
    ]
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(
        ClientLink(
            partner_id=partner.id,
            purpose=purpose,
            token_hash=hash_token(token),
            expires_at=timeutil.utcnow() + timedelta(days=days),
        )
    )
    return token


def resolve_link(token: str, purpose: LinkPurpose) -> ClientLink | None:
    """The live link for this token and purpose, else ``None`` (tampered, expired,
    revoked, or the couple's work is paused or closed) — all look the same to the client."""
    if not token or len(token) > 100:
        return None
    # Across practices: the token is what tells whose link it is. The partner's page then
    # works in that practice's scope (counselor/partner/views.py).
    link = db.session.scalar(
        across_practices(
            sa.select(ClientLink)
            .where(ClientLink.token_hash == hash_token(token), ClientLink.purpose == purpose)
            .options(
                joinedload(ClientLink.partner)
                .joinedload(Partner.couple)
                .selectinload(Couple.partners),
                joinedload(ClientLink.partner)
                .joinedload(Partner.couple)
                .joinedload(Couple.practice),
            )
        )
    )
    if link is None or link.revoked_at is not None or link.expires_at <= timeutil.utcnow():
        return None
    if link.partner.couple.status != CoupleStatus.ACTIVE and purpose == LinkPurpose.HOMEWORK:
        return None
    return link


def partner_actor(partner: Partner) -> Actor:
    return Actor("partner", partner.id, partner.couple.practice_id)


def revoke_links(partner_ids: list[int]) -> int:
    """Revoke every live link of these partners; returns how many."""
    if not partner_ids:
        return 0
    revoke = (
        sa.update(ClientLink)
        .where(ClientLink.partner_id.in_(partner_ids), ClientLink.revoked_at.is_(None))
        .values(revoked_at=timeutil.utcnow())
    )
    # An UPDATE's result is a CursorResult, which counts the rows it matched.
    return cast(CursorResult, db.session.execute(revoke)).rowcount or 0


def revoke_couple_links(actor: Actor, couple_id: int) -> int:
    """The counselor's "revoke links": every link already sent stops working."""
    couple = get_in_practice(Couple, couple_id)
    revoked = revoke_links([partner.id for partner in couple.partners])
    record_event(actor, "couple.revoke_links", "couple", couple.id)
    return revoked
