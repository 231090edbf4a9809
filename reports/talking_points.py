"""The rules that turn a couple's numbers into talking points, all in one place.

Each rule names the data behind it in the point's ``evidence``. The rules, in
the order their points appear:

1. **Ready to move up** — every partner met at least 80% of their target both
   this period and the previous one (and a current rung is known).
2. **Stuck at 0%** — a partner had something due this period and checked off
   nothing.
3. **Big gap** — the best and worst partner's completion this period differ by
   at least 40 percentage points.
4. **Comfort falling** — a partner's mean comfort dropped by at least 0.5
   (on the 1–5 scale) against the previous period.
5. **Reminders stopped** — a partner turned reminder emails off.

When no rule fires, a single neutral point suggests reviewing how the steps felt.
The service suggests; the counselor decides — no point is an instruction.
"""

from __future__ import annotations

from reports.data import PartnerSummary, PreSessionReportData, TalkingPoint

READY_THRESHOLD = 0.8
GAP_THRESHOLD = 0.4
COMFORT_DROP = 0.5
TOP_RUNG = 6
STEADY_TEXT = "Steady: review how the steps felt"


def derive_talking_points(data: PreSessionReportData) -> list[TalkingPoint]:
    """The talking points for ``data`` by the rules above; never empty."""
    partners = data.partners
    points = [
        *_ready_to_move_up(partners, data.current_rung, data.rung_title(data.current_rung)),
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


def _ready_to_move_up(
    partners: tuple[PartnerSummary, ...], rung: int | None, rung_title: str | None
) -> list[TalkingPoint]:
    def ready(p: PartnerSummary) -> bool:
        now, before = p.completion_this_period, p.completion_previous_period
        return now is not None and before is not None and min(now, before) >= READY_THRESHOLD

    if rung is None or not partners or not all(ready(p) for p in partners):
        return []
    named = f"rung {rung} ({rung_title})" if rung_title else f"rung {rung}"
    if rung >= TOP_RUNG:
        text = f"Consistent on the top {named}: discuss how to keep it going"
    else:
        text = f"Ready to discuss moving up from {named}"
    evidence = "; ".join(_both_periods(p) for p in partners)
    return [TalkingPoint(text, f"{evidence} (80% or more in both periods)")]


def _stuck_at_zero(partners: tuple[PartnerSummary, ...]) -> list[TalkingPoint]:
    return [
        TalkingPoint(f"{p.name} has not checked off any step this period", _both_periods(p))
        for p in partners
        if p.target_this_period > 0 and p.done_this_period == 0
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
