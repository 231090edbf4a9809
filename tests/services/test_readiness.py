"""counselor/services/progress/readiness.py: the one readiness rule and completion ratio,
as plain data (where they are applied: test_readiness_agreement.py)."""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.services.progress.readiness import (
    NO_WEEK,
    READY_COMPLETION,
    Assessment,
    CoupleReadiness,
    ReadinessSignal,
    WeekEvidence,
    assess,
    completion,
    completion_sql,
    couple_signal,
    is_top_rung,
    judged_weeks,
    readiness_signal,
)

READY, BARRIERS = ReadinessSignal.READY_TO_MOVE_UP, ReadinessSignal.DISCUSS_BARRIERS
THIS_WEEK = date(2026, 5, 18)
LAST_WEEK, TWO_AGO, THREE_AGO = (THIS_WEEK - timedelta(weeks=n) for n in (1, 2, 3))


@pytest.mark.parametrize(
    ("done", "target", "expected"),
    [
        (0, 4, 0.0),
        (1, 4, 0.25),
        (4, 4, 1.0),
        (9, 4, 1.0),  # a surplus does not count twice
        (0, 0, None),  # nothing due: neither 0 % nor 100 %
        (3, 0, None),
        (-1, 4, 0.0),
    ],
)
def test_completion_caps_done_at_target_and_is_none_when_nothing_was_due(done, target, expected):
    assert completion(done, target) == expected


@pytest.mark.parametrize(
    ("week", "previous", "expected"),
    [
        (WeekEvidence(6, 6, (1.0, 0.8)), WeekEvidence(6, 5, (0.8, 1.0)), READY),
        (WeekEvidence(6, 6, (1.0, 0.75)), WeekEvidence(6, 6, (1.0, 1.0)), None),
        (WeekEvidence(6, 6, (1.0,)), WeekEvidence(3, 0, ()), None),  # no rung step last week
        (WeekEvidence(3, 0, (0.0,)), WeekEvidence(2, 0, (0.0,)), BARRIERS),
        (WeekEvidence(3, 0, (0.0,)), WeekEvidence(2, 1, (0.5,)), None),
        (WeekEvidence(3, 0, ()), WeekEvidence(0, 0, ()), None),  # nothing was due before
        # Every step of the rung, not the whole week: a lower rung's misses do not count...
        (WeekEvidence(8, 4, (1.0,)), WeekEvidence(8, 4, (1.0,)), READY),
        # ...and a full week overall does not hide one rung step below the bar.
        (WeekEvidence(8, 7, (1.0, 0.75)), WeekEvidence(8, 8, (1.0, 1.0)), None),
    ],
    ids=[
        "ready",
        "one-step-below-80",
        "no-evidence",
        "barriers",
        "did-one",
        "nothing-due",
        "lower-rung-ignored",
        "whole-week-is-not-enough",
    ],
)
def test_readiness_rules(week, previous, expected):
    assert readiness_signal(week, previous, on_top_rung=False) == expected


@pytest.mark.parametrize(
    ("share", "expected"),
    [(READY_COMPLETION, READY), (READY_COMPLETION - 0.01, None), (1.0, READY)],
    ids=["exactly-80", "just-below", "full"],
)
def test_the_bar_is_80_percent_inclusive(share, expected):
    week = WeekEvidence(5, 4, (share,))
    assert readiness_signal(week, week, on_top_rung=False) == expected


def test_no_moving_up_from_the_top_rung_but_barriers_still_count():
    full, empty = WeekEvidence(3, 3, (1.0,)), WeekEvidence(3, 0, (0.0,))
    assert readiness_signal(full, full, on_top_rung=True) is None
    assert readiness_signal(empty, empty, on_top_rung=True) == BARRIERS


@pytest.mark.parametrize(
    ("current", "top", "expected"),
    [(3, 6, False), (6, 6, True), (7, 6, True), (None, 6, False), (3, None, False)],
    ids=["below", "top", "above-a-shrunk-ladder", "no-current-rung", "no-ladder"],
)
def test_the_top_rung_comes_from_the_ladder(current, top, expected):
    assert is_top_rung(current, top) is expected


def test_a_finished_week_is_judged_with_the_one_before():
    assert judged_weeks(LAST_WEEK, THIS_WEEK) == (TWO_AGO, LAST_WEEK)


def test_the_week_in_progress_is_judged_on_the_last_two_finished_weeks():
    assert judged_weeks(THIS_WEEK, THIS_WEEK) == (TWO_AGO, LAST_WEEK)


def test_assess_reports_the_weeks_it_judged_and_what_it_found():
    evidence = {
        THREE_AGO: WeekEvidence(3, 0, (0.0,)),  # too old to matter
        TWO_AGO: WeekEvidence(4, 4, (1.0,)),
        LAST_WEEK: WeekEvidence(4, 4, (1.0,)),
        THIS_WEEK: WeekEvidence(4, 1, (0.25,)),  # in progress: never judged
    }
    verdict = assess(evidence, THIS_WEEK, THIS_WEEK, on_top_rung=False)
    assert verdict.signal == READY
    assert [(w.week_start, w.evidence) for w in verdict.weeks] == [
        (TWO_AGO, evidence[TWO_AGO]),
        (LAST_WEEK, evidence[LAST_WEEK]),
    ]
    assert not verdict.steady_on_top_rung


def test_assess_on_the_top_rung_says_steady_instead_of_ready():
    week = WeekEvidence(2, 2, (1.0,))
    verdict = assess({TWO_AGO: week, LAST_WEEK: week}, THIS_WEEK, THIS_WEEK, on_top_rung=True)
    assert verdict.signal is None
    assert verdict.steady_on_top_rung


def test_a_missing_week_counts_as_nothing_due():
    verdict = assess({LAST_WEEK: WeekEvidence(3, 0)}, THIS_WEEK, THIS_WEEK, on_top_rung=False)
    assert verdict.weeks[0].evidence == NO_WEEK
    assert verdict.signal is None


# --- the couple's suggestion ----------------------------------------------------------

ON_RUNG, OFF_RUNG = WeekEvidence(4, 4, (1.0,)), WeekEvidence(4, 2, ())
IDLE, HALF = WeekEvidence(4, 0, (0.0,)), WeekEvidence(4, 2, (0.5,))


def verdict(*weeks: WeekEvidence) -> Assessment:
    """A partner's verdict on two weeks (one given: both alike)."""
    earlier, later = (weeks[0], weeks[-1])
    return assess({TWO_AGO: earlier, LAST_WEEK: later}, THIS_WEEK, THIS_WEEK, on_top_rung=False)


@pytest.mark.parametrize(
    ("partners", "expected"),
    [
        ((ON_RUNG, ON_RUNG), READY),
        ((ON_RUNG, HALF), None),  # one partner on the rung is not there yet
        ((ON_RUNG, OFF_RUNG), READY),  # no step on the rung: does not hold the couple back
        ((ON_RUNG, IDLE), BARRIERS),  # a stuck partner comes first
        ((OFF_RUNG, OFF_RUNG), None),  # nobody judged on the rung
        ((), None),
    ],
    ids=["both-ready", "one-not-yet", "other-not-on-rung", "barriers-first", "no-rung", "none"],
)
def test_the_couple_s_suggestion_comes_from_its_partners(partners, expected):
    assessments = {number: verdict(week) for number, week in enumerate(partners, start=1)}
    assert couple_signal(assessments.values()) == expected
    both = CoupleReadiness.of_partners(assessments)
    assert both.signal == expected
    assert [both.of(n) for n in assessments] == [a.signal for a in assessments.values()]
    assert both.of(99) is None


# --- one completion ratio -------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


class _Dividers(ast.NodeVisitor):
    """Where something done is divided, or something is divided by a target: the name of
    each function (the innermost) that does it."""

    def __init__(self) -> None:
        self.function = "<module>"
        self.found: list[str] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_BinOp(self, node: ast.BinOp) -> None:
        dividing = isinstance(node.op, ast.Div | ast.FloorDiv)
        if dividing and ("done" in ast.unparse(node.left) or "target" in ast.unparse(node.right)):
            self.found.append(self.function)
        self.generic_visit(node)


def test_nothing_but_completion_divides_done_by_target():
    """Every share of a target shown anywhere is ``readiness.completion``, and every one a
    query sorts by is its SQL twin ``completion_sql``: no other code divides something
    done by a target, and no template does the sum itself."""
    dividers = []
    for path in sorted((*ROOT.glob("counselor/**/*.py"), *ROOT.glob("reports/**/*.py"))):
        visitor = _Dividers()
        visitor.visit(ast.parse(path.read_text(), str(path)))
        dividers += [f"{path.relative_to(ROOT)}::{name}" for name in visitor.found]
    assert dividers == [
        "counselor/services/progress/readiness.py::completion",
        "counselor/services/progress/readiness.py::completion_sql",
    ], dividers
    in_templates = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("counselor/**/templates/**/*.html")
        if re.search(r"\{\{[^}]*\b(done|target)\b[^}]*\s/\s[^}]*\}\}", path.read_text())
    ]
    assert in_templates == []


def test_completion_in_sql_agrees_with_completion(app, database_url):
    """``completion_sql`` against ``completion`` on a grid of done and target, on both
    databases: nothing due (0, or a negative target), done beyond the target, none done."""
    for done in range(-1, 7):
        for target in range(-1, 5):
            in_sql = completion_sql(sa.literal(done, sa.Integer), sa.literal(target, sa.Integer))
            share = db.session.scalar(sa.select(in_sql))
            expected = completion(done, target)
            if expected is None:
                assert share is None, (done, target)
            else:
                assert share == pytest.approx(expected), (done, target)
