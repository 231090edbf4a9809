"""Building a pre-session report's data for one couple, in a fixed number of queries.

The period is whole local weeks: from the week of the previous session (or of 14 days
ago) to this week; the previous period is as many weeks just before it. Figures follow
the same rules as the dashboard (counselor.services.progress.week_rules), so they match it;
completion ratios and each partner's readiness are computed here with
counselor.services.progress.readiness and handed to the report, which only shows them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    CheckIn,
    Couple,
    CoupleSession,
    Partner,
)
from counselor.services.homework import ladder, reflections
from counselor.services.progress import readiness, week_rules
from counselor.tenancy import get_in_practice
from reports import (
    AssignmentRow,
    PartnerReadiness,
    PartnerSummary,
    PreSessionReportData,
    ReadinessWeek,
    ReflectionItem,
    RungInfo,
    WeekCell,
)

DEFAULT_PERIOD_DAYS = 14
CHART_WEEKS = 8
REFLECTIONS_SHOWN = 30


def build_report_data(
    couple_id: int, session: CoupleSession | None, now: datetime | None = None
) -> PreSessionReportData:
    now = now or timeutil.utcnow()
    couple = get_in_practice(Couple, couple_id)
    zone = couple.practice.timezone
    today = timeutil.local_today(zone, now)
    previous = _previous_session(couple.id, session.starts_at if session else now)
    if previous is not None:
        start = previous.starts_at.astimezone(ZoneInfo(zone)).date()
        description = f"since the previous session on {start:%a %d %b}"
    else:
        start = today - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        description = f"the last {DEFAULT_PERIOD_DAYS} days"
    period_weeks = _mondays(timeutil.week_start(start), timeutil.week_start(today))
    previous_weeks = [w - timedelta(weeks=len(period_weeks)) for w in period_weeks]
    chart_weeks = timeutil.week_starts_back(timeutil.week_start(today), CHART_WEEKS)
    first_week = min(previous_weeks[0], chart_weeks[0])

    assignments = _assignments(couple.id)
    day_counts = week_rules.checkin_day_counts(
        (a.id for a in assignments), first_week, today + timedelta(days=7)
    )
    comforts = _comforts(couple.id, first_week)
    rungs = ladder.ladder_rungs()
    top_rung = max((r.position for r in rungs), default=None)
    partners = tuple(
        _partner_summary(
            p,
            assignments,
            day_counts,
            comforts,
            period_weeks,
            previous_weeks,
            chart_weeks,
            week_rules.partner_readiness(p, assignments, day_counts, top_rung, now),
        )
        for p in couple.partners
    )
    shown = [a for a in assignments if _active_during(a, period_weeks[0], today)]
    active = [a for a in assignments if a.status == AssignmentStatus.ACTIVE]
    return PreSessionReportData(
        practice_name=couple.practice.name,
        counselor_name=couple.counselor.name,
        couple_label=couple.label,
        timezone_name=zone,
        session_starts_at=session.starts_at.astimezone(ZoneInfo(zone)) if session else None,
        period_start=start,
        period_end=today,
        period_description=description,
        current_rung=max((a.rung.position for a in active), default=None),
        rungs=tuple(RungInfo(r.position, r.title) for r in rungs),
        partners=partners,
        assignments=tuple(_assignment_row(a, couple, day_counts, period_weeks) for a in shown),
        chart_weeks=tuple(chart_weeks),
        reflections=_reflections(couple.id, start, zone),
        generated_at=now.astimezone(ZoneInfo(zone)),
    )


def fingerprint(data: PreSessionReportData) -> str:
    """What the report says, without when it was made: equal data, equal fingerprint."""
    payload = asdict(data)
    payload.pop("generated_at")
    return hashlib.sha256(json.dumps(payload, default=str, sort_keys=True).encode()).hexdigest()


def _mondays(first: date, last: date) -> list[date]:
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def _previous_session(couple_id: int, before: datetime) -> CoupleSession | None:
    return db.session.scalar(
        sa.select(CoupleSession)
        .where(CoupleSession.couple_id == couple_id, CoupleSession.starts_at < before)
        .order_by(CoupleSession.starts_at.desc())
        .limit(1)
    )


def _assignments(couple_id: int) -> list[Assignment]:
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .where(Assignment.couple_id == couple_id)
            .order_by(Assignment.rung_id, Assignment.id)
            .options(selectinload(Assignment.rung))
        )
    )


def _comforts(couple_id: int, since: date) -> dict[int, list[tuple[date, int]]]:
    rows = db.session.execute(
        sa.select(CheckIn.partner_id, CheckIn.occurred_on, CheckIn.comfort)
        .join(Assignment)
        .where(
            Assignment.couple_id == couple_id,
            CheckIn.occurred_on >= since,
            CheckIn.comfort.is_not(None),
        )
    )
    by_partner: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for partner_id, day, comfort in rows:
        if comfort is not None:  # always, by the WHERE; the test narrows the column's type
            by_partner[partner_id].append((day, comfort))
    return by_partner


def _mean_comfort(values: list[tuple[date, int]], weeks: list[date]) -> float | None:
    wanted = set(weeks)
    picked = [c for day, c in values if timeutil.week_start(day) in wanted]
    return round(mean(picked), 2) if picked else None


def _partner_summary(
    partner: Partner,
    assignments: list[Assignment],
    day_counts: week_rules.DayCounts,
    comforts: dict[int, list[tuple[date, int]]],
    period: list[date],
    previous: list[date],
    chart: list[date],
    assessment: readiness.Assessment,
) -> PartnerSummary:
    def totals(weeks: list[date]) -> tuple[int, int]:
        figures = [week_rules.partner_week(partner.id, assignments, w, day_counts) for w in weeks]
        return sum(f.done for f in figures), sum(f.target for f in figures)

    done, target = totals(period)
    done_before, target_before = totals(previous)
    weekly = [week_rules.partner_week(partner.id, assignments, w, day_counts) for w in chart]
    streak = 0
    for figure in reversed(weekly[:-1]):  # whole weeks only: this one is still running
        if figure.target == 0 or figure.done < figure.target:
            break
        streak += 1
    mine = comforts.get(partner.id, [])
    return PartnerSummary(
        name=partner.first_name,
        done_this_period=done,
        target_this_period=target,
        done_previous_period=done_before,
        target_previous_period=target_before,
        mean_comfort=_mean_comfort(mine, period),
        previous_mean_comfort=_mean_comfort(mine, previous),
        streak_weeks=streak,
        reminders_stopped=partner.unsubscribed_at is not None,
        weekly_completion=tuple(f.completion for f in weekly),
        weekly_mean_comfort=tuple(_mean_comfort(mine, [w]) for w in chart),
        completion_this_period=readiness.completion(done, target),
        completion_previous_period=readiness.completion(done_before, target_before),
        readiness=_partner_readiness(assessment),
    )


def _partner_readiness(assessment: readiness.Assessment) -> PartnerReadiness:
    return PartnerReadiness(
        signal=assessment.signal.value if assessment.signal else None,
        steady_on_top_rung=assessment.steady_on_top_rung,
        weeks=tuple(
            ReadinessWeek(
                week_start=week.week_start,
                done=week.evidence.done,
                target=week.evidence.target,
                lowest_rung_completion=min(week.evidence.rung_completions, default=None),
            )
            for week in assessment.weeks
        ),
    )


def _active_during(assignment: Assignment, first: date, last: date) -> bool:
    until = week_rules.active_until(assignment)
    return assignment.starts_on <= last and (until is None or until >= first)


def _assignee_label(assignment: Assignment, couple: Couple) -> str:
    if assignment.assignee == Assignee.EACH:
        return "Each partner"
    if assignment.assignee == Assignee.TOGETHER:
        return "Together"
    return next(p.first_name for p in couple.partners if p.id == assignment.assignee_partner_id)


def _assignment_row(
    assignment: Assignment, couple: Couple, day_counts: week_rules.DayCounts, weeks: list[date]
) -> AssignmentRow:
    doers = [p for p in couple.partners if week_rules.does_step(assignment, p.id)]
    if assignment.assignee == Assignee.TOGETHER:
        doers = doers[:1]  # one joint count for the couple
    cells = tuple(
        (
            "Together" if assignment.assignee == Assignee.TOGETHER else partner.first_name,
            tuple(
                WeekCell(w, f.done, f.target)
                for w in weeks
                for f in [week_rules.assignment_week(assignment, partner.id, w, day_counts)]
            ),
        )
        for partner in doers
    )
    return AssignmentRow(
        title=assignment.title,
        instructions=assignment.instructions,
        rung_position=assignment.rung.position,
        rung_title=assignment.rung.title,
        assignee_label=_assignee_label(assignment, couple),
        times_per_week=assignment.times_per_week,
        starts_on=assignment.starts_on,
        due_on=assignment.due_on,
        status=assignment.status.value,
        cells=cells,
    )


def _reflections(couple_id: int, since: date, zone: str) -> tuple[ReflectionItem, ...]:
    """Every reflection of the period, for the counselor: withdrawn ones too, marked."""
    rows = db.session.scalars(
        sa.select(CheckIn)
        .join(Assignment)
        .where(
            Assignment.couple_id == couple_id,
            CheckIn.occurred_on >= since,
            CheckIn.reflection.is_not(None),
        )
        .order_by(CheckIn.occurred_on.desc(), CheckIn.id.desc())
        .limit(REFLECTIONS_SHOWN)
        .options(
            selectinload(CheckIn.partner),
            selectinload(CheckIn.assignment).selectinload(Assignment.rung),
        )
    )
    return tuple(
        ReflectionItem(
            occurred_on=c.occurred_on,
            partner_name=c.partner.first_name,
            rung_position=c.assignment.rung.position,
            step_title=c.assignment.title,
            text=c.reflection or "",
            shared=reflections.is_shared(c),
            comfort=c.comfort,
            withdrawn_on=timeutil.to_local(c.reflection_withdrawn_at, zone).date()
            if c.reflection_withdrawn_at
            else None,
        )
        for c in rows
    )
