"""The nightly compile of only the couples changed since the last run
(``compile_progress(only_changed=True)``, services/progress/compile_changes.py) stores
exactly the rows a full compile stores: after random changes made through the services —
check-ins recorded, edited and deleted, steps ended and given, couples paused and
reopened, the clock moving across partners' week ends in several time zones — a seeded
walk compares, round after round, the rows of a changed-only run with those a full run
writes over the same data (in a savepoint, rolled back, so the next round's run is again
a changed-only one after a changed-only one)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignee,
    Assignment,
    AssignmentStatus,
    CheckIn,
    CoupleStatus,
    PartnerWeek,
    WeeklyProgress,
)
from counselor.services.audit import Actor, record_event
from counselor.services.couples import couples as couple_service
from counselor.services.couples.links import partner_actor
from counselor.services.errors import InvalidInput
from counselor.services.homework import checkins, lifecycle
from counselor.services.progress.compile import compile_progress
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.helpers import count_statements

NOW = datetime(2026, 5, 20, 17, 0, tzinfo=UTC)  # a Wednesday
ZONES = ("America/Chicago", "Pacific/Auckland", "Europe/London", "Asia/Tokyo")
ROUNDS = 12

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def clock_start() -> datetime:
    return NOW


def stored_rows() -> tuple[set, set]:
    """Every snapshot row, its id and ``computed_at`` aside."""
    weekly = db.session.execute(
        across_practices(
            sa.select(
                WeeklyProgress.practice_id, WeeklyProgress.couple_id, WeeklyProgress.partner_id,
                WeeklyProgress.assignment_id, WeeklyProgress.week_start, WeeklyProgress.target,
                WeeklyProgress.done, WeeklyProgress.comfort_sum, WeeklyProgress.comfort_count,
            )
        )
    ).all()  # fmt: skip
    partner = db.session.execute(
        across_practices(
            sa.select(
                PartnerWeek.practice_id, PartnerWeek.couple_id, PartnerWeek.partner_id,
                PartnerWeek.week_start, PartnerWeek.target, PartnerWeek.done,
                PartnerWeek.mean_comfort, PartnerWeek.streak_weeks, PartnerWeek.signal,
            )
        )
    ).all()  # fmt: skip
    return set(weekly), set(partner)


def make_couples(counselor, rng: random.Random) -> list:
    couples = []
    for n in range(6):
        zones = [ZONES[n % len(ZONES)], ZONES[(n + rng.randrange(2)) % len(ZONES)]]
        couple = factories.CoupleFactory(
            counselor=counselor, partners=[{"timezone": zone} for zone in zones]
        )
        for assignee in (Assignee.EACH, Assignee.TOGETHER, Assignee.PARTNER):
            give_step(couple, assignee, rng)
        for _ in range(12):
            record(couple, rng)
        couples.append(couple)
    return couples


def give_step(couple, assignee: Assignee, rng: random.Random) -> None:
    today = timeutil.local_today(couple.partners[0].timezone)
    extra = {"assignee_partner": couple.partners[1]} if assignee == Assignee.PARTNER else {}
    factories.AssignmentFactory(
        couple=couple,
        assignee=assignee,
        times_per_week=rng.randint(1, 4),
        starts_on=today - timedelta(days=rng.randint(0, 30)),
        rung=factories.rung(rng.choice((1, 2, 3))),
        **extra,
    )


def steps_of(couple) -> list[Assignment]:
    return list(
        db.session.scalars(
            across_practices(
                sa.select(Assignment)
                .where(Assignment.couple_id == couple.id)
                .order_by(Assignment.id)
            )
        )
    )


def record(couple, rng: random.Random) -> None:
    active = [a for a in steps_of(couple) if a.status == AssignmentStatus.ACTIVE]
    if not active:
        return
    step = rng.choice(active)
    partner = rng.choice(couple.partners)
    today = timeutil.local_today(partner.timezone)
    day = max(today - timedelta(days=rng.randint(0, 6)), step.starts_on)
    factories.CheckInFactory(
        assignment=step, partner=partner, occurred_on=day, comfort=rng.choice((None, 2, 4, 5))
    )


def change_something(actor: Actor, couple, rng: random.Random) -> None:
    """One change a counselor or partner makes through the services."""
    kind = rng.choice(("record", "record", "edit", "delete", "end", "give", "status"))
    own = list(
        db.session.scalars(
            across_practices(
                sa.select(CheckIn)
                .join(Assignment, Assignment.id == CheckIn.assignment_id)
                .where(Assignment.couple_id == couple.id)
                .order_by(CheckIn.id)
            )
        )
    )
    try:
        if kind == "record":
            record(couple, rng)
        elif kind in ("edit", "delete") and own:
            check_in = rng.choice(own)
            partner = next(p for p in couple.partners if p.id == check_in.partner_id)
            if kind == "delete":
                checkins.delete_checkin(partner_actor(partner), partner, check_in.id)
            else:
                day = max(
                    timeutil.local_today(partner.timezone) - timedelta(days=rng.randint(0, 6)),
                    check_in.assignment.starts_on,
                )
                changes = checkins.CheckInChanges(day, rng.choice((None, 1, 3)), None, False)
                checkins.edit_checkin(partner_actor(partner), partner, check_in.id, changes)
        elif kind == "end":
            step = rng.choice(steps_of(couple))
            lifecycle.end_assignment(actor, step.id, AssignmentStatus.COMPLETED)
        elif kind == "give":
            give_step(couple, rng.choice(list(Assignee)), rng)
        elif kind == "status":
            status = (
                CoupleStatus.PAUSED if couple.status == CoupleStatus.ACTIVE else CoupleStatus.ACTIVE
            )
            couple_service.set_status(actor, couple.id, status)
    except InvalidInput:
        pass  # a change the service refuses (too old to change, already ended) is no change


@pytest.mark.parametrize("seed", [1, 2])
def test_a_changed_only_compile_stores_what_a_full_one_does(actor, counselor, clock, seed):
    rng = random.Random(seed)
    couples = make_couples(counselor, rng)
    compile_progress()
    db.session.commit()
    incremental_runs = 0
    for _ in range(ROUNDS):
        clock.advance(hours=rng.choice((1, 5, 11, 23)))
        for couple in rng.sample(couples, 2):
            change_something(actor, couple, rng)
        db.session.commit()

        result = compile_progress(only_changed=True)
        db.session.commit()
        incremental_runs += result.only_changed
        changed_only = stored_rows()

        savepoint = db.session.begin_nested()
        compile_progress()
        full = stored_rows()
        savepoint.rollback()

        assert changed_only == full
    assert incremental_runs >= ROUNDS // 3  # most rounds did not need everyone


def test_a_changed_only_compile_redoes_only_the_couples_changed(actor, counselor, clock):
    rng = random.Random(3)
    couples = make_couples(counselor, rng)
    clock.advance(hours=1)  # Wednesday still, in every zone
    compile_progress()
    db.session.commit()
    clock.advance(hours=1)

    result = compile_progress(only_changed=True)
    assert (result.only_changed, result.couples) == (True, 0)
    db.session.commit()

    clock.advance(hours=1)
    record(couples[2], rng)
    db.session.commit()
    with count_statements() as counted:
        result = compile_progress(only_changed=True)
    assert (result.only_changed, result.couples) == (True, 1)
    # (lock,) zones, top rung, ladder, couples, last run, changes, 5 reads, 2 deletes,
    # 2 writes, the run
    lock = db.session.get_bind().dialect.name == "postgresql"
    assert counted.count == 16 + lock, counted.statements


def test_a_delete_audited_by_someone_else_than_its_partner_makes_the_run_full(
    actor, counselor, clock
):
    rng = random.Random(4)
    make_couples(counselor, rng)
    clock.advance(hours=1)
    compile_progress()
    db.session.commit()
    clock.advance(hours=1)
    record_event(actor, "checkin.delete", "checkin", 12345)
    db.session.commit()
    assert compile_progress(only_changed=True).only_changed is False
