"""The counselor's Monday digest: couples that need attention, with reasons, no client text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AssignmentStatus,
    CheckIn,
    Counselor,
    Couple,
    CoupleStatus,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
    ReadinessSignal,
)
from counselor.services.progress import adaptive_cadence, current

DIGEST_HOUR = 8  # Monday, in the counselor's own time zone
QUIET_DAYS = 7


@dataclass
class AttentionItem:
    couple_id: int
    label: str
    reasons: list[str] = field(default_factory=list)


def couples_needing_attention(counselor: Counselor) -> list[AttentionItem]:
    """The counselor's active couples with a reason to look, in a fixed number of queries."""
    couples = db.session.scalars(
        sa.select(Couple)
        .where(Couple.counselor_id == counselor.id, Couple.status == CoupleStatus.ACTIVE)
        .order_by(Couple.label)
        .options(selectinload(Couple.partners))
    ).all()
    ids = [c.id for c in couples]
    if not ids:
        return []
    now = timeutil.utcnow()
    today = timeutil.local_today(counselor.timezone, now)
    with_steps = set(
        db.session.scalars(
            sa.select(Assignment.couple_id).where(
                Assignment.couple_id.in_(ids), Assignment.status == AssignmentStatus.ACTIVE
            )
        )
    )
    last_checkin = dict(
        db.session.execute(
            sa.select(Assignment.couple_id, sa.func.max(CheckIn.occurred_on))
            .join(CheckIn, CheckIn.assignment_id == Assignment.id)
            .where(Assignment.couple_id.in_(ids))
            .group_by(Assignment.couple_id)
        ).all()
    )
    # The readiness every page shows, judged live: not a stored snapshot's.
    standing = current.couples_now(list(couples))
    lowered_any = any(p.cadence_lowered_at for c in couples for p in c.partners)
    since = _previous_digest_at(counselor, now) if lowered_any else now

    items = []
    for couple in couples:
        item = AttentionItem(couple.id, couple.label)
        seen = last_checkin.get(couple.id)
        if couple.id in with_steps and (seen is None or seen < today - timedelta(days=QUIET_DAYS)):
            item.reasons.append(f"no check-ins for {QUIET_DAYS} days")
        if any(p.unsubscribed_at for p in couple.partners):
            item.reasons.append("a partner stopped emails")
        if any(p.cadence_lowered_at and p.cadence_lowered_at > since for p in couple.partners):
            item.reasons.append(
                "a partner's reminders dropped to gentle: "
                f"{adaptive_cadence.ADAPT_WEEKS} weeks of reminders without a check-in after them"
            )
        verdict = standing[couple.id].readiness
        couple_signals = {verdict.of(p.id) for p in couple.partners}
        if ReadinessSignal.READY_TO_MOVE_UP in couple_signals:
            item.reasons.append("may be ready to move up a rung")
        if ReadinessSignal.DISCUSS_BARRIERS in couple_signals:
            item.reasons.append("a partner did none of the steps due in the last two weeks")
        if item.reasons:
            items.append(item)
    return items


def _previous_digest_at(counselor: Counselor, now: datetime) -> datetime:
    """When the counselor's previous digest was sent: a partner the adaptive cadence eased
    to gentle since then is told of in this one, however long ago that was (digests turned
    off for a while, or last week's failed). A week ago when none has been sent. The digest
    being composed is not sent yet, so it is not its own previous one."""
    previous = db.session.scalar(
        sa.select(sa.func.max(OutboxEmail.sent_at)).where(
            OutboxEmail.counselor_id == counselor.id,
            OutboxEmail.kind == EmailKind.COUNSELOR_DIGEST,
            OutboxEmail.status == OutboxStatus.SENT,
        )
    )
    return previous or now - timedelta(days=7)


def due_digest_rows(now: datetime) -> list[dict]:
    """Outbox rows for counselors whose Monday morning has come (one per counselor-week),
    in every practice."""
    counselors = sa.select(Counselor).where(
        Counselor.active.is_(True), Counselor.weekly_digest.is_(True)
    )
    rows = []
    for counselor in db.session.scalars(tenancy.across_practices(counselors)):
        local = now.astimezone(ZoneInfo(counselor.timezone))
        if local.weekday() != 0 or local.hour < DIGEST_HOUR:
            continue
        rows.append(
            {
                "practice_id": counselor.practice_id,
                "counselor_id": counselor.id,
                "kind": EmailKind.COUNSELOR_DIGEST,
                "dedupe_key": f"digest:{counselor.id}:{local.date().isoformat()}",
                "created_at": now,
            }
        )
    return rows
