"""Demo data for a first look: one practice, one counselor, three couples at different rungs
(their couple-shaped history — answers, replies, the weekly check-in, reminders — is added
by ``demo_depth``)."""

from __future__ import annotations

import functools
import random
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AssignmentStatus,
    CheckIn,
    CheckInSource,
    CounselorRole,
    Partner,
    Practice,
    Visibility,
)
from counselor.services.accounts import counselors
from counselor.services.audit import Actor
from counselor.services.couples import couples, sessions
from counselor.services.couples.couples import CoupleInput, PartnerInput
from counselor.services.demo_depth import DepthPlan, add_depth, depth_plan
from counselor.services.homework import assignments, ladder, lifecycle
from counselor.services.homework.assignments import AssignmentInput
from counselor.services.progress import reminder_effect, week_rules
from counselor.tenancy import across_practices, practice_scope

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo.counselor@example.org"
DEMO_TIMEZONE = "America/Chicago"
HISTORY_WEEKS = 6
DEMO_COUPLES_FILE = Path(__file__).with_name("demo_couples.toml")


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str | None  # None when the demo already existed: the password was shown then


@dataclass(frozen=True)
class StepPlan:
    template_key: str
    weeks_ago: int  # when it started
    follow_through: dict[int, float]  # partner position -> share of the target usually done
    ended: AssignmentStatus | None = None


@dataclass(frozen=True)
class CouplePlan:
    label: str
    partners: tuple[PartnerInput, ...]
    steps: tuple[StepPlan, ...]
    comfort_start: float
    comfort_trend: float  # change per week
    depth: DepthPlan = field(default_factory=DepthPlan)


REFLECTIONS = (
    "It felt awkward to ask at first, but they were glad I did.",
    "I caught myself about to do it alone again. I stopped and asked instead.",
    "Harder than I expected. I kept thinking it would be faster on my own.",
    "We laughed about how differently we do this. That helped.",
    "I noticed I felt relieved once I had said it out loud.",
    "Didn't manage it this week — work took over. I want to talk about that.",
    "They did it their way and it was fine. Better than fine, actually.",
    "I was worried I'd look needy. I didn't, and it brought us closer.",
)


@functools.cache
def couple_plans() -> tuple[CouplePlan, ...]:
    """The demo couples, kept as data in ``demo_couples.toml`` beside this module."""
    with DEMO_COUPLES_FILE.open("rb") as handle:
        raw = tomllib.load(handle)
    return tuple(_couple_plan(entry) for entry in raw["couples"])


def _couple_plan(entry: dict[str, Any]) -> CouplePlan:
    steps = tuple(
        StepPlan(
            template_key=step["template"],
            weeks_ago=step["weeks_ago"],
            follow_through=dict(enumerate(step["follow_through"], start=1)),
            ended=AssignmentStatus(step["ended"]) if "ended" in step else None,
        )
        for step in entry["steps"]
    )
    return CouplePlan(
        label=entry["label"],
        partners=tuple(PartnerInput(**partner) for partner in entry["partners"]),
        steps=steps,
        comfort_start=entry["comfort_start"],
        comfort_trend=entry["comfort_trend"],
        depth=depth_plan(entry),
    )


def seed_demo(
    progress_step: Callable[[], None] = lambda: None, *, only_if_empty: bool = False
) -> DemoLogin | None:
    """Create the demo practice once; running it again changes nothing.

    With ``only_if_empty`` a database that already holds another practice is left
    alone (``None``): demo couples never land beside real ones. The couples are seeded
    in the new practice's scope, as its counselor would add them.
    """
    if counselors.practice_by_slug(DEMO_SLUG) is not None:
        return DemoLogin(DEMO_EMAIL, None)
    any_practice = sa.select(Practice.id).limit(1)
    if only_if_empty and db.session.scalar(across_practices(any_practice)) is not None:
        return None
    if not ladder.ladder_rungs():
        ladder.sync_ladder()

    practice = counselors.create_practice("Riverside Couples Counselling", DEMO_SLUG, DEMO_TIMEZONE)
    password = secrets.token_urlsafe(12)
    counselor = counselors.create_counselor(
        practice, DEMO_EMAIL, "Dr. Morgan Lee", password, role=CounselorRole.OWNER
    )
    actor = Actor.for_counselor(counselor)
    rng = random.Random(20261125)  # noqa: S311 - plausible demo data, not security
    with practice_scope(practice.id):
        for plan in couple_plans():
            _seed_couple(actor, plan, rng)
            progress_step()
    # Last night's measure of "do reminders help?", so its pages have figures at once.
    reminder_effect.compile_reminder_effects()
    return DemoLogin(DEMO_EMAIL, password)


def _seed_couple(actor: Actor, plan: CouplePlan, rng: random.Random) -> None:
    couple = couples.create_couple(
        actor,
        CoupleInput(
            label=plan.label,
            partners=list(plan.partners),
        ),
    )
    today = timeutil.local_today(DEMO_TIMEZONE)
    first_day = today
    for step in plan.steps:
        starts_on = today - timedelta(weeks=step.weeks_ago, days=rng.randint(0, 2))
        assignment = assignments.assign_homework(
            actor,
            couple.id,
            AssignmentInput(template_key=step.template_key, starts_on=starts_on, notify=False),
        )
        first_day = min(first_day, starts_on)
        _add_history(assignment, couple.partners, step, plan, rng, today)
        if step.ended is not None:
            ended = lifecycle.end_assignment(actor, assignment.id, step.ended)
            ended.ended_at = _at(today - timedelta(days=7), 17, DEMO_TIMEZONE)  # ended last week
            ended.ended_on = today - timedelta(days=7)
    _add_sessions(actor, couple.id, today, rng)
    add_depth(actor, couple, plan.depth, first_day)


def _add_history(
    assignment: Assignment,
    partners: list[Partner],
    step: StepPlan,
    plan: CouplePlan,
    rng: random.Random,
    today: date,
) -> None:
    """Historic check-ins written as rows: the service rightly refuses back-dating this far."""
    end = today - timedelta(days=7) if step.ended else today
    monday = timeutil.week_start(assignment.starts_on)
    while monday <= end:
        week_number = (monday - timeutil.week_start(assignment.starts_on)).days // 7
        for partner in partners:
            if not week_rules.does_step(assignment, partner.id):
                continue
            if assignment.assignee.value == "together" and partner.position == 2:
                continue  # one partner logs joint steps
            target = week_rules.week_target(assignment, monday)
            share = step.follow_through[partner.position]
            done = sum(1 for _ in range(target) if rng.random() < share)
            days = [
                d
                for d in (monday + timedelta(days=n) for n in range(7))
                if assignment.starts_on <= d <= end
            ]
            mean_comfort = plan.comfort_start + plan.comfort_trend * week_number
            for day in sorted(rng.sample(days, min(done, len(days)))):
                db.session.add(_check_in(assignment, partner, day, mean_comfort, rng))
        monday += timedelta(weeks=1)


def _check_in(
    assignment: Assignment, partner: Partner, day: date, mean_comfort: float, rng: random.Random
) -> CheckIn:
    """One historic check-in: comfort around the week's mean, now and then a reflection,
    some of them shared with the other partner."""
    comfort = mean_comfort + rng.uniform(-1, 1)
    reflection = rng.choice(REFLECTIONS) if rng.random() < 0.35 else None
    shared = rng.random() < 0.4
    return CheckIn(
        practice_id=assignment.practice_id,
        assignment_id=assignment.id,
        partner_id=partner.id,
        occurred_on=day,
        comfort=max(1, min(5, round(comfort))),
        reflection=reflection,
        visibility=Visibility.SHARED if shared else Visibility.COUNSELOR,
        source=CheckInSource.LINK,
        idempotency_key=secrets.token_urlsafe(16),
        created_at=_at(day, 20, partner.timezone),
    )


def _add_sessions(actor: Actor, couple_id: int, today: date, rng: random.Random) -> None:
    hour = rng.choice((10, 13, 16))
    sessions.add_session(actor, couple_id, _at(today - timedelta(days=7), hour, DEMO_TIMEZONE))
    upcoming = today + timedelta(days=rng.randint(1, 6))
    sessions.add_session(actor, couple_id, _at(upcoming, hour, DEMO_TIMEZONE))


def _at(day: date, hour: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone))
