"""Partner links issued for many emails at once: the same links as ``links.issue_link``
makes (``links.new_link_row``: a token that exists only in the email, its SHA-256 kept,
the purpose's lifetime), written in one INSERT … executemany for a whole chunk of emails
instead of one ORM row each. The chunk commits them before any of its emails leaves, so
every link works by the time anyone can click it."""

from __future__ import annotations

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import ClientLink, LinkPurpose, Partner
from counselor.services.couples.links import new_link_row


class LinkBatch:
    """Links to issue together: ``issue`` hands out a token now, ``save`` writes every
    link issued so far in one statement (nothing, when none were)."""

    def __init__(self) -> None:
        self.now = timeutil.utcnow()
        self.rows: list[dict] = []

    def issue(self, partner: Partner, purpose: LinkPurpose) -> str:
        token, row = new_link_row(partner.id, purpose, self.now)
        self.rows.append(row)
        return token

    def save(self) -> None:
        if self.rows:
            db.session.execute(sa.insert(ClientLink), self.rows)
            self.rows = []
