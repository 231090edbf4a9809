"""What a couple's page shows, in a fixed number of queries, in the order a counselor reads
it before a session: what happened since the last session, the next session, the active
steps, the ladder and the history.

The period's figures — each partner's completion against target, mean comfort, readiness —
are the pre-session report's (``report_data.build_report_data``), so the page and the PDF
say the same thing; the grids and the chart are live (``progress.live``, the API's
progress), so they agree with the API from the first run."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    ReflectionReply,
    ReplyKind,
    Report,
)
from counselor.services.audit import Actor, record_event
from counselor.services.couples import sessions
from counselor.services.couples.email_status import EmailState, EmailStatus, email_status
from counselor.services.couples.sessions import couple_sessions
from counselor.services.delivery import notifications, reminders
from counselor.services.delivery.digest import QUIET_DAYS
from counselor.services.homework import ladder
from counselor.services.homework.reflections import held_back_ids, recent_reflections
from counselor.services.homework.replies import couple_replies
from counselor.services.homework.titles import step_titles
from counselor.services.homework.weekly_checkin import WeeklyCheckinView, checkin_view
from counselor.services.progress import live, readiness, week_rules
from counselor.services.progress.charts import LineChart, completion_chart
from counselor.services.progress.reminder_figures import ReminderEffectFigures, couple_effects
from counselor.services.reports.pre_session import couple_reports
from counselor.services.reports.report_data import build_report_data
from reports import PartnerSummary, PreSessionReportData, TalkingPoint, derive_talking_points
from reports.data import LeaningDirection
from reports.formatting import comfort_change, comfort_direction

GRID_WEEKS = 4
CHART_WEEKS = 8
# Past sessions shown with their notes; earlier ones wait behind "Earlier sessions".
SESSIONS_SHOWN = 3
# Reflections written before the period, under History: the latest this many (the page
# says "latest N" when there are more). Those of the period are all listed.
EARLIER_SHOWN = 30


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
    """A partner's mean comfort over the period against the period before, read as the
    pre-session report reads it: ``change`` is the report's own words
    (``reports.formatting.comfort_change``: "up 0.6", "down 0.8", "steady" under a
    quarter point, "–" when either period has no rating), and ``ratings`` how many
    ratings the period's mean rests on."""

    mean: float | None
    previous: float | None
    ratings: int

    @property
    def change(self) -> str:
        return comfort_change(self.mean, self.previous)

    @property
    def direction(self) -> str | None:
        """ "up", "down" or "steady" as ``change`` says; None when it cannot say."""
        return comfort_direction(self.mean, self.previous)

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
    """Something the counselor should know before the session, about one partner. A
    paused partner's ``until`` is the moment reminders resume (UTC): the page shows it on
    the viewer's clock with its label, as the partner's card does."""

    partner: Partner
    kind: str  # "stopped", "failed", "paused", "silent"
    text: str
    until: datetime | None = None


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
    reflections: list[CheckIn]  # written in the period, every one, newest first
    earlier_reflections: list[CheckIn]  # before the period, the latest EARLIER_SHOWN
    earlier_capped: bool  # there are more earlier ones than those listed
    # The next session and its report.
    next_session: CoupleSession | None  # the first not over yet: it may have started
    next_session_started: bool
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
    # Per direction, how often one partner leaned on the other and how often the other
    # noticed: the report's own (``report.leaning``; the acts are ``report.leaning_acts``).
    leaning: tuple[LeaningDirection, ...] = ()
    # The weekly check-in's series (the report's own) and chart (no series: off, never
    # answered); None only for a page built without it.
    weekly_checkin: WeeklyCheckinView | None = None
    # Replies to the couple's reflections (removed ones too), by check-in id and kind.
    replies: dict[int, dict[ReplyKind, ReflectionReply]] = field(default_factory=dict)
    # Reflections *reveal together* holds back now, with the partner they wait for.
    held_back: dict[int, Partner] = field(default_factory=dict)
    # Each partner's "do reminders help?" figures (progress.reminder_figures), by id.
    reminder_effects: dict[int, ReminderEffectFigures] = field(default_factory=dict)


def couple_overview(actor: Actor, couple_id: int, now: datetime) -> CoupleOverview:
    """Everything on a couple's page. Viewing it is audited."""
    progress = live.couple_progress(couple_id, CHART_WEEKS)
    couple = progress.couple
    titles = step_titles(progress.assignments)
    grids = [AssignmentGrid(a, titles[a.id], _grid_rows(progress, a)) for a in progress.assignments]
    all_sessions = couple_sessions(couple.id)
    # A session stays the next one until it is over, agenda and all.
    upcoming = [s for s in all_sessions if not sessions.is_over(s, now)]
    next_session = upcoming[0] if upcoming else None
    data = build_report_data(couple.id, next_session, now)
    period = [
        PeriodFigures(
            partner,
            summary,
            ComfortTrend(
                summary.mean_comfort, summary.previous_mean_comfort, summary.ratings_this_period
            ),
            readiness.completion(summary.done_this_week, summary.target_this_week),
        )
        for partner, summary in zip(couple.partners, data.partners, strict=True)
    ]
    latest_emails = notifications.latest_emails([p.id for p in couple.partners])
    next_reminders = reminders.next_reminders(actor, couple.id)
    cards = [
        PartnerCard(p, email_status(p, now), latest_emails.get(p.id), next_reminders.get(p.id))
        for p in couple.partners
    ]
    earlier_reflections = recent_reflections(couple.id, EARLIER_SHOWN + 1, before=data.period_start)
    reports = couple_reports(couple.id)
    record_event(actor, "couple.view", "couple", couple.id)
    return CoupleOverview(
        couple=couple,
        report=data,
        period=period,
        talking_points=derive_talking_points(data),
        attention=_attention(couple, cards, progress.assignments, now),
        reflections=recent_reflections(couple.id, None, since=data.period_start),
        earlier_reflections=earlier_reflections[:EARLIER_SHOWN],
        earlier_capped=len(earlier_reflections) > EARLIER_SHOWN,
        next_session=next_session,
        next_session_started=next_session is not None and sessions.has_started(next_session, now),
        next_report=next(
            (r for r in reports if next_session and r.session_id == next_session.id), None
        ),
        later_sessions=upcoming[1:],
        partner_cards=cards,
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
        past_sessions=[s for s in all_sessions if sessions.is_over(s, now)][::-1],
        completion_chart=_completion_chart(progress.partners),
        reports=reports,
        step_titles=titles,
        leaning=data.leaning,
        weekly_checkin=checkin_view(data.weekly_checkin),
        replies=couple_replies(couple.id),
        held_back=held_back_ids(couple, now),
        reminder_effects=couple_effects(couple),
    )


def _attention(
    couple: Couple,
    cards: list[PartnerCard],
    assignments: list[Assignment],
    now: datetime,
) -> list[Attention]:
    """Per partner: stopped emails or paused reminders (their card's ``email_status``, so
    both say the same moment), a last email that failed, and a silent partner."""
    last_days = _last_checkin_days(couple, assignments)
    items = []
    for card in cards:
        partner = card.partner
        if card.emails.state == EmailState.STOPPED:
            items.append(Attention(partner, "stopped", f"{partner.first_name} stopped emails."))
        elif card.emails.state == EmailState.PAUSED:
            text = f"{partner.first_name} paused reminders until"
            items.append(Attention(partner, "paused", text, until=card.emails.paused_until))
        if card.latest_email is not None and card.latest_email.status == OutboxStatus.FAILED:
            text = f"The last email to {partner.first_name} failed."
            items.append(Attention(partner, "failed", text))
        last = last_days.get(partner.id)
        if _is_silent(partner, assignments, last, now):
            seen = f"last on {last:%a %d %b}" if last else "none yet"
            text = f"No check-in from {partner.first_name} for {QUIET_DAYS} days ({seen})."
            items.append(Attention(partner, "silent", text))
        if partner.cadence_lowered_at is not None:  # by the adaptive cadence
            text = (
                f"{partner.first_name}'s reminders dropped to gentle: weeks of reminders "
                "without a check-in after them (see Reminders below)."
            )
            items.append(Attention(partner, "cadence_lowered", text))
    return items


def _is_silent(
    partner: Partner, assignments: list[Assignment], last: date | None, now: datetime
) -> bool:
    """No check-in for QUIET_DAYS days, by the Monday digest's rule
    (``delivery.digest``): the latest check-in is *more* than QUIET_DAYS days before
    today in the partner's zone — one exactly QUIET_DAYS days ago is not yet silence.
    Only while a step of theirs has been active all that time."""
    quiet_since = timeutil.local_today(partner.timezone, now) - timedelta(days=QUIET_DAYS)
    owed = any(
        a.status == AssignmentStatus.ACTIVE
        and week_rules.does_step(a, partner.id)
        and a.starts_on <= quiet_since
        for a in assignments
    )
    return owed and (last is None or last < quiet_since)


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
