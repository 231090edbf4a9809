"""How counselors prove who they are: server-side sessions, second factors, and the
single-use tokens of password resets and invitations. No secret is stored in a form
that would let a reader of the database sign in: session ids, recovery codes and
account tokens are kept as SHA-256 hashes; only the authenticator-app secret is kept
as is, because checking a code needs it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from counselor.extensions import Model
from counselor.models.mixins import PracticeOwned
from counselor.models.practice import Counselor
from counselor.models.types import UTCDateTime, enum_column, now_utc


class CounselorSession(PracticeOwned, Model):
    """One signed-in browser. The session cookie carries only the random id whose hash
    is ``id_hash``; ending the row ends the session, wherever the cookie is replayed."""

    __tablename__ = "counselor_sessions"
    __table_args__ = (
        sa.Index("ix_counselor_sessions_counselor_ended", "counselor_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"), index=True)
    counselor_id: Mapped[int] = mapped_column(sa.ForeignKey("counselors.id"))
    id_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    # Null while the password is checked but the second factor is still owed.
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why it ended: logout, idle, expired, password_changed, deactivated, ended_by_user, ...
    ended_reason: Mapped[str | None] = mapped_column(sa.String(32))

    counselor: Mapped[Counselor] = relationship()

    def __repr__(self) -> str:
        return f"<CounselorSession {self.id}>"


class RecoveryCode(PracticeOwned, Model):
    """One of a counselor's ten one-time recovery codes for a lost authenticator."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    counselor_id: Mapped[int] = mapped_column(sa.ForeignKey("counselors.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PasskeyCredential(PracticeOwned, Model):
    """A WebAuthn credential (passkey) a counselor registered; only its public key."""

    __tablename__ = "passkey_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    counselor_id: Mapped[int] = mapped_column(sa.ForeignKey("counselors.id"), index=True)
    # The authenticator's credential id, base64url without padding.
    credential_id: Mapped[str] = mapped_column(sa.String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    transports: Mapped[str | None] = mapped_column(sa.String(200))  # space-separated
    name: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    counselor: Mapped[Counselor] = relationship()


class AccountTokenPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"  # noqa: S105 - the emailed "choose a new password" link
    INVITE = "invite"  # an owner's invitation to join the practice


class AccountToken(PracticeOwned, Model):
    """A single-use, expiring link for a counselor's account; only its hash is kept."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(sa.ForeignKey("practices.id"))
    counselor_id: Mapped[int] = mapped_column(sa.ForeignKey("counselors.id"), index=True)
    purpose: Mapped[AccountTokenPurpose] = mapped_column(enum_column(AccountTokenPurpose))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    counselor: Mapped[Counselor] = relationship()
