"""What a couple's page shows, in a fixed number of queries, in the order a counselor reads
it before a session: what happened since the last session, the next session, the active
steps, the ladder and the history.

The period's figures — each partner's completion against target, mean comfort, readiness —
are the pre-session report's (``report_data.build_report_data``), so the page and the PDF
say the same thing; the grids and the chart are live (``progress.live``, the API's
progress), so they agree with the API from the first run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    CheckIn,
    Couple,
    CoupleSession,
    LadderRung,
    OutboxEmail,
    OutboxStatus,
    Partner,
    Report,
)
from counselor.services.audit import Actor, record_event
from counselor.services.couples.email_status import EmailStatus, email_status
from counselor.services.couples.sessions import couple_sessions
from counselor.services.delivery import notifications, reminders
from counselor.services.delivery.digest import QUIET_DAYS
from counselor.services.homework import ladder
from counselor.services.homework.reflections import recent_reflections
from counselor.services.homework.titles import step_titles
from counselor.services.progress import live, readiness, week_rules
from counselor.services.progress.charts import LineChart, completion_chart
from counselor.services.reports.pre_session import couple_reports
from counselor.services.reports.report_data import REFLECTIONS_SHOWN, build_report_data
from reports import PartnerSummary, PreSessionReportData, TalkingPoint, derive_talking_points

GRID_WEEKS = 4
CHART_WEEKS = 8
# Past sessions shown with their notes; earlier ones wait behind "Earlier sessions".
SESSIONS_SHOWN = 3


@dataclass(frozen=True)
class GridRow:
    """A row of a step's grid: a partner's weeks, or the couple's for a together step."""

    label: str
    weeks: list[week_rules.WeekFigure]  # the last GRID_WEEKS weeks, oldest first


@dataclass(frozen=True)
class AssignmentGrid:
    """One step, its title as listed (told apart from a same-titled one), and its rows."""

    assignment: Assignment
    title: str
    rows: list[GridRow]


@dataclass(frozen=True)
class RungView:
    """A rung of the ladder as the couple page shows it: with this couple's steps on it."""

    rung: LadderRung
    steps: list[AssignmentGrid]


@dataclass(frozen=True)
class ComfortTrend:
    """A partner's mean comfort over the period against the period before: ``direction``
    is "up", "down" or "steady" as the two means read to one decimal, None when either
    period has no rating."""

    mean: float | None
    previous: float | None

    @property
    def direction(self) -> str | None:
        if self.mean is None or self.previous is None:
            return None
        now, before = round(self.mean, 1), round(self.previous, 1)
        return "up" if now > before else "down" if now < before else "steady"

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "steady": "→"}.get(self.direction or "", "")


@dataclass(frozen=True)
class PeriodFigures:
    """A partner's figures since the last session, as the report gives them, with this
    week so far (its completion by the one completion rule)."""

    partner: Partner
    summary: PartnerSummary
    comfort: ComfortTrend
    this_week_completion: float | None


@dataclass(frozen=True)
class Attention:
    """Something the counselor should know before the session, about one partner."""

    partner: Partner
    kind: str  # "stopped", "failed", "paused", "silent"
    text: str


@dataclass(frozen=True)
class PartnerCard:
    """A partner's compact card: whether emails reach them, the last email and the next
    reminder — each from the function every other place asks."""

    partner: Partner
    emails: EmailStatus
    latest_email: OutboxEmail | None
    next_reminder: reminders.PlannedReminder | None


@dataclass(frozen=True)
class CoupleOverview:
    couple: Couple
    # Since the last session: the report's data, read by the page as by the PDF.
    report: PreSessionReportData
    period: list[PeriodFigures]
    talking_points: list[TalkingPoint]
    attention: list[Attention]
    reflections: list[CheckIn]  # written in the period, newest first
    earlier_reflections: list[CheckIn]  # before the period, newest first
    # The next session and its report.
    next_session: CoupleSession | None
    next_report: Report | None
    later_sessions: list[CoupleSession]
    partner_cards: list[PartnerCard]
    # The steps, the ladder and the history.
    current_rung: LadderRung | None
    active_steps: list[AssignmentGrid]
    ended_steps: list[AssignmentGrid]  # completed and cancelled, latest first
    rungs: list[RungView]
    past_sessions: list[CoupleSession]  # newest first
    completion_chart: LineChart
    reports: list[Report]
    # Every step's title as the page lists it (homework.titles), by assignment id.
    step_titles: dict[int, str]


def couple_overview(actor: Actor, couple_id: int, now: datetime) -> CoupleOverview:
    """Everything on a couple's page. Viewing it is audited."""
    progress = live.couple_progress(couple_id, CHART_WEEKS)
    couple = progress.couple
    titles = step_titles(progress.assignments)
    grids = [AssignmentGrid(a, titles[a.id], _grid_rows(progress, a)) for a in progress.assignments]
    sessions = couple_sessions(couple.id)
    upcoming = [s for s in sessions if s.starts_at >= now]
    next_session = upcoming[0] if upcoming else None
    data = build_report_data(couple.id, next_session, now)
    period = [
        PeriodFigures(
            partner,
            summary,
            ComfortTrend(summary.mean_comfort, summary.previous_mean_comfort),
            readiness.completion(summary.done_this_week, summary.target_this_week),
        )
        for partner, summary in zip(couple.partners, data.partners, strict=True)
    ]
    latest_emails = notifications.latest_emails([p.id for p in couple.partners])
    next_reminders = reminders.next_reminders(actor, couple.id)
    written = recent_reflections(couple.id, REFLECTIONS_SHOWN)
    reports = couple_reports(couple.id)
    record_event(actor, "couple.view", "couple", couple.id)
    return CoupleOverview(
        couple=couple,
        report=data,
        period=period,
        talking_points=derive_talking_points(data),
        attention=_attention(couple, period, latest_emails, progress.assignments, now),
        reflections=[c for c in written if c.occurred_on >= data.period_start],
        earlier_reflections=[c for c in written if c.occurred_on < data.period_start],
        next_session=next_session,
        next_report=next(
            (r for r in reports if next_session and r.session_id == next_session.id), None
        ),
        later_sessions=upcoming[1:],
        partner_cards=[
            PartnerCard(p, email_status(p, now), latest_emails.get(p.id), next_reminders.get(p.id))
            for p in couple.partners
        ],
        current_rung=progress.current_rung,
        active_steps=[g for g in grids if g.assignment.status == AssignmentStatus.ACTIVE],
        ended_steps=sorted(
            (g for g in grids if g.assignment.status != AssignmentStatus.ACTIVE),
            key=lambda g: (g.assignment.ended_on or date.min, g.assignment.id),
            reverse=True,
        ),
        rungs=[
            RungView(r, [g for g in grids if g.assignment.rung_id == r.id])
            for r in ladder.ladder_rungs()
        ],
        past_sessions=[s for s in sessions if s.starts_at < now][::-1],
        completion_chart=_completion_chart(progress.partners),
        reports=reports,
        step_titles=titles,
    )


def _attention(
    couple: Couple,
    period: list[PeriodFigures],
    latest_emails: dict[int, OutboxEmail],
    assignments: list[Assignment],
    now: datetime,
) -> list[Attention]:
    """Per partner: stopped emails or paused reminders (as the report says), a last email
    that failed, and no check-in for QUIET_DAYS days (the digest's figure) while a step of
    theirs has been active all that time."""
    last_days = _last_checkin_days(couple, assignments)
    items = []
    for figures in period:
        partner, summary = figures.partner, figures.summary
        if summary.reminders_stopped:
            items.append(Attention(partner, "stopped", f"{partner.first_name} stopped emails."))
        elif summary.reminders_paused_until:
            until = f"{summary.reminders_paused_until:%a %d %b}"
            text = f"{partner.first_name} paused reminders until {until}."
            items.append(Attention(partner, "paused", text))
        email = latest_emails.get(partner.id)
        if email is not None and email.status == OutboxStatus.FAILED:
            text = f"The last email to {partner.first_name} failed."
            items.append(Attention(partner, "failed", text))
        today = timeutil.local_today(partner.timezone, now)
        quiet_since = today - timedelta(days=QUIET_DAYS)
        owed = any(
            a.status == AssignmentStatus.ACTIVE
            and week_rules.does_step(a, partner.id)
            and a.starts_on <= quiet_since
            for a in assignments
        )
        last = last_days.get(partner.id)
        if owed and (last is None or last < quiet_since):
            seen = f"last on {last:%a %d %b}" if last else "none yet"
            text = f"No check-in from {partner.first_name} for {QUIET_DAYS} days ({seen})."
            items.append(Attention(partner, "silent", text))
    return items


def _last_checkin_days(couple: Couple, assignments: list[Assignment]) -> dict[int, date]:
    """Each partner's latest check-in day, in one query: a together step's check-in counts
    for both partners, as its figures do."""
    if not assignments:
        return {}
    together = {a.id for a in assignments if a.assignee == Assignee.TOGETHER}
    rows = db.session.execute(
        sa.select(CheckIn.assignment_id, CheckIn.partner_id, sa.func.max(CheckIn.occurred_on))
        .where(CheckIn.assignment_id.in_([a.id for a in assignments]))
        .group_by(CheckIn.assignment_id, CheckIn.partner_id)
    )
    last: dict[int, date] = {}
    for assignment_id, partner_id, day in rows:
        doers = [p.id for p in couple.partners] if assignment_id in together else [partner_id]
        for doer in doers:
            last[doer] = max(day, last.get(doer, day))
    return last


def _grid_rows(progress: live.CoupleProgress, assignment: Assignment) -> list[GridRow]:
    """The step's rows (``week_rules.step_rows``: one joint row for a together step) over
    each partner's last GRID_WEEKS weeks; a step with nothing in them shows empty weeks."""
    weeks = progress.steps_of(assignment)
    rows = []
    for label, partner in week_rules.step_rows(assignment, progress.couple.partners):
        figures: list[week_rules.WeekFigure] = list(weeks.get(partner.id, [])[-GRID_WEEKS:])
        if not figures:
            mondays = timeutil.week_starts_back(
                week_rules.partner_current_week(partner), GRID_WEEKS
            )
            figures = [week_rules.WeekFigure(monday, 0, 0) for monday in mondays]
        rows.append(GridRow(label, figures))
    return rows


def _completion_chart(partners: list[live.PartnerProgress]) -> LineChart:
    """Each partner's completion over the last CHART_WEEKS weeks, every week live: the
    last is this week so far, the same figure as the grid."""
    series = [(p.partner.first_name, [week.completion for week in p.weeks]) for p in partners]
    latest_week = max((p.this_week.week_start for p in partners), default=None)
    mondays = timeutil.week_starts_back(latest_week, CHART_WEEKS) if latest_week else []
    labels = [f"{monday.day} {monday:%b}" for monday in mondays]
    return completion_chart(labels, series)
