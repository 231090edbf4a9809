"""Building a pre-session report's data for one couple, in a fixed number of queries.

The period runs from the day of the previous session — the last one on an earlier day than
today, so a session earlier today does not leave a one-day period — or, without one, from
14 days ago, to today; its figures are its whole local weeks, and the previous period is
as many weeks just before them. Figures follow the same rules as the dashboard
(counselor.services.progress.week_rules), so they match it; completion ratios, streaks, each
partner's reminders and the couple's and each partner's readiness
(``week_rules.couple_readiness``) are decided here by the functions the dashboard and the
API call, and handed to the report, which only shows them.

The report's session brings its agenda; the "Last time" box holds the notes of the latest
earlier session that has some (``sessions.last_session_with_notes``, the couple page's
rule). Both are part of the data, so of its ``fingerprint``: a report prepared before
the agenda or the notes changed is prepared again. The paper is the practice's
(``reports.paper.paper_name``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AssignmentStatus,
    Couple,
    CoupleSession,
    Partner,
    Visibility,
)
from counselor.services import validation
from counselor.services.couples.email_status import EmailState, email_status
from counselor.services.couples.sessions import NOT_REMOVED, last_session_with_notes
from counselor.services.homework import reflections, weekly_checkin
from counselor.services.homework.leaning import period_pairs, still_asked
from counselor.services.homework.titles import step_titles
from counselor.services.progress import readiness, snapshots, week_rules
from counselor.services.reports.report_loads import (
    CheckInRows,
    load_check_ins,
    load_couple,
    load_steps,
)
from counselor.services.reports.report_steps import active_during, assignment_row
from reports import (
    PartnerReadiness,
    PartnerSummary,
    PreSessionReportData,
    ReadinessWeek,
    ReflectionItem,
    RungInfo,
)
from reports.data import LeaningAct, LeaningDirection
from reports.paper import paper_name
from reports.talking_points import RECENT_RATINGS

DEFAULT_PERIOD_DAYS = 14
CHART_WEEKS = 8
REFLECTIONS_SHOWN = 30


def build_report_data(
    couple_id: int, session: CoupleSession | None, now: datetime | None = None
) -> PreSessionReportData:
    now = now or timeutil.utcnow()
    couple = load_couple(couple_id)  # with its practice, counselor and partners
    zone = couple.practice.timezone
    session = session if session is not None and _dated_sanely(session) else None
    today = timeutil.local_today(zone, now)
    start, description = period_start(couple.id, session, zone, today)
    period_weeks = _mondays(timeutil.week_start(start), timeutil.week_start(today))
    previous_weeks = [w - timedelta(weeks=len(period_weeks)) for w in period_weeks]
    chart_weeks = timeutil.week_starts_back(timeutil.week_start(today), CHART_WEEKS)
    first_week = min(previous_weeks[0], chart_weeks[0])

    rungs, assignments = load_steps(couple.id)  # one statement
    # A partner's local day may run ahead of the practice's: a week past today bounds the
    # report's reads (the same bound its day counts have always used).
    last_day = today + timedelta(days=7)
    check_ins = load_check_ins(couple.id, first_week, last_day)  # one statement
    day_counts = check_ins.day_counts(last_day)
    comforts = check_ins.comforts()
    top_rung = max((r.position for r in rungs), default=None)
    verdict = week_rules.couple_readiness(couple.partners, assignments, day_counts, top_rung, now)
    seeds = snapshots.stored_streaks(couple.partners, chart_weeks[0])
    partners = tuple(
        _partner_summary(
            p,
            assignments,
            day_counts,
            comforts,
            _Weeks(period_weeks, previous_weeks, chart_weeks, now, zone, today),
            verdict.partners[p.id],
            seeds,
        )
        for p in couple.partners
    )
    shown = [a for a in assignments if active_during(a, period_weeks[0], today)]
    titles = step_titles(shown)
    active = [a for a in assignments if a.status == AssignmentStatus.ACTIVE]
    last_time = last_session_with_notes(couple.id, session.starts_at if session else now)
    leaning_acts, leaning = _leaning(couple, start, today)  # one query
    weekly = weekly_checkin.couple_series(couple, now)  # one query
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
        readiness_signal=verdict.signal.value if verdict.signal else None,
        rungs=tuple(RungInfo(r.position, r.title) for r in rungs),
        partners=partners,
        assignments=tuple(
            assignment_row(a, titles[a.id], couple, day_counts, period_weeks, today) for a in shown
        ),
        chart_weeks=tuple(chart_weeks),
        reflections=_reflections(couple, assignments, check_ins, start, zone),
        generated_at=now.astimezone(ZoneInfo(zone)),
        agenda=session.agenda if session else None,
        last_session_on=timeutil.to_local(last_time.starts_at, zone).date() if last_time else None,
        last_session_notes=last_time.notes if last_time else None,
        paper=paper_name(couple.practice.paper_size, zone),
        readiness_bar=readiness.READY_COMPLETION,
        leaning_acts=leaning_acts,
        leaning=leaning,
        weekly_checkin=weekly if weekly.shown else None,
    )


def fingerprint(data: PreSessionReportData) -> str:
    """What the report says, without when it was made: equal data, equal fingerprint."""
    payload = asdict(data)
    payload.pop("generated_at")
    return hashlib.sha256(json.dumps(payload, default=str, sort_keys=True).encode()).hexdigest()


def _dated_sanely(session: CoupleSession) -> bool:
    """Whether a session's moment is one dates can be worked out from. A session stored
    before every edge refused such dates (0001-01-01, 9999-12-31) is read as no session:
    its local day, and weeks counted back from it, fall off the calendar (``OverflowError``)
    and would fail every report of its couple."""
    return validation.EARLIEST_MOMENT <= session.starts_at <= validation.LATEST_MOMENT


def _mondays(first: date, last: date) -> list[date]:
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def period_start(
    couple_id: int, session: CoupleSession | None, zone: str, today: date
) -> tuple[date, str]:
    """The first day of the report's period and how page 1 describes it: the day of the
    previous session — the last one before the report's session (or now) on an earlier day
    than ``today`` (a removed session does not count) — or else ``DEFAULT_PERIOD_DAYS``
    ago. The period always ends today."""
    start_of_today = datetime.combine(today, time(), ZoneInfo(zone))
    before = min(session.starts_at, start_of_today) if session else start_of_today
    previous = db.session.scalar(
        sa.select(CoupleSession)
        .where(
            CoupleSession.couple_id == couple_id,
            CoupleSession.starts_at < before,
            CoupleSession.starts_at >= validation.EARLIEST_MOMENT,  # see _dated_sanely
            NOT_REMOVED,
        )
        .order_by(CoupleSession.starts_at.desc())
        .limit(1)
    )
    if previous is None:
        start = today - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        return start, f"the last {DEFAULT_PERIOD_DAYS} days"
    start = previous.starts_at.astimezone(ZoneInfo(zone)).date()
    return start, f"since the previous session on {start:%a %d %b}"


def _in_weeks(values: list[tuple[date, int]], weeks: list[date]) -> list[int]:
    wanted = set(weeks)
    return [c for day, c in values if timeutil.week_start(day) in wanted]


def _mean_comfort(values: list[tuple[date, int]], weeks: list[date]) -> float | None:
    picked = _in_weeks(values, weeks)
    return round(mean(picked), 2) if picked else None


def _last_check_in(partner_id: int, day_counts: week_rules.DayCounts, today: date) -> date | None:
    """The partner's latest check-in day the report read (none later than today)."""
    days = [
        day
        for (_, partner), per_day in day_counts.items()
        if partner == partner_id
        for day in per_day
        if day <= today
    ]
    return max(days, default=None)


def _recent_comforts(comforts: list[tuple[date, int]], today: date) -> tuple[int, ...]:
    """The partner's last ``RECENT_RATINGS`` comfort ratings up to today, newest first
    (the lower first of a day's ratings): what the silence-after-low-comfort rule reads."""
    newest_first = sorted(((-day.toordinal(), c) for day, c in comforts if day <= today))
    return tuple(c for _, c in newest_first[:RECENT_RATINGS])


@dataclass(frozen=True)
class _Weeks:
    """The Mondays the report reads, in the practice's zone, and when it is made."""

    period: list[date]
    previous: list[date]
    chart: list[date]  # CHART_WEEKS weeks, the last one this week
    now: datetime
    zone: str
    today: date


def _partner_summary(
    partner: Partner,
    assignments: list[Assignment],
    day_counts: week_rules.DayCounts,
    comforts: dict[int, list[tuple[date, int]]],
    weeks: _Weeks,
    assessment: readiness.Assessment,
    seeds: dict[tuple[int, date], int],
) -> PartnerSummary:
    def totals(mondays: list[date]) -> tuple[int, int]:
        figures = [week_rules.partner_week(partner.id, assignments, w, day_counts) for w in mondays]
        return sum(f.done for f in figures), sum(f.target for f in figures)

    done, target = totals(weeks.period)
    done_before, target_before = totals(weeks.previous)
    weekly = [week_rules.partner_week(partner.id, assignments, w, day_counts) for w in weeks.chart]
    seed = seeds.get((partner.id, weeks.chart[0] - timedelta(weeks=1)), 0)
    mine = comforts.get(partner.id, [])
    emails = email_status(partner, weeks.now)
    return PartnerSummary(
        name=partner.first_name,
        done_this_period=done,
        target_this_period=target,
        done_previous_period=done_before,
        target_previous_period=target_before,
        mean_comfort=_mean_comfort(mine, weeks.period),
        previous_mean_comfort=_mean_comfort(mine, weeks.previous),
        streak_weeks=week_rules.streak(seed, weekly, weeks.chart[-1]),
        reminders_stopped=emails.state == EmailState.STOPPED,
        reminders_paused_until=(
            timeutil.local_today(weeks.zone, emails.paused_until) if emails.paused_until else None
        ),
        weekly_completion=tuple(f.completion for f in weekly),
        weekly_mean_comfort=tuple(_mean_comfort(mine, [w]) for w in weeks.chart),
        completion_this_period=readiness.completion(done, target),
        completion_previous_period=readiness.completion(done_before, target_before),
        readiness=_partner_readiness(assessment),
        done_this_week=weekly[-1].done,
        target_this_week=weekly[-1].target,
        ratings_this_period=len(_in_weeks(mine, weeks.period)),
        ratings_previous_period=len(_in_weeks(mine, weeks.previous)),
        last_check_in_on=_last_check_in(partner.id, day_counts, weeks.today),
        recent_comforts=_recent_comforts(mine, weeks.today),
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


def _reflections(
    couple: Couple, assignments: list[Assignment], check_ins: CheckInRows, since: date, zone: str
) -> tuple[ReflectionItem, ...]:
    """Every reflection of the period, for the counselor: withdrawn ones too, marked."""
    partners = {p.id: p for p in couple.partners}
    steps = {a.id: a for a in assignments}
    return tuple(
        ReflectionItem(
            occurred_on=c.occurred_on,
            partner_name=partners[c.partner_id].first_name,
            rung_position=steps[c.assignment_id].rung.position,
            step_title=steps[c.assignment_id].title,
            text=c.reflection or "",
            shared=reflections.is_shared(c),
            comfort=c.comfort,
            withdrawn_on=timeutil.to_local(c.reflection_withdrawn_at, zone).date()
            if c.reflection_withdrawn_at
            else None,
        )
        for c in check_ins.reflections(since, REFLECTIONS_SHOWN)
    )


def _leaning(
    couple: Couple, since: date, today: date
) -> tuple[tuple[LeaningAct, ...], tuple[LeaningDirection, ...]]:
    """Every leaning act of the period (``homework.leaning``'s rule) with its
    acknowledgement, oldest first, and per partner who leaned, in the couple's order, how
    many acts, how many the other acknowledged, how many they noticed ("yes") and how many
    unanswered ones the other's page no longer asks about (``leaning.still_asked``): what
    the couple page, the report and the talking points read. One query."""
    names = {p.id: p.first_name for p in couple.partners}
    others = {p.id: q for p in couple.partners for q in couple.partners if q.id != p.id}
    pairs = period_pairs(couple.id, since, today)
    acts = tuple(
        LeaningAct(
            occurred_on=pair.occurred_on,
            leaner_name=names.get(pair.leaner_id, ""),
            leaned_on_name=_other_name(names, pair.leaner_id),
            step_title=pair.step_title,
            acknowledged=pair.acknowledgement is not None,
            noticed=pair.acknowledgement.noticed.value if pair.acknowledgement else None,
            felt_valued=pair.acknowledgement.felt_valued if pair.acknowledgement else None,
            note=pair.acknowledgement.note if pair.acknowledgement else None,
            shared=pair.acknowledgement is not None
            and pair.acknowledgement.visibility == Visibility.SHARED,
            no_longer_asked=pair.acknowledgement is None
            and pair.leaner_id in others
            and not still_asked(others[pair.leaner_id], pair.occurred_on),
        )
        for pair in pairs
    )
    directions = []
    for partner_id, name in names.items():
        mine = [act for act, pair in zip(acts, pairs, strict=True) if pair.leaner_id == partner_id]
        if mine:
            directions.append(
                LeaningDirection(
                    leaner_name=name,
                    leaned_on_name=_other_name(names, partner_id),
                    acts=len(mine),
                    acknowledged=sum(act.acknowledged for act in mine),
                    noticed=sum(act.noticed == "yes" for act in mine),
                    no_longer_asked=sum(act.no_longer_asked for act in mine),
                )
            )
    return acts, tuple(directions)


def _other_name(names: dict[int, str], partner_id: int) -> str:
    return next((name for pid, name in names.items() if pid != partner_id), "")
