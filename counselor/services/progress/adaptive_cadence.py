"""Adaptive cadence: fewer reminders for a partner they do not reach.

A practice that turns it on (``Practice.adaptive_cadence``, Settings › Reminders) lets the
nightly job lower a partner to the gentle cadence when, in each of the last
``ADAPT_WEEKS`` weeks of the reminder window (``reminder_effect.Window``: whole weeks
whose 48 hours have run out), at least one reminder was sent to them and none was
followed by their check-in within ``reminder_effect.FOLLOW_HOURS``. Reminders that are
followed never lower anyone.

- Only a partner on the standard cadence: the practice's is standard and they have none of
  their own (or standard). Gentle and off are left alone; the planner never sends more
  than the practice's cadence (``reminders.effective_cadence``).
- Lowering sets ``reminder_cadence = gentle``, ``cadence_lowered_at`` and
  ``cadence_changed_at``, audited as
  ``partner.cadence_lowered`` by the system (ids only). The counselor is told on the
  couple page (an attention item) and in the Monday digest (``delivery.digest``).
- A lowered partner is not judged again until the counselor puts them back on the
  practice's cadence (``restore_cadence``, audited ``partner.cadence_restored``), which
  sets ``cadence_changed_at`` again. Only reminders sent since the partner's cadence last
  changed count — here and in the figures (``reminder_effect``) — so the weeks that
  lowered them cannot lower them again the next night, and gentle weeks never judge a
  restored partner. The rule reads the partner's row, never the audit trail.

The nightly step costs the same few statements however many couples there are.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import AuditEvent, Counselor, Couple, Partner, Practice, ReminderCadence
from counselor.services.accounts.settings import may_manage_practice
from counselor.services.audit import Actor, record_event
from counselor.services.errors import InvalidInput
from counselor.services.progress import reminder_effect

ADAPT_WEEKS = 4
LOWERED = "partner.cadence_lowered"
RESTORED = "partner.cadence_restored"


def is_lowered(partner: Partner) -> bool:
    """Whether the adaptive cadence lowered this partner and nobody has restored them."""
    return partner.cadence_lowered_at is not None


def unheeded_partners(now: datetime) -> dict[int, int]:
    """Partners (id → practice id) whose last ADAPT_WEEKS weeks each had a reminder and no
    reminder followed, counting only reminders sent since their cadence last changed."""
    weeks: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    practice_of: dict[int, int] = {}
    for row in reminder_effect.reminder_weeks(now):
        if row.weeks_back < ADAPT_WEEKS:
            weeks[row.partner_id][row.weeks_back][0] += row.reminders
            weeks[row.partner_id][row.weeks_back][1] += row.followed
            practice_of[row.partner_id] = row.practice_id
    return {
        partner_id: practice_of[partner_id]
        for partner_id, by_week in weeks.items()
        if all(by_week[w][0] > 0 and by_week[w][1] == 0 for w in range(ADAPT_WEEKS))
    }


def lower_unheeded(now: datetime | None = None) -> list[int]:
    """The nightly step: lower every unheeded partner on standard in a practice with
    adaptive cadence on; returns their ids. Across every practice, in three statements
    however many couples: the reminders by week, the update, the audit events."""
    now = now or timeutil.utcnow()
    candidates = unheeded_partners(now)
    if not candidates:
        return []
    adaptive_couples = (
        sa.select(Couple.id)
        .join(Practice, Practice.id == Couple.practice_id)
        .where(
            Practice.adaptive_cadence.is_(True),
            Practice.reminder_cadence == ReminderCadence.STANDARD,
        )
    )
    lowered = list(
        db.session.scalars(
            tenancy.across_practices(
                sa.update(Partner)
                .where(
                    Partner.id.in_(list(candidates)),
                    Partner.couple_id.in_(adaptive_couples),
                    Partner.cadence_lowered_at.is_(None),
                    sa.or_(
                        Partner.reminder_cadence.is_(None),
                        Partner.reminder_cadence == ReminderCadence.STANDARD,
                    ),
                )
                .values(
                    reminder_cadence=ReminderCadence.GENTLE,
                    cadence_lowered_at=now,
                    cadence_changed_at=now,
                )
                .returning(Partner.id)
                .execution_options(synchronize_session="fetch")  # partners in the session see it
            )
        )
    )
    if lowered:
        # The events ``record_event`` would add for the system, in one executemany: one
        # session.add a partner would cost a statement each on SQLite.
        db.session.execute(
            sa.insert(AuditEvent),
            [
                {
                    "practice_id": candidates[partner_id],
                    "actor_type": Actor.system(candidates[partner_id]).kind,
                    "actor_id": None,
                    "action": LOWERED,
                    "object_type": "partner",
                    "object_id": partner_id,
                    "at": now,
                    "ip": None,
                }
                for partner_id in sorted(lowered)
            ],
        )
    return sorted(lowered)


def restore_cadence(actor: Actor, partner_id: int) -> Partner:
    """Put a lowered partner back on the practice's cadence; audited. A partner who was not
    lowered is refused with a plain message, and nothing is written."""
    partner = tenancy.get_in_practice(Partner, partner_id)
    if not is_lowered(partner):
        raise InvalidInput.single(
            "partner", f"{partner.first_name}'s reminders already follow the practice's cadence."
        )
    partner.reminder_cadence = None
    partner.cadence_lowered_at = None
    partner.cadence_changed_at = timeutil.utcnow()
    record_event(actor, RESTORED, "partner", partner.id)
    db.session.flush()
    return partner


def set_adaptive_cadence(counselor: Counselor, on: bool) -> Practice:
    """Owners only: turn the adaptive cadence on or off for the practice; audited. Turning
    it off lowers nobody from then on and leaves lowered partners as they are (their
    counselor restores each one)."""
    if not may_manage_practice(counselor):
        raise InvalidInput.single("practice", "Only an owner of the practice can change this.")
    practice = counselor.practice
    practice.adaptive_cadence = on
    record_event(
        Actor.for_counselor(counselor), "practice.adaptive_cadence", "practice", practice.id
    )
    return practice
