"""Outgoing email (an outbox, sent by workers) and the links partners receive in it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counselor.extensions import Model
from counselor.models.couples import Partner
from counselor.models.mixins import OutboxMixin
from counselor.models.types import UTCDateTime, enum_column, now_utc


class EmailKind(enum.StrEnum):
    NEW_STEP = "new_step"  # the counselor assigned homework
    LINK = "link"  # a fresh link, sent by the counselor or asked for by the partner
    REMINDER = "reminder"  # the day's digest of a partner's open steps
    COUNSELOR_DIGEST = "counselor_digest"  # Monday's list of couples needing attention
    REPORT_READY = "report_ready"  # a pre-session report is ready for the counselor
    WEBHOOK_DISABLED = "webhook_disabled"  # the practice owner: an endpoint kept failing
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a counselor asked for a new password
    COUNSELOR_INVITE = "counselor_invite"  # an owner invited a counselor to the practice
    COUNSELOR_REPLIED = "counselor_replied"  # a partner: "your counselor replied" (no text)


class OutboxEmail(OutboxMixin, Model):
    """One email to one person (a partner, or a counselor). Written in the transaction of
    the change that causes it; its text (and any link in it) is made when a worker sends
    it, so no link is stored."""

    __tablename__ = "outbox_emails"
    __table_args__ = (
        sa.Index("ix_outbox_emails_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_emails_partner_created", "partner_id", "created_at"),
        sa.CheckConstraint("(partner_id IS NULL) != (counselor_id IS NULL)", name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    counselor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counselors.id"))
    kind: Mapped[EmailKind] = mapped_column(enum_column(EmailKind, length=20))
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id"))  # report_ready
    # webhook_disabled: the endpoint the owner is told about.
    webhook_endpoint_id: Mapped[int | None] = mapped_column(sa.ForeignKey("webhook_endpoints.id"))
    # One email per slot, whoever plans it and however often: e.g. "reminder:12:2026-11-26".
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    partner: Mapped[Partner | None] = relationship()

    def __repr__(self) -> str:
        return f"<OutboxEmail {self.id} {self.kind} {self.status}>"


class LinkPurpose(enum.StrEnum):
    HOMEWORK = "homework"  # the partner's steps: view, mark done, snooze, stop emails
    UNSUBSCRIBE = "unsubscribe"  # the List-Unsubscribe address: stop emails only


class ClientLink(Model):
    """A capability for one partner and one purpose. Only the token's hash is kept."""

    __tablename__ = "client_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"), index=True)
    purpose: Mapped[LinkPurpose] = mapped_column(enum_column(LinkPurpose))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    partner: Mapped[Partner] = relationship()

    def __repr__(self) -> str:
        return f"<ClientLink {self.id} {self.purpose}>"
