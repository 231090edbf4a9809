"""Which couples a compile must redo since the last one: found at compile time, in one
query, from data every change already leaves (nothing is written on the hot paths for it).

A couple's compiled rows depend on its partners (their time zones) and status, its steps,
their check-ins and its rung, and — through time — on each partner's current week. So a
couple is redone when, since the last run started (less ``IN_FLIGHT``, for changes whose
transaction was still open when it read):

- a check-in of it was created (``created_at``) or edited (``edited_at``);
- one was deleted: deletes are hard, and audited as ``checkin.delete`` by the partner whose
  check-in it was (the only way one is deleted); a delete audited by anyone else makes
  the run a full one, since the event then does not say whose it was;
- a step of it was created or changed (``updated_at``: ending, editing, moving a rung);
- the couple changed (``updated_at``) or any event was audited on it (``couple.update``,
  its partners' details, time zones included; pause, close, reopen; erasure);
- a partner of it was added (``created_at``);
- the week rolled over in a partner's time zone (their current week is not the last run's).

A run is full instead when there was no earlier run, when the window moved (its first
week or its last day), when the ladder's rungs changed since the last run read them
(``ladder_updated_at``: positions, the top rung), or when a check-in delete was audited by
someone other than its partner.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AuditEvent,
    CheckIn,
    Couple,
    LadderRung,
    Partner,
    ProgressCompilation,
)
from counselor.tenancy import across_practices

# A change committed after the last run read may carry an earlier stamp (its transaction
# began before): looking this far back before the run started finds it. This assumes no
# write transaction that changes a couple (a request, a task, a bulk job or import) stays
# open longer than IN_FLIGHT: a change committed by one that did would be missed until the
# couple changes again or a full run (a moved window, a ladder sync) redoes everyone.
IN_FLIGHT = timedelta(minutes=15)
CHECKIN_DELETE = "checkin.delete"
FULL = -1  # a row of the changes query that says: compile everyone


def last_compilation() -> ProgressCompilation | None:
    return db.session.scalar(
        sa.select(ProgressCompilation).order_by(ProgressCompilation.id.desc()).limit(1)
    )


def changed_couples(
    last: ProgressCompilation, now: datetime, timezones: Iterable[str]
) -> set[int] | None:
    """The couples to redo since ``last``, or None when everyone must be (see above).
    ``timezones``: the partners' time zones, whose week may have rolled over since."""
    since = last.started_at - IN_FLIGHT
    rolled_over = [zone for zone in timezones if _week(zone, last.started_at) != _week(zone, now)]
    deleted_by_partner = sa.and_(
        AuditEvent.action == CHECKIN_DELETE, AuditEvent.actor_type == "partner"
    )
    changes: sa.CompoundSelect = sa.union(
        sa.select(Assignment.couple_id)
        .join(CheckIn, CheckIn.assignment_id == Assignment.id)
        .where(sa.or_(CheckIn.created_at >= since, CheckIn.edited_at >= since)),
        sa.select(Assignment.couple_id).where(Assignment.updated_at >= since),
        sa.select(Couple.id).where(Couple.updated_at >= since),
        sa.select(AuditEvent.object_id).where(
            AuditEvent.at >= since, AuditEvent.object_type == "couple"
        ),
        sa.select(Partner.couple_id)
        .join(AuditEvent, AuditEvent.actor_id == Partner.id)
        .where(AuditEvent.at >= since, deleted_by_partner),
        sa.select(Partner.couple_id).where(
            sa.or_(Partner.created_at >= since, Partner.timezone.in_(rolled_over))
        ),
        sa.select(sa.literal(FULL)).where(
            sa.exists().where(
                AuditEvent.at >= since,
                AuditEvent.action == CHECKIN_DELETE,
                sa.not_(deleted_by_partner),
            )
        ),
    )
    found = db.session.execute(across_practices(changes)).scalars()
    couples: set[int] = {couple_id for couple_id in found if couple_id is not None}
    return None if FULL in couples else couples


def _week(zone: str, at: datetime) -> date:
    return timeutil.week_start(timeutil.local_today(zone, at))


def ladder_updated_at() -> datetime | None:
    """When the ladder's rungs last changed (``ladder sync``), as the run reads it.

    A deleted rung does not move it. Nothing in the app deletes one (the sync parks a rung
    missing from the file and stamps every rung it writes); a rung a step uses cannot be
    deleted (foreign keys), and deleting the top one changes ``top_rung``, compared apart.
    Catching any other delete needs the rung count stored with the run (a migration)."""
    return db.session.scalar(sa.select(sa.func.max(LadderRung.updated_at)))


def record_compilation(
    started_at: datetime,
    first_week: date,
    last_day: date,
    ladder: tuple[int | None, datetime | None],
    couples: int,
    *,
    only_changed: bool,
) -> None:
    """Remember this run: the next one compiles only what changed since it started.
    ``ladder``: the top rung's position and the rungs' latest change, as the run read them."""
    top_rung, ladder_changed_at = ladder
    db.session.add(
        ProgressCompilation(
            started_at=started_at,
            first_week=first_week,
            last_day=last_day,
            top_rung=top_rung,
            ladder_updated_at=ladder_changed_at,
            couples=couples,
            only_changed=only_changed,
        )
    )
