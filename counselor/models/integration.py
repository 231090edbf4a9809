"""What host systems use: API keys, idempotent POSTs, webhooks, single sign-on launches."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counselor.extensions import Model
from counselor.models.mixins import OutboxMixin, PracticeOwned
from counselor.models.types import UTCDateTime, now_utc


class ApiKey(PracticeOwned, Model):
    """A practice's key for the REST API; only its SHA-256 is kept (shown once at creation)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(16))  # shown in lists to tell keys apart
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counselors.id"))
    # Set: the key acts for this counselor and sees only what they may see (their couples,
    # when the practice limits counselors to their own). Null: the whole practice.
    counselor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("counselors.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Space-separated: homework:read, homework:write, clinical_text (counselor/api/scopes.py).
    # Keys made before scopes existed were given all three (the migration): they keep what
    # they could do, reflections included.
    scopes: Mapped[str] = mapped_column(
        sa.String(200),
        default="homework:read homework:write",
        server_default="homework:read homework:write",
    )


class IdempotencyRecord(PracticeOwned, Model):
    """The first response to a POST with an ``Idempotency-Key``, replayed for repeats. A
    key belongs to the API key that sent it: another integration of the same practice that
    happens to pick the same Idempotency-Key is a different request."""

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("api_key_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    # Null only on records written before keys owned them (they expire within 48 hours).
    api_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"))
    key: Mapped[str] = mapped_column(sa.String(255))
    request_fingerprint: Mapped[str] = mapped_column(sa.String(64))  # method, path and body
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)


class WebhookEndpoint(PracticeOwned, Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    # Standard Webhooks signing secret ("whsec_" + base64); needed to sign, so kept as is.
    secret: Mapped[str] = mapped_column(sa.String(100))
    events: Mapped[str] = mapped_column(sa.String(300))  # space-separated event names
    active: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(200))
    # Attempts that failed in a row (timeouts, refusals, 5xx); a success sets it back to 0.
    consecutive_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookDelivery(OutboxMixin, Model):
    """One event for one endpoint (an outbox row); ``message_id`` is the stable webhook-id."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoints.id"))
    event: Mapped[str] = mapped_column(sa.String(40))
    message_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    payload: Mapped[str] = mapped_column(sa.Text)  # the exact JSON body that is signed
    last_status_code: Mapped[int | None]
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    endpoint: Mapped[WebhookEndpoint] = relationship()


class UsedLaunchToken(PracticeOwned, Model):
    """A host launch token's ``jti``, kept until it expires so it works only once."""

    __tablename__ = "used_launch_tokens"
    __table_args__ = (sa.UniqueConstraint("practice_id", "jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    jti: Mapped[str] = mapped_column(sa.String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
