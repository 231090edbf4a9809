"""What the dashboard shows: the couples list and a couple's page, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AssignmentStatus,
    CheckIn,
    Couple,
    CoupleSession,
    CoupleStatus,
    LadderRung,
    OutboxEmail,
    Partner,
    ReadinessSignal,
    Report,
)
from counselor.models.progress import PartnerWeek as PartnerWeekSnapshot
from counselor.services.audit import Actor, record_event
from counselor.services.couples.sessions import couple_sessions, next_sessions
from counselor.services.delivery import notifications, reminders
from counselor.services.homework import ladder
from counselor.services.homework.assignments import couple_assignments, current_rung
from counselor.services.homework.reflections import recent_reflections
from counselor.services.progress import snapshots, week_rules
from counselor.services.progress.charts import LineChart, completion_chart
from counselor.services.reports.pre_session import couple_reports
from counselor.tenancy import get_in_practice

GRID_WEEKS = 4
CHART_WEEKS = 8


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
    """One page of the practice's couples with this week's figures for each partner."""
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
    page = max(1, page)
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
    partners = [p for c in couples for p in c.partners]
    first, last = week_rules.couple_weeks_window(partners, weeks=1)
    # Active steps, and steps ended this week: their days so far count, as in the API.
    assignments_by_couple: dict[int, list[Assignment]] = {cid: [] for cid in couple_ids}
    for assignment in db.session.scalars(
        sa.select(Assignment)
        .where(
            Assignment.couple_id.in_(couple_ids),
            sa.or_(Assignment.status == AssignmentStatus.ACTIVE, Assignment.ended_on >= first),
        )
        .options(selectinload(Assignment.rung))
    ):
        assignments_by_couple[assignment.couple_id].append(assignment)

    day_counts = week_rules.checkin_day_counts(
        (a.id for group in assignments_by_couple.values() for a in group), first, last
    )
    last_checkins = _last_checkin_days(couple_ids)
    upcoming = next_sessions(couple_ids)
    recent_weeks = snapshots.partner_week_history(couple_ids, weeks=2)

    rows = []
    for couple in couples:
        assignments = assignments_by_couple[couple.id]
        this_week = [
            PartnerWeek(
                partner,
                week_rules.partner_week(
                    partner.id, assignments, week_rules.partner_current_week(partner), day_counts
                ),
            )
            for partner in couple.partners
        ]
        rows.append(
            CoupleRow(
                couple=couple,
                current_rung=current_rung(assignments),
                partner_weeks=this_week,
                last_checkin_on=last_checkins.get(couple.id),
                next_session_at=upcoming.get(couple.id),
                signals=_signals(couple.partners, recent_weeks[couple.id]),
            )
        )
    return rows


def _signals(
    partners: list[Partner], history: list[PartnerWeekSnapshot]
) -> dict[ReadinessSignal, list[Partner]]:
    """Each partner's current suggestion, grouped by suggestion (moving up first)."""
    by_signal: dict[ReadinessSignal, list[Partner]] = {signal: [] for signal in ReadinessSignal}
    for partner in partners:
        latest = snapshots.latest_partner_week(history, partner)
        if latest is not None and latest.signal is not None:
            by_signal[latest.signal].append(partner)
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


@dataclass(frozen=True)
class AssignmentGrid:
    """One step with, per partner, the last few weeks' figures (oldest first)."""

    assignment: Assignment
    weeks_by_partner: dict[int, list[week_rules.WeekFigure]]


@dataclass(frozen=True)
class RungView:
    """A rung of the ladder as the couple page shows it: with this couple's steps on it."""

    rung: LadderRung
    steps: list[AssignmentGrid]


@dataclass(frozen=True)
class CoupleOverview:
    couple: Couple
    current_rung: LadderRung | None
    rungs: list[RungView]
    this_week: list[PartnerWeek]
    reflections: list[CheckIn]
    upcoming_sessions: list[CoupleSession]
    past_sessions: list[CoupleSession]
    latest_emails: dict[int, OutboxEmail]
    # Each partner's newest compiled week (its signal is the current suggestion), or None.
    snapshots: dict[int, PartnerWeekSnapshot | None]
    completion_chart: LineChart
    next_reminders: dict[int, reminders.PlannedReminder]
    reports: list[Report]


def couple_overview(actor: Actor, couple_id: int, now: datetime) -> CoupleOverview:
    """Everything on a couple's page. Viewing it is audited."""
    couple = get_in_practice(Couple, couple_id)
    assignments = couple_assignments(couple.id)
    first, last = week_rules.couple_weeks_window(couple.partners, weeks=GRID_WEEKS)
    day_counts = week_rules.checkin_day_counts((a.id for a in assignments), first, last)
    mondays = {
        p.id: [
            week_rules.partner_current_week(p) - timedelta(weeks=n)
            for n in range(GRID_WEEKS - 1, -1, -1)
        ]
        for p in couple.partners
    }

    grids_by_rung: dict[int, list[AssignmentGrid]] = {}
    for assignment in assignments:
        grids_by_rung.setdefault(assignment.rung_id, []).append(
            AssignmentGrid(
                assignment,
                {
                    pid: [week_rules.assignment_week(assignment, pid, m, day_counts) for m in days]
                    for pid, days in mondays.items()
                },
            )
        )
    this_week = [  # every step that counts this week, ended ones too, as in the API
        PartnerWeek(p, week_rules.partner_week(p.id, assignments, mondays[p.id][-1], day_counts))
        for p in couple.partners
    ]
    history = snapshots.partner_week_history([couple.id], CHART_WEEKS)[couple.id]
    sessions = couple_sessions(couple.id)
    record_event(actor, "couple.view", "couple", couple.id)
    return CoupleOverview(
        couple=couple,
        current_rung=current_rung(assignments),
        rungs=[RungView(r, grids_by_rung.get(r.id, [])) for r in ladder.ladder_rungs()],
        this_week=this_week,
        reflections=recent_reflections(couple.id),
        upcoming_sessions=[s for s in sessions if s.starts_at >= now],
        past_sessions=[s for s in sessions if s.starts_at < now][::-1],
        latest_emails=notifications.latest_emails([p.id for p in couple.partners]),
        snapshots={p.id: snapshots.latest_partner_week(history, p) for p in couple.partners},
        completion_chart=_completion_chart(this_week, history),
        next_reminders=reminders.next_reminders(actor, couple.id),
        reports=couple_reports(couple.id),
    )


def _completion_chart(
    this_week: list[PartnerWeek], history: list[PartnerWeekSnapshot]
) -> LineChart:
    """Each partner's completion over the last CHART_WEEKS weeks: past weeks as compiled,
    this week live (the same figure as the partner's card)."""
    compiled = {(row.partner_id, row.week_start): row for row in history}
    series = []
    latest_week = date.min
    for pw in this_week:
        mondays = timeutil.week_starts_back(pw.week.week_start, CHART_WEEKS)
        latest_week = max(latest_week, pw.week.week_start)
        past = [compiled.get((pw.partner.id, monday)) for monday in mondays[:-1]]
        values = [row.completion if row else None for row in past]
        series.append((pw.partner.first_name, [*values, pw.week.completion]))
    labels = (
        [
            f"{monday.day} {monday:%b}"
            for monday in timeutil.week_starts_back(latest_week, CHART_WEEKS)
        ]
        if this_week
        else []
    )
    return completion_chart(labels, series)
