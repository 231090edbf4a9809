"""Rung readiness, decided once: the rule that suggests moving a couple up a rung, or
talking about what gets in the way, and the completion ratio every figure is built on.

Everything here is pure: numbers in, a suggestion out, no database and no clock
(``completion_sql`` builds the same ratio as a SQL expression, for a sort; it runs no
query itself). Every
place that shows readiness gets it from one service function,
``week_rules.couple_readiness``, which judges a couple and each partner live from the
check-ins:

- the dashboard's couples list (``progress.current``) and couple page, and the API's
  progress endpoint (``progress.live``);
- the pre-session report's data builder (``counselor.services.reports.report_data``);
  the report's talking points quote the verdict they are given and never decide it.

The nightly compile (``progress.compile``) stores the same rule's verdict on every
partner-week as history; nothing shows the stored verdict as the current one, so a
snapshot older than the check-ins cannot make two places disagree.

The evidence
------------
A partner is judged on two consecutive *finished* local weeks (Monday to Sunday in the
partner's time zone). For each week the rule looks at:

- ``target`` and ``done`` over all the partner's steps, done capped per step (a surplus
  on one step does not cover another: ``week_rules.partner_week``);
- ``rung_completions``: the completion of each step of the couple's *current rung* — the
  highest rung among active steps — that the partner does and that had a target that week.

The rule
--------
- **Ready to move up** when, in both weeks, the partner had at least one current-rung step
  due and every one of them was at ``READY_COMPLETION`` (80 %) or more:

  - only the current rung counts, because it is the rung the counselor would move the
    couple up from; earlier steps kept for practice do not hold a partner back;
  - every step rather than the average, so that doing an easy step twice as often does
    not hide a harder one left undone;
  - two weeks rather than one, so that one good week is not taken for a habit; and 80 %
    rather than 100 %, so that one missed day does not reset the count;
  - never on the ladder's top rung (the highest position in ``ladder_rungs``, never a
    fixed number): there is nothing to move up to. ``Assessment.steady_on_top_rung``
    still tells that the partner keeps the top rung up, which the report mentions.

- **Discuss barriers** when, in both weeks, something was due and nothing at all was
  done: one empty week is ordinary life, two in a row is worth a conversation.
- Otherwise no suggestion.

Which weeks: a finished week is judged together with the week before it. The week still
in progress is never judged — a Monday with nothing done yet is not a zero week — so the
*current* suggestion is the verdict on the last two finished weeks, and a suggestion
earned last week holds until this week ends.

The couple
----------
The couple's own suggestion comes from its partners' (``couple_signal``):

- **Discuss barriers** when either partner's is: a partner stuck for two weeks is the
  first thing to talk about, whatever the other did;
- **Ready to move up** when every partner who had a current-rung step in the judged
  weeks is ready (a partner with no step on that rung does not hold the couple back);
- otherwise no suggestion.

The service suggests; the counselor decides. Nothing here moves anyone up.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

READY_COMPLETION = 0.8
JUDGED_WEEKS = 2  # finished weeks the rule looks at, besides the one in progress
ONE_WEEK = timedelta(weeks=1)


class ReadinessSignal(enum.StrEnum):
    """The rule's suggestion for one partner (stored on each compiled partner-week)."""

    READY_TO_MOVE_UP = "ready_to_move_up"
    DISCUSS_BARRIERS = "discuss_barriers"


def completion(done: int, target: int) -> float | None:
    """The share of a target that was met, 0–1: ``done`` capped at ``target`` (doing a
    step more often than asked does not make up for anything) and None when nothing was
    due, which is neither 0 % nor 100 %. Every completion figure shown — dashboard,
    charts, API, report — is this function."""
    if target <= 0:
        return None
    return min(max(done, 0), target) / target


def completion_sql(
    done: sa.ColumnElement[int] | InstrumentedAttribute[int],
    target: sa.ColumnElement[int] | InstrumentedAttribute[int],
) -> sa.ColumnElement[float]:
    """``completion`` as a SQL expression of two integer columns, for a query that sorts
    by it (the couples list): ``done`` held between 0 and ``target``, over ``target``;
    NULL when ``target`` is 0 or less. The two are checked to agree on both databases
    (tests/services/test_readiness.py)."""
    capped = sa.case((done > target, target), (done < 0, 0), else_=done)
    return sa.case(
        (target > 0, sa.cast(capped, sa.Float) / sa.func.nullif(target, 0)),
        else_=sa.null(),
    )


@dataclass(frozen=True)
class WeekEvidence:
    """What the rule looks at in one of a partner's weeks."""

    target: int  # all the partner's steps, done capped per step
    done: int
    # Completion (0–1) of each step on the couple's current rung that the partner does and
    # that had a target this week.
    rung_completions: tuple[float, ...] = ()

    @property
    def on_rung_target(self) -> bool:
        """At least one current-rung step was due and every one met the 80 % bar."""
        return bool(self.rung_completions) and min(self.rung_completions) >= READY_COMPLETION

    @property
    def nothing_done(self) -> bool:
        """Something was due and nothing was done."""
        return self.target > 0 and self.done == 0


NO_WEEK = WeekEvidence(0, 0)


def readiness_signal(
    week: WeekEvidence, previous: WeekEvidence, *, on_top_rung: bool
) -> ReadinessSignal | None:
    """The suggestion from two consecutive weeks, by the rule in this module's docstring."""
    both = (previous, week)
    if not on_top_rung and all(w.on_rung_target for w in both):
        return ReadinessSignal.READY_TO_MOVE_UP
    if all(w.nothing_done for w in both):
        return ReadinessSignal.DISCUSS_BARRIERS
    return None


def is_top_rung(current_rung: int | None, top_rung: int | None) -> bool:
    """Whether the couple's current rung is the ladder's highest (``top_rung``, from the
    ladder data); no current rung is never the top."""
    return current_rung is not None and top_rung is not None and current_rung >= top_rung


@dataclass(frozen=True)
class JudgedWeek:
    week_start: date
    evidence: WeekEvidence


@dataclass(frozen=True)
class Assessment:
    """The verdict on a partner's two judged weeks, with what it was based on."""

    signal: ReadinessSignal | None
    # Every current-rung step at the bar in both weeks: READY_TO_MOVE_UP but on the top rung.
    steady_on_rung: bool
    on_top_rung: bool
    weeks: tuple[JudgedWeek, JudgedWeek]  # older first

    @property
    def had_rung_steps(self) -> bool:
        """Whether a step of the current rung was due for the partner in a judged week."""
        return any(week.evidence.rung_completions for week in self.weeks)

    @property
    def steady_on_top_rung(self) -> bool:
        """Keeping every step of the ladder's top rung up: no rung to suggest moving up to,
        but worth a word."""
        return self.steady_on_rung and self.on_top_rung


def judged_weeks(monday: date, current_monday: date) -> tuple[date, date]:
    """The two weeks (older first) behind the suggestion of the week starting ``monday``:
    that week and the one before if it is finished; the two weeks before it if it is the
    partner's week in progress (``current_monday``)."""
    later = monday - ONE_WEEK if monday >= current_monday else monday
    return later - ONE_WEEK, later


def assess(
    evidence: Mapping[date, WeekEvidence],
    monday: date,
    current_monday: date,
    *,
    on_top_rung: bool,
) -> Assessment:
    """The suggestion for the week starting ``monday`` from a partner's weekly evidence
    (a missing week counts as nothing due). With ``monday == current_monday`` it is the
    partner's current suggestion."""
    earlier, later = (
        JudgedWeek(week, evidence.get(week, NO_WEEK))
        for week in judged_weeks(monday, current_monday)
    )
    return Assessment(
        signal=readiness_signal(later.evidence, earlier.evidence, on_top_rung=on_top_rung),
        steady_on_rung=earlier.evidence.on_rung_target and later.evidence.on_rung_target,
        on_top_rung=on_top_rung,
        weeks=(earlier, later),
    )


def couple_signal(assessments: Iterable[Assessment]) -> ReadinessSignal | None:
    """The couple's suggestion from its partners' verdicts, by "The couple" above."""
    judged = list(assessments)
    if any(a.signal == ReadinessSignal.DISCUSS_BARRIERS for a in judged):
        return ReadinessSignal.DISCUSS_BARRIERS
    on_rung = [a for a in judged if a.had_rung_steps]
    if on_rung and all(a.signal == ReadinessSignal.READY_TO_MOVE_UP for a in on_rung):
        return ReadinessSignal.READY_TO_MOVE_UP
    return None


@dataclass(frozen=True)
class CoupleReadiness:
    """A couple's suggestion and each partner's verdict (by partner id), decided together
    by ``week_rules.couple_readiness`` — the one answer every page, the API and the report
    show."""

    signal: ReadinessSignal | None
    partners: Mapping[int, Assessment]

    def of(self, partner_id: int) -> ReadinessSignal | None:
        """One partner's suggestion (None for a partner it does not know)."""
        assessment = self.partners.get(partner_id)
        return assessment.signal if assessment else None

    @classmethod
    def of_partners(cls, partners: Mapping[int, Assessment]) -> CoupleReadiness:
        return cls(couple_signal(partners.values()), dict(partners))
