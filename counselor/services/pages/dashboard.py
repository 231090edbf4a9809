"""The couples list the dashboard opens on, in a fixed number of queries (a couple's own
page is ``couple_page``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor.extensions import db
from counselor.models import (
    Assignment,
    CheckIn,
    Couple,
    CoupleStatus,
    LadderRung,
    Partner,
    ReadinessSignal,
)
from counselor.services.couples.sessions import next_sessions
from counselor.services.homework.assignments import current_rung
from counselor.services.progress import current, readiness, week_rules


@dataclass(frozen=True)
class PartnerWeek:
    partner: Partner
    week: week_rules.WeekFigure


@dataclass(frozen=True)
class CoupleRow:
    couple: Couple
    current_rung: LadderRung | None
    partner_weeks: list[PartnerWeek]
    last_checkin_on: date | None
    next_session_at: datetime | None
    # Each compiled suggestion (moving up, barriers) with the partners it is about.
    signals: dict[ReadinessSignal, list[Partner]] = field(default_factory=dict)


@dataclass(frozen=True)
class CouplesPage:
    rows: list[CoupleRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_couples(
    *, search: str = "", status: str | None = None, page: int = 1, per_page: int = 25
) -> CouplesPage:
    """One page of the practice's couples with this week's figures for each partner; a
    page number past the last is the last page (and below 1 the first)."""
    query = sa.select(Couple)
    if status in {s.value for s in CoupleStatus}:
        query = query.where(Couple.status == status)
    if search.strip():
        pattern = f"%{_escape_like(search.strip())}%"
        partner_match = (
            sa.select(Partner.id)
            .where(
                Partner.couple_id == Couple.id,
                sa.or_(
                    Partner.first_name.ilike(pattern, escape="\\"),
                    Partner.email.ilike(pattern, escape="\\"),
                ),
            )
            .exists()
        )
        query = query.where(
            sa.or_(
                Couple.label.ilike(pattern, escape="\\"),
                Couple.external_id.ilike(pattern, escape="\\"),
                partner_match,
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = min(max(1, page), CouplesPage([], 1, per_page, total).pages)
    couples = db.session.scalars(
        query.order_by(sa.func.lower(Couple.label), Couple.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(selectinload(Couple.partners))
    ).all()
    return CouplesPage(_couple_rows(list(couples)), page, per_page, total)


def _couple_rows(couples: list[Couple]) -> list[CoupleRow]:
    couple_ids = [c.id for c in couples]
    if not couple_ids:
        return []
    standing = current.couples_now(couples)
    last_checkins = _last_checkin_days(couple_ids)
    upcoming = next_sessions(couple_ids)
    rows = []
    for couple in couples:
        now = standing[couple.id]
        rows.append(
            CoupleRow(
                couple=couple,
                current_rung=current_rung(now.assignments),
                partner_weeks=[PartnerWeek(p, now.this_week[p.id]) for p in couple.partners],
                last_checkin_on=last_checkins.get(couple.id),
                next_session_at=upcoming.get(couple.id),
                signals=_signals(couple.partners, now.readiness),
            )
        )
    return rows


def _signals(
    partners: list[Partner], verdict: readiness.CoupleReadiness
) -> dict[ReadinessSignal, list[Partner]]:
    """Each partner's current suggestion, grouped by suggestion (moving up first)."""
    by_signal: dict[ReadinessSignal, list[Partner]] = {signal: [] for signal in ReadinessSignal}
    for partner in partners:
        signal = verdict.of(partner.id)
        if signal is not None:
            by_signal[signal].append(partner)
    return {signal: named for signal, named in by_signal.items() if named}


def _last_checkin_days(couple_ids: list[int]) -> dict[int, date]:
    rows = db.session.execute(
        sa.select(Assignment.couple_id, sa.func.max(CheckIn.occurred_on))
        .join(CheckIn, CheckIn.assignment_id == Assignment.id)
        .where(Assignment.couple_id.in_(couple_ids))
        .group_by(Assignment.couple_id)
    )
    return dict(rows.all())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
