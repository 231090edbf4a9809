"""The rules that turn a couple's numbers into talking points, all in one place.

Each point names its figures and how many data points it rests on ("based on 5
ratings"), in its ``evidence``. No rule fires on a single data point: a comparison of
comfort needs ``MIN_RATINGS`` ratings in *each* period compared, a completion figure
``MIN_DUE`` check-offs due, a silence after low comfort ``LOW_RATINGS`` low ratings. A
rule that fires for several partners makes one point naming them all. Readiness is not
decided here: the service judges it with the one rule the dashboard and the API use
(``counselor.services.progress.readiness``: the last two finished weeks, every step of
the current rung at its bar — ``PreSessionReportData.readiness_bar`` — or more, never on
the ladder's top rung) and passes the verdict in ``PartnerSummary.readiness``; these
rules only put it into words. The rules, in the order their points appear:

== ======================== ==========================================================
#  Rule                     Fires when (per partner unless said)
== ======================== ==========================================================
1  Ready to move up         the readiness rule suggests moving up; on the top rung, a
                            partner who keeps every step up gets "keep it going"
2  Talk about barriers      the readiness rule flags two finished weeks with steps due
                            and none done
3  Stuck at 0%              ``MIN_DUE``+ check-offs due this period, none done (unless
                            rule 2 names the partner)
4  Ahead while one lags     two partners' completion this period ≥ 40 points apart, each
                            with ``MIN_DUE``+ due, and the better one at 80% or more
5  Big gap                  ≥ 40 points apart, each with ``MIN_DUE``+ due, neither at 80%
                            (rule 4 otherwise)
6  Comfort falling          mean comfort down ≥ 0.5 (1–5) with ``MIN_RATINGS``+
                            ratings in each period
7  Easier, yet fewer        mean comfort up ≥ 0.5 (``MIN_RATINGS``+ ratings in each
                            period) while completion fell ≥ 20 points (``MIN_DUE``+ due
                            in each period)
8  Silence after low        ``LOW_RATINGS``+ of the partner's last ``RECENT_RATINGS``
   comfort                  ratings were 2 or lower and ≥ 7 days have passed since the
                            last check-in (the point counts both: ratings and days)
9  Together step, one       a *together* step checked off ``LOPSIDED_CHECK_INS``+
   partner                  times this period by one partner and never by the other
10 Step done early          a step of 2+ a week met its whole weekly target by
                            Wednesday in ``EARLY_WEEKS``+ weeks, or was completed
                            before its due date with ``MIN_DUE``+ check-offs counted
11 Reminders stopped        a partner turned reminder emails off — a setting, not a
                            count: the point gives it with the period's check-offs
                            and how many were due
12 Leans, rarely noticed    per direction (one partner leaning on the other): at
                            least ``MIN_LEANING_ACTS`` leaning acts this period that
                            the other partner answered, and fewer than
                            ``RARELY_NOTICED_BELOW`` of the answered ones (a share)
                            *noticed: yes*. An act not answered counts for nothing
                            (the partner may not have opened their page, or, past
                            two weeks, is no longer asked); the evidence gives how
                            many of each. "Alex leans, Sam rarely
                            notices"; the reverse is its own point
== ======================== ==========================================================

When no rule fires, a single point says so and still carries each partner's completion
and comfort with their counts. Every threshold is a constant below. The service
suggests; the counselor decides — no point is an instruction.
"""

from __future__ import annotations

from collections.abc import Callable

from reports.data import (
    DISCUSS_BARRIERS,
    READY_TO_MOVE_UP,
    TOGETHER_LABEL,
    AssignmentRow,
    PartnerSummary,
    PreSessionReportData,
    TalkingPoint,
)
from reports.figures import (
    based_on,
    both_periods,
    comfort_figures,
    counts,
    names,
    partner_figures,
    percent,
    plural,
    quoted,
    ratings_compared,
    readiness_evidence,
    week_of,
)
from reports.formatting import short_date

GAP_THRESHOLD = 0.4
AHEAD_AT_LEAST = 0.8
COMFORT_CHANGE = 0.5
COMPLETION_DROP = 0.2
MIN_RATINGS = 3
MIN_DUE = 3
SILENCE_DAYS = 7
LOW_COMFORT_AT_MOST = 2
RECENT_RATINGS = 3  # PartnerSummary.recent_comforts holds up to this many
LOW_RATINGS = 2  # of the recent ones at LOW_COMFORT_AT_MOST or lower
LOPSIDED_CHECK_INS = 3
EARLY_WEEKS = 2
EARLY_TIMES_PER_WEEK = 2
MIN_LEANING_ACTS = 3
RARELY_NOTICED_BELOW = 0.5  # "rarely": under half of the acts noticed ("yes")
FALLBACK_TEXT = "No rule flagged a concern: ask how the steps felt"
_EPSILON = 1e-9


def derive_talking_points(data: PreSessionReportData) -> list[TalkingPoint]:
    """The talking points for ``data`` by the rules above; never empty."""
    partners = data.partners
    points = [
        *_moving_up(data),
        *_barriers(partners),
        *_stuck_at_zero(partners),
        *_gap(partners),
        *_comfort_falling(partners),
        *_easier_yet_fewer(partners),
        *_silence_after_low_comfort(data),
        *_together_by_one(data),
        *_done_early(data.assignments),
        *_reminders_stopped(partners),
        *_leans_rarely_noticed(data),
    ]
    return points or [_fallback(partners)]


def _about(
    named: list[PartnerSummary], partners: tuple[PartnerSummary, ...], action: str, evidence: str
) -> TalkingPoint:
    """'Ready to …' when it is about every partner, else 'Zoë is ready to …'."""
    if len(named) == len(partners):
        return TalkingPoint(action[0].upper() + action[1:], evidence)
    verb = "is" if len(named) == 1 else "are"
    return TalkingPoint(f"{names(named)} {verb} {action}", evidence)


def _merged(
    named: list[PartnerSummary], text: Callable[[str, bool], str], evidence: str
) -> list[TalkingPoint]:
    """One point for a rule that fired for ``named`` (none: no point); ``text`` words it
    from their names and whether there are several."""
    return [TalkingPoint(text(names(named), len(named) > 1), evidence)] if named else []


# --- 1 and 2: readiness, as the service decided it ----------------------------------------


def _moving_up(data: PreSessionReportData) -> list[TalkingPoint]:
    partners = data.partners
    if data.current_rung is None:
        rung, short = "the current rung", "current-rung"
    else:
        title = data.rung_title(data.current_rung)
        short = f"rung {data.current_rung}"
        rung = f"{short} ({title})" if title else short
    ready = [p for p in partners if p.readiness.signal == READY_TO_MOVE_UP]
    on_top = [p for p in partners if p.readiness.steady_on_top_rung]
    points = []
    if ready:
        action = f"ready to discuss moving up from {rung}"
        points.append(_about(ready, partners, action, readiness_evidence(ready, short)))
    if on_top:
        action = f"consistent on the top {rung}: discuss how to keep it going"
        points.append(_about(on_top, partners, action, readiness_evidence(on_top, short)))
    return points


def _barriers(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    named = [p for p in partners if p.readiness.signal == DISCUSS_BARRIERS]
    figures = "; ".join(
        f"{p.name}: "
        + ", ".join(f"{counts(w.done, w.target)} in {week_of(w)}" for w in p.readiness.weeks)
        for p in named
    )
    due = sum(w.target for p in named for w in p.readiness.weeks)
    return _merged(
        named,
        lambda who, _: (
            f"{who} did none of the steps due in the last two full weeks: talk about barriers"
        ),
        f"{figures} — {based_on(due, 'check-off')} due",
    )


# --- 3 to 5: completion ----------------------------------------------------------------


def _stuck_at_zero(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    named = [
        p
        for p in partners
        if p.target_this_period >= MIN_DUE
        and p.done_this_period == 0
        and p.readiness.signal != DISCUSS_BARRIERS
    ]
    due = sum(p.target_this_period for p in named)
    return _merged(
        named,
        lambda who, several: (
            f"{who} {'have' if several else 'has'} not checked off any step this period"
        ),
        f"{'; '.join(both_periods(p) for p in named)} — {based_on(due, 'check-off')} due",
    )


def _gap(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    """Rule 4 when the better partner is at 80% or more, else rule 5."""
    rated = [
        p
        for p in partners
        if p.completion_this_period is not None and p.target_this_period >= MIN_DUE
    ]
    if len(rated) < 2:
        return []
    high = max(rated, key=lambda p: p.completion_this_period or 0.0)
    low = min(rated, key=lambda p: p.completion_this_period or 0.0)
    best, worst = high.completion_this_period or 0.0, low.completion_this_period or 0.0
    if best - worst < GAP_THRESHOLD - _EPSILON:
        return []
    figures = "; ".join(
        f"{p.name}: {counts(p.done_this_period, p.target_this_period)} "
        f"({percent(p.completion_this_period)})"
        for p in (high, low)
    )
    due = high.target_this_period + low.target_this_period
    apart = round((best - worst) * 100)
    evidence = f"{figures} this period — {based_on(due, 'check-off')} due"
    if best >= AHEAD_AT_LEAST - _EPSILON:
        text = (
            f"{high.name} is keeping up ({percent(best)}) while {low.name} lags "
            f"({percent(worst)}): {apart} points apart"
        )
        return [TalkingPoint(text, evidence)]
    text = f"A big gap between partners: {high.name} and {low.name} differ by {apart} points"
    return [TalkingPoint(text, evidence)]


# --- 6 to 8: comfort -------------------------------------------------------------------


def comfort_compared(p: PartnerSummary) -> float | None:
    """This period's mean comfort less the previous one's, when each rests on
    ``MIN_RATINGS`` ratings or more; else None."""
    if p.mean_comfort is None or p.previous_mean_comfort is None:
        return None
    if min(p.ratings_this_period, p.ratings_previous_period) < MIN_RATINGS:
        return None
    return p.mean_comfort - p.previous_mean_comfort


def comfort_falling(p: PartnerSummary) -> bool:
    """Rule 6 for one partner: the test page 1's comfort column colours "down" by too."""
    change = comfort_compared(p)
    return change is not None and change <= -COMFORT_CHANGE + _EPSILON


def _comfort_falling(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    named = [p for p in partners if comfort_falling(p)]
    return _merged(
        named,
        lambda who, several: (
            f"Comfort is falling for {who}" if several else f"{who}'s comfort is falling"
        ),
        f"{comfort_figures(named)} — {based_on(ratings_compared(named), 'rating')}",
    )


def _easier_yet_fewer(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    points = []
    for p in partners:
        change = comfort_compared(p)
        now, before = p.completion_this_period, p.completion_previous_period
        if change is None or change < COMFORT_CHANGE - _EPSILON or now is None or before is None:
            continue
        if min(p.target_this_period, p.target_previous_period) < MIN_DUE:
            continue
        if before - now < COMPLETION_DROP - _EPSILON:
            continue
        due = p.target_this_period + p.target_previous_period
        points.append(
            TalkingPoint(
                f"{p.name} finds the steps easier but does fewer of them",
                f"{comfort_figures([p])}; completion {percent(now)} "
                f"({counts(p.done_this_period, p.target_this_period)}), {percent(before)} "
                f"({counts(p.done_previous_period, p.target_previous_period)}) before — "
                f"{based_on(ratings_compared([p]), 'rating')} and {plural(due, 'check-off')} due",
            )
        )
    return points


def _silence_after_low_comfort(data: PreSessionReportData) -> list[TalkingPoint]:
    points = []
    for p in data.partners:
        last, recent = p.last_check_in_on, p.recent_comforts[:RECENT_RATINGS]
        low = sum(c <= LOW_COMFORT_AT_MOST for c in recent)
        if last is None or low < LOW_RATINGS:
            continue
        silent = (data.period_end - last).days
        if silent < SILENCE_DAYS:
            continue
        said = next(
            (r for r in data.reflections if r.partner_name == p.name and r.occurred_on == last),
            None,
        )
        about = f" on {quoted(said.step_title)}, with a reflection" if said else ""
        ratings = ", ".join(str(c) for c in recent)
        points.append(
            TalkingPoint(
                f"{p.name} has not checked in for {silent} days after rating steps "
                f"{LOW_COMFORT_AT_MOST} of 5 or lower",
                f"{p.name}: last check-in {short_date(last)}{about}; last "
                f"{plural(len(recent), 'rating')} {ratings} (newest first), {low} of them "
                f"{LOW_COMFORT_AT_MOST} or lower — {based_on(len(recent), 'rating')} and "
                f"{silent} days without a check-in",
            )
        )
    return points


# --- 9 and 10: steps -------------------------------------------------------------------


def _together_by_one(data: PreSessionReportData) -> list[TalkingPoint]:
    points = []
    for row in data.assignments:
        if row.assignee_label != TOGETHER_LABEL or len(row.check_ins_by_partner) < 2:
            continue
        doers = [(name, n) for name, n in row.check_ins_by_partner if n > 0]
        if len(doers) != 1 or doers[0][1] < LOPSIDED_CHECK_INS:
            continue
        name, number = doers[0]
        others = [other for other, n in row.check_ins_by_partner if n == 0]
        figures = "; ".join(
            [f"{name}: {number} check-ins", *(f"{other}: none" for other in others)]
        )
        points.append(
            TalkingPoint(
                f"Only {name} checks off the together step {quoted(row.title)}",
                f"{figures} this period — {based_on(number, 'check-in')}",
            )
        )
    return points


def _done_early(rows: tuple[AssignmentRow, ...]) -> list[TalkingPoint]:
    points = []
    for row in rows:
        weeks = len(row.cells[0][1]) if row.cells else 0
        early = [
            (label, n)
            for label, n in row.early_weeks
            if n >= EARLY_WEEKS and row.times_per_week >= EARLY_TIMES_PER_WEEK
        ]
        if early:
            who = " and ".join(label for label, _ in early)
            figures = "; ".join(f"{label}: {n} of {weeks} weeks" for label, n in early)
            points.append(
                TalkingPoint(
                    f"{who}: {quoted(row.title)} done by Wednesday most weeks — room for more?",
                    f"{figures} met the {row.times_per_week}× a week target by Wednesday — "
                    f"{based_on(sum(n for _, n in early), 'week')}",
                )
            )
        elif _completed_before_due(row):
            assert row.ended_on is not None and row.due_on is not None
            ahead = (row.due_on - row.ended_on).days
            done = _counted(row)
            points.append(
                TalkingPoint(
                    f"{quoted(row.title)} was completed {ahead} days before its due date",
                    f"Completed {short_date(row.ended_on)}, due {short_date(row.due_on)}; "
                    f"{done} check-offs this period — {based_on(done, 'check-off')}",
                )
            )
    return points


def _counted(row: AssignmentRow) -> int:
    """The step's check-offs this period as counted (none beyond a week's target)."""
    return sum(c.counted for _, cells in row.cells for c in cells)


def _completed_before_due(row: AssignmentRow) -> bool:
    return (
        row.status == "completed"
        and row.ended_on is not None
        and row.due_on is not None
        and row.ended_on < row.due_on
        and _counted(row) >= MIN_DUE
    )


# --- 11 and the fallback ---------------------------------------------------------------


def _reminders_stopped(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    """A setting, not a count: the point gives it with the period's check-offs."""
    named = [p for p in partners if p.reminders_stopped]
    whose = f"{named[0].name}'s own" if len(named) == 1 else "each one's own"
    figures = "; ".join(
        f"{p.name}: {counts(p.done_this_period, p.target_this_period)} this period" for p in named
    )
    due = sum(p.target_this_period for p in named)
    return _merged(
        named,
        lambda who, several: f"{who} {'have' if several else 'has'} stopped reminder emails",
        f"Reminders stopped ({whose} email setting); {figures} — {based_on(due, 'check-off')} due",
    )


def _leans_rarely_noticed(data: PreSessionReportData) -> list[TalkingPoint]:
    """Rule 12, per direction: the leaned-on partner rarely noticed being leaned on, judged
    on the acts they answered only: an unanswered invitation says nothing about noticing."""
    points = []
    for d in data.leaning:
        answered, noticed = d.acknowledged, d.noticed
        if answered < MIN_LEANING_ACTS or noticed >= answered * RARELY_NOTICED_BELOW - _EPSILON:
            continue
        unanswered = f"; {d.unanswered}" if d.unanswered else ""
        points.append(
            TalkingPoint(
                f"{d.leaner_name} leans on {d.leaned_on_name}, and {d.leaned_on_name} "
                "rarely notices",
                f"{d.leaner_name} leaned on {d.leaned_on_name} {plural(d.acts, 'time')} this "
                f"period; {d.leaned_on_name} answered {answered} and noticed {noticed}"
                f"{unanswered} — {based_on(answered, 'answer')}",
            )
        )
    return points


def _fallback(partners: tuple[PartnerSummary, ...]) -> TalkingPoint:
    """No rule fired: the figures that were looked at, with their counts."""
    due = sum(p.target_this_period for p in partners)
    ratings = sum(p.ratings_this_period for p in partners)
    if due == 0 and ratings == 0:
        return TalkingPoint(FALLBACK_TEXT, "No steps were due and no comfort was rated this period")
    figures = "; ".join(partner_figures(p) for p in partners)
    return TalkingPoint(
        FALLBACK_TEXT,
        f"{figures} — {based_on(due, 'check-off')} due and {plural(ratings, 'rating')}",
    )
