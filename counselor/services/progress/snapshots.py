"""Compiled progress read back: the snapshots ``progress.compile`` writes nightly, as the
dashboard shows them (history for the chart, each partner's current suggestion)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Partner, PartnerWeek
from counselor.services.progress import week_rules

ONE_WEEK = timedelta(weeks=1)


def partner_week_history(couple_ids: Iterable[int], weeks: int) -> dict[int, list[PartnerWeek]]:
    """Stored partner-weeks of these couples covering the last ``weeks`` weeks of every
    partner (a week more, for time zones), oldest first, in one query."""
    ids = list(couple_ids)
    history: dict[int, list[PartnerWeek]] = {couple_id: [] for couple_id in ids}
    if not ids:
        return history
    oldest = timeutil.week_start(timeutil.utcnow().date()) - ONE_WEEK * weeks
    for row in db.session.scalars(
        sa.select(PartnerWeek)
        .where(PartnerWeek.couple_id.in_(ids), PartnerWeek.week_start >= oldest)
        .order_by(PartnerWeek.partner_id, PartnerWeek.week_start)
    ):
        history[row.couple_id].append(row)
    return history


def latest_partner_week(rows: Iterable[PartnerWeek], partner: Partner) -> PartnerWeek | None:
    """The partner's newest snapshot if it is of this week or last week (the nightly job
    may not have reached this week yet); its signal is the current suggestion."""
    current = week_rules.partner_current_week(partner)
    recent = [
        row
        for row in rows
        if row.partner_id == partner.id and current - ONE_WEEK <= row.week_start <= current
    ]
    return max(recent, key=lambda row: row.week_start, default=None)
