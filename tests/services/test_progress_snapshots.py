"""counselor/services/progress/compile.py: the compiled weeks, streaks and signals (the
rule itself: tests/services/test_readiness.py)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    Assignee,
    CoupleStatus,
    LadderRung,
    PartnerWeek,
    ReadinessSignal,
    WeeklyProgress,
)
from counselor.services.progress.compile import compile_progress
from counselor.services.progress.week_rules import WeekFigure, next_streak
from counselor.tenancy import across_practices, practice_scope
from tests.support import bulk, factories
from tests.support.helpers import count_statements

# Wednesday 20 May 2026, noon in Chicago, where every partner here lives.
NOW = datetime(2026, 5, 20, 17, 0, tzinfo=UTC)
THIS_WEEK = date(2026, 5, 18)
LAST_WEEK, TWO_AGO, THREE_AGO = (THIS_WEEK - timedelta(weeks=n) for n in (1, 2, 3))
READY, BARRIERS = ReadinessSignal.READY_TO_MOVE_UP, ReadinessSignal.DISCUSS_BARRIERS


pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def clock_start() -> datetime:
    return NOW


@pytest.fixture
def couple(counselor):
    return factories.CoupleFactory(
        counselor=counselor, partners=[{"first_name": "Alex"}, {"first_name": "Sam"}]
    )


def step(couple, times=3, starts_on=THIS_WEEK - timedelta(weeks=10), rung=2, **fields):
    return factories.AssignmentFactory(
        couple=couple,
        times_per_week=times,
        starts_on=starts_on,
        rung=factories.rung(rung),
        **fields,
    )


def log(assignment, partner, day, comfort=None, times=1):
    for _ in range(times):
        factories.CheckInFactory(
            assignment=assignment, partner=partner, occurred_on=day, comfort=comfort
        )


def log_week(assignment, partner, monday, days):
    """Check-ins on the first ``days`` days of a week."""
    for day in range(days):
        log(assignment, partner, monday + timedelta(days=day))


def weekly_rows() -> dict[tuple[int, int, date], tuple[int, int, int, int]]:
    rows = db.session.scalars(across_practices(sa.select(WeeklyProgress)))
    return {
        (r.partner_id, r.assignment_id, r.week_start): (
            r.target,
            r.done,
            r.comfort_sum,
            r.comfort_count,
        )
        for r in rows
    }


def partner_weeks() -> dict[tuple[int, date], tuple]:
    rows = db.session.scalars(across_practices(sa.select(PartnerWeek)))
    return {
        (r.partner_id, r.week_start): (r.target, r.done, r.mean_comfort, r.streak_weeks, r.signal)
        for r in rows
    }


def signals(partner) -> dict[date, ReadinessSignal | None]:
    return {week: row[4] for (pid, week), row in partner_weeks().items() if pid == partner.id}


# --- the streak, as plain data --------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "in_progress", "expected"),
    [
        (WeekFigure(THIS_WEEK, 3, 3), False, 5),
        (WeekFigure(THIS_WEEK, 3, 2), False, 0),
        (WeekFigure(THIS_WEEK, 0, 0), False, 0),
        (WeekFigure(THIS_WEEK, 3, 1), True, 4),  # the week is not over: the streak holds
        (WeekFigure(THIS_WEEK, 3, 3), True, 5),
    ],
)
def test_streak_counts_weeks_on_target(week, in_progress, expected):
    assert next_streak(4, week, in_progress=in_progress) == expected


# --- compiling from check-ins ---------------------------------------------------------


def test_compiles_each_together_and_single_partner_steps(couple):
    alex, sam = couple.partners
    each = step(couple, times=3, starts_on=TWO_AGO)
    # Starts on the Friday: 3 of 7 days, so ceil(2 * 3/7) = 1 that first week.
    together = step(
        couple, times=2, starts_on=TWO_AGO + timedelta(days=4), assignee=Assignee.TOGETHER
    )
    sams = step(couple, times=1, starts_on=TWO_AGO, assignee=Assignee.PARTNER, assignee_partner=sam)
    log(each, alex, TWO_AGO + timedelta(days=1), comfort=4)
    log(each, alex, TWO_AGO + timedelta(days=2), comfort=2)
    log(each, alex, TWO_AGO + timedelta(days=2))  # no comfort given: not in the mean
    log(each, sam, LAST_WEEK + timedelta(days=1), comfort=5)
    log(together, alex, TWO_AGO + timedelta(days=5), comfort=3)
    log(together, sam, TWO_AGO + timedelta(days=5))  # the same day, logged by both: once
    log(together, sam, TWO_AGO + timedelta(days=6))
    log(sams, sam, LAST_WEEK + timedelta(days=2))

    result = compile_progress(weeks=3)

    assert (result.couples, result.first_week) == (1, TWO_AGO)
    assert weekly_rows() == {
        (alex.id, each.id, TWO_AGO): (3, 3, 6, 2),
        (alex.id, each.id, LAST_WEEK): (3, 0, 0, 0),
        (alex.id, each.id, THIS_WEEK): (3, 0, 0, 0),
        (alex.id, together.id, TWO_AGO): (1, 2, 3, 1),  # comfort: Alex's own ratings
        (alex.id, together.id, LAST_WEEK): (2, 0, 0, 0),
        (alex.id, together.id, THIS_WEEK): (2, 0, 0, 0),
        (sam.id, each.id, TWO_AGO): (3, 0, 0, 0),
        (sam.id, each.id, LAST_WEEK): (3, 1, 5, 1),
        (sam.id, each.id, THIS_WEEK): (3, 0, 0, 0),
        (sam.id, together.id, TWO_AGO): (1, 2, 0, 0),
        (sam.id, together.id, LAST_WEEK): (2, 0, 0, 0),
        (sam.id, together.id, THIS_WEEK): (2, 0, 0, 0),
        (sam.id, sams.id, TWO_AGO): (1, 0, 0, 0),
        (sam.id, sams.id, LAST_WEEK): (1, 1, 0, 0),
        (sam.id, sams.id, THIS_WEEK): (1, 0, 0, 0),
    }
    weeks = partner_weeks()
    # The surplus on the joint step (2 of 1) does not cover anything else.
    assert weeks[(alex.id, TWO_AGO)] == (4, 4, 3.0, 1, None)
    assert weeks[(alex.id, LAST_WEEK)][:4] == (5, 0, None, 0)
    assert weeks[(sam.id, TWO_AGO)][:4] == (5, 1, None, 0)
    assert weeks[(sam.id, LAST_WEEK)][:4] == (6, 2, 5.0, 0)
    assert weeks[(sam.id, THIS_WEEK)][:4] == (6, 0, None, 0)
    assert (result.partner_weeks, result.weekly_rows) == (6, 15)


def test_running_twice_gives_the_same_rows_and_picks_up_new_checkins(couple):
    alex, sam = couple.partners
    each = step(couple)
    log_week(each, alex, TWO_AGO, 3)
    log_week(each, sam, LAST_WEEK, 1)
    compile_progress(weeks=4)
    first_weekly, first_partner = weekly_rows(), partner_weeks()

    compile_progress(weeks=4)
    assert weekly_rows() == first_weekly
    assert partner_weeks() == first_partner

    log(each, sam, LAST_WEEK + timedelta(days=5))  # back-dated after the first run
    compile_progress(weeks=4)
    assert weekly_rows()[(sam.id, each.id, LAST_WEEK)][1] == 2
    assert len(weekly_rows()) == len(first_weekly)


def test_two_full_weeks_at_80_percent_on_the_current_rung_suggest_moving_up(couple):
    alex, sam = couple.partners
    top = step(couple, times=5, rung=3)
    lower = step(couple, times=3, rung=2)  # not the current rung: does not hold Alex back
    log_week(top, alex, TWO_AGO, 4)  # 80 %
    log_week(top, alex, LAST_WEEK, 5)
    log_week(top, sam, TWO_AGO, 5)
    log_week(top, sam, LAST_WEEK, 3)  # 60 %
    log_week(lower, sam, LAST_WEEK, 3)

    compile_progress(weeks=3)

    assert signals(alex) == {TWO_AGO: None, LAST_WEEK: READY, THIS_WEEK: READY}
    assert signals(sam) == {TWO_AGO: None, LAST_WEEK: None, THIS_WEEK: None}
    # Alex did none of the lower rung's step: in the rows, not in the signal.
    assert weekly_rows()[(alex.id, lower.id, LAST_WEEK)][:2] == (3, 0)


def test_no_moving_up_suggested_on_the_top_rung(couple):
    alex = couple.partners[0]
    top_position = db.session.scalar(sa.select(sa.func.max(LadderRung.position)))
    top = step(couple, times=2, rung=top_position)
    for monday in (TWO_AGO, LAST_WEEK):
        log_week(top, alex, monday, 2)

    compile_progress(weeks=2)

    assert set(signals(alex).values()) == {None}


def test_two_full_weeks_with_nothing_done_suggest_talking_about_barriers(couple):
    alex, sam = couple.partners
    each = step(couple, starts_on=TWO_AGO)
    log_week(each, sam, TWO_AGO, 2)  # then nothing last week, nothing yet this week

    compile_progress(weeks=3)

    assert signals(alex) == {TWO_AGO: None, LAST_WEEK: BARRIERS, THIS_WEEK: BARRIERS}
    # One empty week and a Wednesday with nothing yet is not two zero weeks.
    assert signals(sam) == {TWO_AGO: None, LAST_WEEK: None, THIS_WEEK: None}


def test_streak_counts_consecutive_weeks_on_target_and_outlives_the_window(couple):
    alex, sam = couple.partners
    each = step(couple, times=2, starts_on=THIS_WEEK - timedelta(weeks=5))
    for weeks_ago in (4, 3, 2, 1):
        log_week(each, alex, THIS_WEEK - timedelta(weeks=weeks_ago), 2)
    log(each, alex, THIS_WEEK)  # 1 of 2 so far: the streak holds
    for monday in (THREE_AGO, LAST_WEEK):
        log_week(each, sam, monday, 2)

    compile_progress(weeks=6)

    streaks = {key: row[3] for key, row in partner_weeks().items()}
    assert [streaks[(alex.id, THIS_WEEK - timedelta(weeks=n))] for n in range(5, -1, -1)] == [
        0,
        1,
        2,
        3,
        4,
        4,
    ]
    assert [streaks[(sam.id, monday)] for monday in (THREE_AGO, TWO_AGO, LAST_WEEK)] == [1, 0, 1]

    # Recomputing only last week reads two weeks back, yet keeps the four-week streak.
    log(each, alex, THIS_WEEK + timedelta(days=1))
    result = compile_progress(since=LAST_WEEK + timedelta(days=3))
    assert result.first_week == LAST_WEEK
    streaks = {key: row[3] for key, row in partner_weeks().items()}
    assert streaks[(alex.id, LAST_WEEK)] == 4
    assert streaks[(alex.id, THIS_WEEK)] == 5
    assert streaks[(alex.id, THREE_AGO)] == 2  # before the window: untouched


def test_compiles_every_practice_and_paused_couples_but_leaves_closed_ones(couple):
    elsewhere = factories.CoupleFactory(status=CoupleStatus.PAUSED)
    closed = factories.CoupleFactory(counselor=couple.counselor, status=CoupleStatus.CLOSED)
    for c in (couple, elsewhere, closed):
        log(step(c), c.partners[0], LAST_WEEK)
    stale = {
        "practice_id": closed.practice_id,
        "couple_id": closed.id,
        "partner_id": closed.partners[0].id,
        "week_start": LAST_WEEK,
        "target": 3,
        "done": 3,
        "streak_weeks": 9,
    }
    db.session.execute(sa.insert(PartnerWeek), [stale])
    db.session.commit()

    result = compile_progress(weeks=2)

    assert result.couples == 2
    compiled = [
        tuple(row)
        for row in db.session.execute(
            across_practices(sa.select(PartnerWeek.couple_id, PartnerWeek.streak_weeks))
        )
    ]
    assert {cid for cid, _ in compiled} == {couple.id, elsewhere.id, closed.id}
    assert (closed.id, 9) in compiled  # kept as it was


def test_progress_callback_covers_every_couple(counselor):
    for _ in range(3):
        step(factories.CoupleFactory(counselor=counselor))
    reported = []

    result = compile_progress(weeks=2, on_chunk=reported.append)

    assert sum(reported) == result.couples == 3


def test_weeks_must_be_positive(app):
    with pytest.raises(ValueError, match="weeks"):
        compile_progress(weeks=0)


# --- cost: a constant number of statements --------------------------------------------


def bulk_couples(counselor, first: int, number: int, weeks: int = 12) -> None:
    """Couples with an each-partner and a joint step and ``weeks`` weeks of varied
    check-ins (and this one so far), written with a handful of Core bulk inserts."""
    labels = [f"Bulk {n:05d}" for n in range(first, first + number)]
    starts_on = THIS_WEEK - timedelta(weeks=weeks)
    with practice_scope(counselor.practice_id):
        bulk.add_couples(counselor, labels, starts_on=starts_on, until=NOW.date())
    db.session.commit()


# 3 couples against 12 show a constant number of statements as well as any sizes; 20
# against 2,000, minutes on PostgreSQL, is the run at scale: `make test-long`.
@pytest.mark.parametrize(
    ("few", "couples"), [(3, 12), pytest.param(20, 2000, marks=pytest.mark.long)]
)
def test_compiling_many_couples_costs_the_same_statements_as_few(counselor, capsys, few, couples):
    bulk_couples(counselor, 0, few)
    with count_statements() as small:
        compile_progress()
    bulk_couples(counselor, few, couples - few)

    started = time.perf_counter()
    with count_statements() as large:
        result = compile_progress()
    elapsed = time.perf_counter() - started

    assert result.couples == couples
    assert result.partner_weeks == couples * 2 * 12
    assert result.weekly_rows == couples * 2 * 2 * 12
    assert small.count == large.count, (small.statements, large.statements)
    signals = dict(
        db.session.execute(
            across_practices(
                sa.select(PartnerWeek.signal, sa.func.count()).group_by(PartnerWeek.signal)
            )
        ).all()
    )
    assert signals.get(READY) and signals.get(BARRIERS)
    with capsys.disabled():
        print(
            f"\n  compile {couples} couples x 12 weeks: {large.count} statements, {elapsed:.2f} s"
        )
