"""Reflections: what partners write with a check-in, and who may read it — the counselor
every one, a partner only what the other partner chose to share and has not taken back.

A reflection is in one of three states: counselor only (``Visibility.COUNSELOR``), shared
(``Visibility.SHARED``), or withdrawn (shared, then taken back: ``SHARED`` with
``reflection_withdrawn_at`` set). Withdrawn keeps ``SHARED`` so the counselor can still see
that the other partner may have read it once; only sharing it again explicitly (ticking
*Let my partner read this too* when editing) clears the withdrawal — editing the text
does not.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Assignment, CheckIn, Partner, Visibility

SHARE_ACTION = "checkin.share_reflection"
WITHDRAW_ACTION = "checkin.withdraw_reflection"


def is_shared(check_in: CheckIn) -> bool:
    """The other partner may read this check-in's reflection (shared, not taken back)."""
    return check_in.visibility == Visibility.SHARED and check_in.reflection_withdrawn_at is None


def _shared_clause() -> sa.ColumnElement[bool]:
    """``is_shared`` as a query condition: the same rule, for lists."""
    return sa.and_(
        CheckIn.visibility == Visibility.SHARED, CheckIn.reflection_withdrawn_at.is_(None)
    )


def set_sharing(check_in: CheckIn, share: bool, *, had_text: bool) -> str | None:
    """Apply the partner's *Let my partner read this too* box to their own check-in.

    Ticking it shares the reflection (again, if it was withdrawn). Unticking it on a
    reflection the other partner could read is a withdrawal, so the counselor keeps
    seeing that it was shared; on one nobody else could read (counselor only, or no text
    before this edit) it just stays with the counselor. ``had_text``: the reflection had
    text before this change. Returns the audit action this amounts to, if any."""
    if share:
        if is_shared(check_in):
            return None
        check_in.visibility = Visibility.SHARED
        check_in.reflection_withdrawn_at = None
        return SHARE_ACTION if check_in.reflection else None
    if is_shared(check_in) and had_text:
        check_in.reflection_withdrawn_at = timeutil.utcnow()
        return WITHDRAW_ACTION
    if check_in.reflection_withdrawn_at is None:
        check_in.visibility = Visibility.COUNSELOR
    return None


def recent_reflections(
    couple_id: int,
    limit: int | None = 12,
    *,
    since: date | None = None,
    before: date | None = None,
) -> list[CheckIn]:
    """The couple's latest check-ins that carry a reflection, newest first: all of them,
    for the counselor, withdrawn ones included (the page marks them). ``since`` and
    ``before`` bound the day they were done (on ``since`` or later, before ``before``);
    ``limit`` None lists every one."""
    query = _reflections(couple_id).options(
        selectinload(CheckIn.assignment), selectinload(CheckIn.partner)
    )
    if since is not None:
        query = query.where(CheckIn.occurred_on >= since)
    if before is not None:
        query = query.where(CheckIn.occurred_on < before)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def reflections_shared_with(partner: Partner, limit: int = 5) -> list[CheckIn]:
    """Reflections the other partner chose to share and has not taken back — nothing
    else of theirs is shown."""
    query = _reflections(partner.couple_id).where(
        CheckIn.partner_id != partner.id, _shared_clause()
    )
    return list(db.session.scalars(query.limit(limit)))


def reflections_shared_by(partner: Partner, limit: int = 5) -> list[CheckIn]:
    """This partner's own reflections the other partner can read now: exactly the list
    ``reflections_shared_with`` gives the other partner, so each can be taken back."""
    query = _reflections(partner.couple_id).where(
        CheckIn.partner_id == partner.id, _shared_clause()
    )
    return list(db.session.scalars(query.options(selectinload(CheckIn.assignment)).limit(limit)))


def _reflections(couple_id: int) -> sa.Select[CheckIn]:
    """The couple's check-ins that carry a reflection, newest first."""
    return (
        sa.select(CheckIn)
        .join(Assignment)
        .where(Assignment.couple_id == couple_id, CheckIn.reflection.is_not(None))
        .order_by(CheckIn.occurred_on.desc(), CheckIn.id.desc())
    )
