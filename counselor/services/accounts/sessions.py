"""Counselors' dashboard sessions, kept on the server (``CounselorSession``): the cookie
carries only a random id, so ending the row ends the session wherever the cookie is."""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult

from counselor import timeutil
from counselor.extensions import db
from counselor.models import CounselorSession


def end_all(counselor_id: int, reason: str, *, keep_session_id: int | None = None) -> int:
    """End every live session of the counselor (but ``keep_session_id``, the one acting,
    if given) in the current transaction; how many ended. Called on a password change or
    reset, a deactivation, and *Sign out everywhere*."""
    statement = (
        sa.update(CounselorSession)
        .where(CounselorSession.counselor_id == counselor_id, CounselorSession.ended_at.is_(None))
        .values(ended_at=timeutil.utcnow(), ended_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if keep_session_id is not None:
        statement = statement.where(CounselorSession.id != keep_session_id)
    return cast(CursorResult, db.session.execute(statement)).rowcount or 0
