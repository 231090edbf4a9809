"""The couples list's figures: this week's done/target of each partner, the current rung and
the readiness suggestions, judged live by the week rules on rows read for the page.

``load_evidence`` reads what the rules look at, for every couple of the page at once, in
two statements: the couples' steps that count now (``current.steps_that_count_now``) with
their rungs and the ladder's top rung, then the check-ins of the weeks read per step,
partner and day (``week_rules.checkin_day_counts``). ``couple_rows`` then calls the rules
themselves — ``week_rules.partner_week`` for each partner's week in progress,
``week_rules.couple_readiness`` for the suggestions, ``assignments.current_rung`` — the
same functions the couple page, the API and the report call, on rows shaped like the
models (the attributes those functions read), each couple with its own check-ins only.

Nothing here decides a figure; the rows only carry what the rules read. The rules are pure
functions of those rows and of each partner's local date, so the figures of a couple are
kept, by those exact inputs, for the next view of the page (``_judged``): a page seen again
judges only the couples whose rows changed.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    LadderRung,
    Partner,
    ReadinessSignal,
)
from counselor.services.homework import ladder
from counselor.services.homework.assignments import current_rung
from counselor.services.pages.dashboard_query import CoupleLine, PageRows, PartnerLine
from counselor.services.progress import current, week_rules


@dataclass(frozen=True)
class RungLine:
    position: int
    title: str


@dataclass(frozen=True)
class StepLine:
    """A step as the week rules read an ``Assignment``: ``week_rules.STEP_COLUMNS``, in
    that order, and its rung."""

    id: int
    couple_id: int
    assignee: Assignee
    assignee_partner_id: int | None
    times_per_week: int
    starts_on: date
    due_on: date | None
    ended_on: date | None
    status: AssignmentStatus
    rung: RungLine


@dataclass(frozen=True)
class PageEvidence:
    now: datetime
    steps: dict[int, list[StepLine]]  # by couple id
    day_counts: dict[int, week_rules.DayCounts]  # by couple id
    top_rung: int | None
    partners: dict[int, list[PartnerLine]]  # by couple id
    # Everything a couple's figures are judged on, by couple id: its partners, their local
    # dates now, its steps, its check-ins per step, partner and day, the ladder's top rung.
    inputs: dict[int, tuple]


@dataclass(frozen=True)
class PartnerWeek:
    partner: PartnerLine
    week: week_rules.WeekFigure


@dataclass(frozen=True)
class CoupleRow:
    couple: CoupleLine
    current_rung: RungLine | None
    partner_weeks: list[PartnerWeek]
    last_checkin_on: date | None
    # The session the list shows: the next one, or with ``when`` the first in the window.
    session_at: datetime | None
    # Each suggestion (moving up, barriers) with the partners it is about.
    signals: dict[ReadinessSignal, list[PartnerLine]]


def load_evidence(rows: PageRows, now: datetime) -> PageEvidence:
    partners = [p for c in rows.couples for p in rows.partners[c.id]]
    steps: dict[int, list[StepLine]] = {c.id: [] for c in rows.couples}
    counts: dict[int, week_rules.DayCounts] = {c.id: defaultdict(dict) for c in rows.couples}
    top_rung = None
    raw_steps: dict[int, list[tuple]] = {c.id: [] for c in rows.couples}
    if rows.couples:
        first, last = week_rules.readiness_window([_as_partner(p) for p in partners], now)
        # The steps, each with its check-ins per partner and day joined on (a row per
        # step, partner and day; one row, with no day, for a step without any).
        counted = sa.and_(
            week_rules.in_one_array(Assignment.couple_id, list(steps)),
            current.steps_that_count_now(first, last),
        )
        days = week_rules.checkin_days_sql(
            sa.select(Assignment.id).where(counted), first, last
        ).subquery("days")
        step_rows: Sequence[Any] = db.session.execute(
            sa.select(
                *week_rules.STEP_COLUMNS,
                LadderRung.position,
                LadderRung.title,
                ladder.top_rung_position_sql().scalar_subquery(),
                days.c.partner_id,
                days.c.occurred_on,
                days.c.checkins,
            )
            .join(LadderRung, LadderRung.id == Assignment.rung_id)
            .outerjoin(days, days.c.assignment_id == Assignment.id)
            .where(counted)
            .order_by(Assignment.id)
        ).all()
        read = len(week_rules.STEP_COLUMNS)  # StepLine's fields, in its order, then the rung
        step = None
        for row in step_rows:
            if step is None or step.id != row[0]:
                fields: tuple[Any, ...] = tuple(row)  # the columns' types: StepLine's fields
                position, title, top_rung = fields[read : read + 3]
                line: tuple[Any, ...] = (*fields[:read], RungLine(position, title))
                step = StepLine(*line)
                steps[step.couple_id].append(step)
                raw_steps[step.couple_id].append(fields[: read + 2])
                step_counts = counts[step.couple_id]
            partner_id = row[read + 3]
            if partner_id is not None:
                step_counts[(step.id, partner_id)][row[read + 4]] = row[read + 5]
    partners_of = rows.partners
    today_in = {zone: timeutil.local_today(zone, now) for zone in {p.timezone for p in partners}}
    inputs = {
        c.id: (
            tuple((p.id, p.timezone, today_in[p.timezone]) for p in partners_of[c.id]),
            tuple(raw_steps[c.id]),
            tuple(sorted((key, tuple(sorted(d.items()))) for key, d in counts[c.id].items())),
            top_rung,
        )
        for c in rows.couples
    }
    return PageEvidence(now, steps, counts, top_rung, rows.partners, inputs)


def couple_rows(rows: PageRows, evidence: PageEvidence) -> list[CoupleRow]:
    """The rows of a page, each partner's figures and the couple's suggestions judged by
    the week rules (or remembered from the last time they judged the very same inputs)."""
    listed = []
    for couple in rows.couples:
        partners = rows.partners[couple.id]
        rung, weeks, signals = _judged(couple.id, evidence)
        by_id = {p.id: p for p in partners}
        listed.append(
            CoupleRow(
                couple=couple,
                current_rung=rung,
                partner_weeks=[
                    PartnerWeek(p, week) for p, week in zip(partners, weeks, strict=True)
                ],
                last_checkin_on=rows.last_checkin_on[couple.id],
                session_at=rows.session_at[couple.id],
                signals={signal: [by_id[i] for i in ids] for signal, ids in signals},
            )
        )
    return listed


# A couple's figures: its current rung, each partner's week in progress (in the partners'
# order) and the suggestions with the ids of the partners they are about.
Judged = tuple[
    RungLine | None,
    tuple[week_rules.WeekFigure, ...],
    tuple[tuple[ReadinessSignal, tuple[int, ...]], ...],
]
# The figures of the last couples judged, by their exact inputs (``PageEvidence.inputs``):
# a page viewed again judges only the couples whose inputs changed. The rules read the
# clock only as each partner's local date, which the inputs hold.
JUDGED_KEPT = 4096
_judged_by_inputs: OrderedDict[tuple, Judged] = OrderedDict()
_judged_lock = threading.Lock()


def _judged(couple_id: int, evidence: PageEvidence) -> Judged:
    inputs = evidence.inputs[couple_id]
    with _judged_lock:
        known = _judged_by_inputs.get(inputs)
        if known is not None:
            _judged_by_inputs.move_to_end(inputs)
            return known
    judged = _judge(couple_id, evidence)
    with _judged_lock:
        _judged_by_inputs[inputs] = judged
        while len(_judged_by_inputs) > JUDGED_KEPT:
            _judged_by_inputs.popitem(last=False)
    return judged


def _judge(couple_id: int, evidence: PageEvidence) -> Judged:
    """The week rules on one couple's rows: ``partner_week`` for each partner's week in
    progress, ``couple_readiness`` for the suggestions, ``current_rung``."""
    partners = [_as_partner(p) for p in evidence.partners[couple_id]]
    steps = cast(list[Assignment], evidence.steps[couple_id])
    counts = evidence.day_counts[couple_id]
    now = evidence.now
    verdict = week_rules.couple_readiness(partners, steps, counts, evidence.top_rung, now)
    weeks = tuple(
        week_rules.partner_week(p.id, steps, week_rules.partner_current_week(p, now), counts)
        for p in partners
    )
    by_signal: dict[ReadinessSignal, list[int]] = {signal: [] for signal in ReadinessSignal}
    for partner in partners:  # moving up first, then barriers
        signal = verdict.of(partner.id)
        if signal is not None:
            by_signal[signal].append(partner.id)
    signals = tuple((signal, tuple(ids)) for signal, ids in by_signal.items() if ids)
    return cast(RungLine | None, current_rung(steps)), weeks, signals


def by_live_completion(rows: list[CoupleRow]) -> list[CoupleRow]:
    """The page's rows ranked by the live figures they show: the lowest completion of the
    couple's partners with something due, lowest first, couples with none last; ties keep
    the order of the nightly figures."""

    def lowest(row: CoupleRow) -> tuple[bool, float]:
        shares = [pw.week.completion for pw in row.partner_weeks]
        known = [share for share in shares if share is not None]
        return (not known, min(known, default=0.0))

    return sorted(rows, key=lowest)


def fingerprint(rows: PageRows, evidence: PageEvidence, sort: str | None) -> str:
    """A digest of everything the page is built from — the rows read, the inputs of every
    couple's figures (partners' local dates included), the order — so that two reads with
    the same fingerprint make the same page (the view adds who is looking and the
    request's own state)."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((sort, rows.page, rows.raw, evidence.inputs)).encode())
    return digest.hexdigest()


def _as_partner(partner: PartnerLine) -> Partner:
    """A partner row where the week rules ask for a ``Partner``: they read its ``id`` and
    ``timezone`` only."""
    return cast(Partner, partner)
