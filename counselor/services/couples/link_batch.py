"""Partner links issued for many emails at once: the same links as ``links.issue_link``
makes (a token that exists only in the email, its SHA-256 kept, the purpose's lifetime),
written in one INSERT … executemany for a whole chunk of emails instead of one ORM row
each. The chunk commits them before any of its emails leaves, so every link works by the
time anyone can click it."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from counselor import timeutil
from counselor.extensions import db
from counselor.models import ClientLink, LinkPurpose, Partner
from counselor.services.couples.links import TOKEN_BYTES, hash_token


def link_lifetime(purpose: LinkPurpose) -> timedelta:
    """How long a new link of this purpose works (the settings ``issue_link`` reads)."""
    setting = "LINK_TTL_DAYS" if purpose == LinkPurpose.HOMEWORK else "UNSUBSCRIBE_LINK_TTL_DAYS"
    return timedelta(days=current_app.config[setting])


class LinkBatch:
    """Links to issue together: ``issue`` hands out a token now, ``save`` writes every
    link issued so far in one statement (nothing, when none were)."""

    def __init__(self) -> None:
        self.now = timeutil.utcnow()
        self.rows: list[dict] = []
        self._expiry: dict[LinkPurpose, object] = {}

    def issue(self, partner: Partner, purpose: LinkPurpose) -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if purpose not in self._expiry:
            self._expiry[purpose] = self.now + link_lifetime(purpose)
        self.rows.append(
            {
                "partner_id": partner.id,
                "purpose": purpose,
                "token_hash": hash_token(token),
                "created_at": self.now,
                "expires_at": self._expiry[purpose],
            }
        )
        return token

    def save(self) -> None:
        if self.rows:
            db.session.execute(sa.insert(ClientLink), self.rows)
            self.rows = []
