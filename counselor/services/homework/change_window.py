"""How long a partner may change or delete their own check-in: ``CHANGE_DAYS`` from
recording it, on a step that is still active. One rule for the partner page's list
(``changeable_checkins``) and the services that make the change (``checkins.py``).

Its own module because the partner page reads it and ``checkins.py`` sits behind a chain of
imports (assignments, emails) that comes back to the partner page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import ngettext
from sqlalchemy.orm import selectinload

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Assignment, AssignmentStatus, CheckIn, Partner

CHANGE_DAYS = 7


def too_old_to_change() -> str:
    """Why a check-in past the window stays as it is (in the partner's language)."""
    return ngettext(
        "You can change a check-in for %(num)s day after recording it, and this one is "
        "older. If something in it needs correcting, tell your counselor.",
        "You can change a check-in for %(num)s days after recording it, and this one is "
        "older. If something in it needs correcting, tell your counselor.",
        CHANGE_DAYS,
    )


def change_cutoff() -> datetime:
    """Check-ins recorded before this moment can no longer be changed or deleted."""
    return timeutil.utcnow() - timedelta(days=CHANGE_DAYS)


def within_window(check_in: CheckIn) -> bool:
    return check_in.created_at >= change_cutoff()


def changeable_until(check_in: CheckIn) -> datetime:
    """The moment this check-in stops being changeable."""
    return check_in.created_at + timedelta(days=CHANGE_DAYS)


def changeable_checkins(partner: Partner, limit: int = 20) -> list[CheckIn]:
    """The partner's own check-ins they may still change or delete, latest day first:
    recorded within ``CHANGE_DAYS``, on a step that is still active (the same rule as
    ``checkins.check_changeable`` for one check-in)."""
    query = (
        sa.select(CheckIn)
        .join(Assignment)
        .where(
            CheckIn.partner_id == partner.id,
            CheckIn.created_at >= change_cutoff(),
            Assignment.status == AssignmentStatus.ACTIVE,
        )
        .order_by(CheckIn.occurred_on.desc(), CheckIn.id.desc())
        .options(selectinload(CheckIn.assignment))
        .limit(limit)
    )
    return list(db.session.scalars(query))
