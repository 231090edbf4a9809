"""What a couple's page shows, in a fixed number of queries: every figure live
(``progress.live``, the API's progress)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from counselor import timeutil
from counselor.models import (
    Assignment,
    CheckIn,
    Couple,
    CoupleSession,
    LadderRung,
    OutboxEmail,
    Partner,
    ReadinessSignal,
    Report,
)
from counselor.services.audit import Actor, record_event
from counselor.services.couples.email_status import EmailStatus, email_status
from counselor.services.couples.sessions import couple_sessions
from counselor.services.delivery import notifications, reminders
from counselor.services.homework import ladder
from counselor.services.homework.reflections import recent_reflections
from counselor.services.homework.titles import step_titles
from counselor.services.progress import live, week_rules
from counselor.services.progress.charts import LineChart, completion_chart
from counselor.services.progress.readiness import CoupleReadiness
from counselor.services.reports.pre_session import couple_reports

GRID_WEEKS = 4
CHART_WEEKS = 8


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
class PartnerCard:
    """A partner's card: this week so far, the current suggestion, the streak and whether
    emails reach them — each from the function every other place asks."""

    partner: Partner
    week: week_rules.WeekFigure
    signal: ReadinessSignal | None
    streak_weeks: int
    emails: EmailStatus


@dataclass(frozen=True)
class CoupleOverview:
    couple: Couple
    current_rung: LadderRung | None
    rungs: list[RungView]
    this_week: list[PartnerCard]
    readiness: CoupleReadiness
    reflections: list[CheckIn]
    upcoming_sessions: list[CoupleSession]
    past_sessions: list[CoupleSession]
    latest_emails: dict[int, OutboxEmail]
    completion_chart: LineChart
    next_reminders: dict[int, reminders.PlannedReminder]
    reports: list[Report]
    # Every step's title as the page lists it (homework.titles), by assignment id.
    step_titles: dict[int, str]


def couple_overview(actor: Actor, couple_id: int, now: datetime) -> CoupleOverview:
    """Everything on a couple's page, every figure live (``progress.live``, the API's
    progress): the cards, the chart and the grid agree from the first run. Viewing it is
    audited."""
    progress = live.couple_progress(couple_id, CHART_WEEKS)
    couple = progress.couple
    titles = step_titles(progress.assignments)
    grids_by_rung: dict[int, list[AssignmentGrid]] = {}
    for assignment in progress.assignments:
        grids_by_rung.setdefault(assignment.rung_id, []).append(
            AssignmentGrid(assignment, titles[assignment.id], _grid_rows(progress, assignment))
        )
    cards = [
        PartnerCard(
            p.partner,
            p.this_week,
            p.readiness,
            p.streak_weeks,
            email_status(p.partner, now),
        )
        for p in progress.partners
    ]
    sessions = couple_sessions(couple.id)
    record_event(actor, "couple.view", "couple", couple.id)
    return CoupleOverview(
        couple=couple,
        current_rung=progress.current_rung,
        rungs=[RungView(r, grids_by_rung.get(r.id, [])) for r in ladder.ladder_rungs()],
        this_week=cards,
        readiness=progress.readiness,
        reflections=recent_reflections(couple.id),
        upcoming_sessions=[s for s in sessions if s.starts_at >= now],
        past_sessions=[s for s in sessions if s.starts_at < now][::-1],
        latest_emails=notifications.latest_emails([p.id for p in couple.partners]),
        completion_chart=_completion_chart(progress.partners),
        next_reminders=reminders.next_reminders(actor, couple.id),
        reports=couple_reports(couple.id),
        step_titles=titles,
    )


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
    last is this week so far, the same figure as the partner's card and the grid."""
    series = [(p.partner.first_name, [week.completion for week in p.weeks]) for p in partners]
    latest_week = max((p.this_week.week_start for p in partners), default=None)
    mondays = timeutil.week_starts_back(latest_week, CHART_WEEKS) if latest_week else []
    labels = [f"{monday.day} {monday:%b}" for monday in mondays]
    return completion_chart(labels, series)
