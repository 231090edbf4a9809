"""How the report writes its figures: "4 of 6", "67%", "based on 5 ratings", and the
phrases the talking points build from them. Formatting only; the rules that decide when a
point is made are in ``reports.talking_points``."""

from __future__ import annotations

from collections.abc import Sequence

from reports.data import PartnerSummary, ReadinessWeek
from reports.formatting import day_month, one_decimal

TITLE_LIMIT = 60


def counts(done: int, target: int) -> str:
    """'4 of 6', the way every figure in the report is written."""
    return f"{done} of {target}"


def percent(ratio: float | None) -> str:
    """'67%' for 0.666…; an en dash when nothing was due."""
    return "–" if ratio is None else f"{round(ratio * 100)}%"


def plural(number: int, noun: str) -> str:
    """'5 ratings', '1 rating'."""
    return f"{number} {noun}{'s' * (number != 1)}"


def based_on(number: int, noun: str) -> str:
    """'based on 5 ratings', 'based on 1 rating'."""
    return f"based on {plural(number, noun)}"


def names(named: Sequence[PartnerSummary]) -> str:
    """'Zoë', 'Zoë and José', 'Ann, Bo and Cy'."""
    listed = [p.name for p in named]
    return listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"


def both_periods(p: PartnerSummary) -> str:
    """'Zoë: 4 of 6 this period, 5 of 6 before'."""
    this = counts(p.done_this_period, p.target_this_period)
    before = counts(p.done_previous_period, p.target_previous_period)
    return f"{p.name}: {this} this period, {before} before"


def week_of(week: ReadinessWeek) -> str:
    """'the week of 27 Oct'."""
    return f"the week of {day_month(week.week_start)}"


def quoted(title: str) -> str:
    """A step's title in quotes, cut to ``TITLE_LIMIT`` characters."""
    return f"“{title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1] + '…'}”"


def readiness_evidence(named: Sequence[PartnerSummary], rung: str) -> str:
    """'Zoë: weakest rung 3 step 83% in the week of 27 Oct, 100% in the week of 3 Nov' for
    each, and the check-offs due in those weeks the readiness verdict rests on."""

    def weeks(p: PartnerSummary) -> str:
        return ", ".join(
            f"{percent(w.lowest_rung_completion)} in {week_of(w)}" for w in p.readiness.weeks
        )

    due = sum(w.target for p in named for w in p.readiness.weeks)
    judged = "; ".join(f"{p.name}: weakest {rung} step {weeks(p)}" for p in named)
    return f"{judged} — {based_on(due, 'check-off')} due in the last two full weeks"


def comfort_figures(named: Sequence[PartnerSummary]) -> str:
    """'Zoë: mean comfort 3.0 from 5 ratings this period, 3.5 from 4 before (scale 1–5)',
    for each of ``named``."""
    return (
        "; ".join(
            f"{p.name}: mean comfort {one_decimal(p.mean_comfort)} from "
            f"{plural(p.ratings_this_period, 'rating')} this period, "
            f"{one_decimal(p.previous_mean_comfort)} from {p.ratings_previous_period} before"
            for p in named
        )
        + " (scale 1–5)"
    )


def ratings_compared(named: Sequence[PartnerSummary]) -> int:
    """How many ratings the comparisons of ``named``'s comfort rest on, both periods."""
    return sum(p.ratings_this_period + p.ratings_previous_period for p in named)


def partner_figures(p: PartnerSummary) -> str:
    """'Zoë: 4 of 6 (67%) this period, 5 of 6 before; comfort 3.8 from 5 ratings'."""
    if p.target_this_period > 0:
        done = (
            f"{counts(p.done_this_period, p.target_this_period)} "
            f"({percent(p.completion_this_period)}) this period, "
            f"{counts(p.done_previous_period, p.target_previous_period)} before"
        )
    else:
        done = "nothing due this period"
    comfort = (
        f"comfort {p.mean_comfort:.1f} from {plural(p.ratings_this_period, 'rating')}"
        if p.mean_comfort is not None
        else "no comfort rated"
    )
    return f"{p.name}: {done}; {comfort}"
