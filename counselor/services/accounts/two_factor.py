"""Second factors: an authenticator app (TOTP) with recovery codes, and passkeys."""

from __future__ import annotations

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Counselor, PasskeyCredential


def has_second_factor(counselor: Counselor) -> bool:
    """Whether the counselor has a confirmed authenticator app or a passkey."""
    if counselor.totp_confirmed_at is not None:
        return True
    passkey = sa.select(PasskeyCredential.id).where(PasskeyCredential.counselor_id == counselor.id)
    return db.session.scalar(passkey.limit(1)) is not None
