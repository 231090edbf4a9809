"""The rules that turn a couple's numbers into talking points, all in one place.

Each rule names the data behind it in the point's ``evidence``. Readiness is not
decided here: the service judges it with the one rule the dashboard and the API use
(``counselor.services.progress.readiness``: the last two finished weeks, every step of
the current rung at 80% or more, never on the ladder's top rung) and passes the verdict
in ``PartnerSummary.readiness``; these rules only put it into words. The rules, in the
order their points appear:

1. **Ready to move up** — the partners the readiness rule suggests moving up; on the
   ladder's top rung, the partners who keep every step up get a point about keeping
   it going instead.
2. **Talk about barriers** — the partners the readiness rule flags: steps were due in
   both of the last two finished weeks and none was done.
3. **Stuck at 0%** — a partner had something due this period and checked off
   nothing (unless rule 2 already names them).
4. **Big gap** — the best and worst partner's completion this period differ by
   at least 40 percentage points.
5. **Comfort falling** — a partner's mean comfort dropped by at least 0.5
   (on the 1–5 scale) against the previous period.
6. **Reminders stopped** — a partner turned reminder emails off.

When no rule fires, a single neutral point suggests reviewing how the steps felt.
The service suggests; the counselor decides — no point is an instruction.
"""

from __future__ import annotations

from reports.data import (
    DISCUSS_BARRIERS,
    READY_TO_MOVE_UP,
    PartnerSummary,
    PreSessionReportData,
    ReadinessWeek,
    TalkingPoint,
)
from reports.formatting import day_month

GAP_THRESHOLD = 0.4
COMFORT_DROP = 0.5
STEADY_TEXT = "Steady: review how the steps felt"


def derive_talking_points(data: PreSessionReportData) -> list[TalkingPoint]:
    """The talking points for ``data`` by the rules above; never empty."""
    partners = data.partners
    points = [
        *_moving_up(data),
        *_barriers(partners),
        *_stuck_at_zero(partners),
        *_big_gap(partners),
        *_comfort_falling(partners),
        *_reminders_stopped(partners),
    ]
    return points or [_steady(partners)]


def counts(done: int, target: int) -> str:
    """'4 of 6', the way every figure in the report is written."""
    return f"{done} of {target}"


def percent(ratio: float | None) -> str:
    """'67%' for 0.666…; an en dash when nothing was due."""
    return "–" if ratio is None else f"{round(ratio * 100)}%"


def _both_periods(p: PartnerSummary) -> str:
    this = counts(p.done_this_period, p.target_this_period)
    before = counts(p.done_previous_period, p.target_previous_period)
    return f"{p.name}: {this} this period; {before} before"


def _names(named: list[PartnerSummary]) -> str:
    """'Zoë', 'Zoë and José', 'Ann, Bo and Cy'."""
    names = [p.name for p in named]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _week(week: ReadinessWeek) -> str:
    return f"the week of {day_month(week.week_start)}"


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
        points.append(_about(ready, partners, action, _rung_evidence(ready, short)))
    if on_top:
        action = f"consistent on the top {rung}: discuss how to keep it going"
        points.append(_about(on_top, partners, action, _rung_evidence(on_top, short)))
    return points


def _about(
    named: list[PartnerSummary], partners: tuple[PartnerSummary, ...], action: str, evidence: str
) -> TalkingPoint:
    """'Ready to …' when it is about every partner, else 'Zoë is ready to …'."""
    if len(named) == len(partners):
        return TalkingPoint(action[0].upper() + action[1:], evidence)
    verb = "is" if len(named) == 1 else "are"
    return TalkingPoint(f"{_names(named)} {verb} {action}", evidence)


def _rung_evidence(named: list[PartnerSummary], rung: str) -> str:
    """'Zoë: weakest rung 3 step 83% in the week of 27 Oct, 100% in the week of 3 Nov'."""

    def weeks(p: PartnerSummary) -> str:
        return ", ".join(
            f"{percent(w.lowest_rung_completion)} in {_week(w)}" for w in p.readiness.weeks
        )

    return "; ".join(f"{p.name}: weakest {rung} step {weeks(p)}" for p in named)


def _barriers(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    return [
        TalkingPoint(
            f"{p.name} did none of the steps due in the last two full weeks: talk about barriers",
            f"{p.name}: "
            + "; ".join(f"{counts(w.done, w.target)} in {_week(w)}" for w in p.readiness.weeks),
        )
        for p in partners
        if p.readiness.signal == DISCUSS_BARRIERS
    ]


def _stuck_at_zero(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    return [
        TalkingPoint(f"{p.name} has not checked off any step this period", _both_periods(p))
        for p in partners
        if p.target_this_period > 0
        and p.done_this_period == 0
        and p.readiness.signal != DISCUSS_BARRIERS
    ]


def _big_gap(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    rated = [p for p in partners if p.completion_this_period is not None]
    if len(rated) < 2:
        return []
    high = max(rated, key=lambda p: p.completion_this_period or 0.0)
    low = min(rated, key=lambda p: p.completion_this_period or 0.0)
    gap = (high.completion_this_period or 0.0) - (low.completion_this_period or 0.0)
    if gap < GAP_THRESHOLD - 1e-9:
        return []
    evidence = "; ".join(
        f"{p.name}: {counts(p.done_this_period, p.target_this_period)} "
        f"({percent(p.completion_this_period)})"
        for p in (high, low)
    )
    points = round(gap * 100)
    text = f"A big gap between partners: {high.name} and {low.name} differ by {points} points"
    return [TalkingPoint(text, f"{evidence} this period")]


def _comfort_falling(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    return [
        TalkingPoint(
            f"{p.name}'s comfort is falling",
            f"{p.name}: mean comfort {p.mean_comfort:.1f} this period; "
            f"{p.previous_mean_comfort:.1f} before (scale 1–5)",
        )
        for p in partners
        if p.mean_comfort is not None
        and p.previous_mean_comfort is not None
        and p.previous_mean_comfort - p.mean_comfort >= COMFORT_DROP - 1e-9
    ]


def _reminders_stopped(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    return [
        TalkingPoint(
            f"{p.name} has stopped reminder emails",
            f"{p.name}: reminders stopped; {counts(p.done_this_period, p.target_this_period)} "
            "this period",
        )
        for p in partners
        if p.reminders_stopped
    ]


def _steady(partners: tuple[PartnerSummary, ...]) -> TalkingPoint:
    due = [p for p in partners if p.target_this_period > 0]
    if not due:
        return TalkingPoint(STEADY_TEXT, "No steps were due this period")
    evidence = "; ".join(
        f"{p.name}: {counts(p.done_this_period, p.target_this_period)} this period" for p in due
    )
    return TalkingPoint(STEADY_TEXT, f"{evidence}; no rule flagged a concern")
