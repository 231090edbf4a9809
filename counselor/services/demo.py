"""Demo data for a first look: one practice, one counselor, three couples at different rungs."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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
from counselor.services.homework import assignments, ladder
from counselor.services.homework.assignments import AssignmentInput
from counselor.services.progress import week_rules
from counselor.tenancy import across_practices, practice_scope

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo.counselor@example.org"
DEMO_TIMEZONE = "America/Chicago"
HISTORY_WEEKS = 6


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
    partners: tuple[tuple[str, str, str], tuple[str, str, str]]  # first name, email, timezone
    steps: tuple[StepPlan, ...]
    comfort_start: float
    comfort_trend: float  # change per week


COUPLES = (
    CouplePlan(
        label="Alex & Sam R.",
        partners=(
            ("Alex", "alex.r@example.org", "America/Chicago"),
            ("Sam", "sam.r@example.org", "America/Chicago"),
        ),
        steps=(
            StepPlan("solo-default-log", 6, {1: 0.9, 2: 0.8}, AssignmentStatus.COMPLETED),
            StepPlan("map-separate-lanes", 6, {1: 1.0, 2: 1.0}, AssignmentStatus.COMPLETED),
            StepPlan("ask-opinion-work-email", 3, {1: 0.9, 2: 0.7}),
            StepPlan("hand-over-a-chore", 3, {1: 0.8, 2: 1.0}),
        ),
        comfort_start=2.4,
        comfort_trend=0.3,
    ),
    CouplePlan(
        label="Jordan & Priya K.",
        partners=(
            ("Jordan", "jordan.k@example.org", "America/New_York"),
            ("Priya", "priya.k@example.org", "Europe/London"),
        ),
        steps=(
            StepPlan("share-a-minor-worry", 6, {1: 0.5, 2: 0.9}, AssignmentStatus.COMPLETED),
            StepPlan("weekly-money-check-in", 4, {1: 0.6, 2: 0.6}),
            StepPlan("name-a-career-fear", 3, {1: 0.2, 2: 0.9}),
        ),
        comfort_start=2.8,
        comfort_trend=0.05,
    ),
    CouplePlan(
        label="Zoë & José M.",
        partners=(
            ("Zoë", "zoe.m@example.org", "America/Los_Angeles"),
            ("José", "jose.m@example.org", "America/Los_Angeles"),
        ),
        steps=(
            StepPlan("solo-default-log", 2, {1: 0.6, 2: 0.3}),
            StepPlan("pause-before-going-solo", 1, {1: 0.4, 2: 0.2}),
        ),
        comfort_start=2.0,
        comfort_trend=0.1,
    ),
)

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
        for plan in COUPLES:
            _seed_couple(actor, plan, rng)
            progress_step()
    return DemoLogin(DEMO_EMAIL, password)


def _seed_couple(actor: Actor, plan: CouplePlan, rng: random.Random) -> None:
    couple = couples.create_couple(
        actor,
        CoupleInput(
            label=plan.label,
            partners=[PartnerInput(first, email, zone) for first, email, zone in plan.partners],
        ),
    )
    today = timeutil.local_today(DEMO_TIMEZONE)
    for step in plan.steps:
        starts_on = today - timedelta(weeks=step.weeks_ago, days=rng.randint(0, 2))
        assignment = assignments.assign_homework(
            actor,
            couple.id,
            AssignmentInput(template_key=step.template_key, starts_on=starts_on, notify=False),
        )
        _add_history(assignment, couple.partners, step, plan, rng, today)
        if step.ended is not None:
            ended = assignments.end_assignment(actor, assignment.id, step.ended)
            ended.ended_at = _at(today - timedelta(days=7), 17, DEMO_TIMEZONE)  # ended last week
            ended.ended_on = today - timedelta(days=7)
    _add_sessions(actor, couple.id, today, rng)


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
            for day in sorted(rng.sample(days, min(done, len(days)))):
                comfort = plan.comfort_start + plan.comfort_trend * week_number + rng.uniform(-1, 1)
                with_text = rng.random() < 0.35
                db.session.add(
                    CheckIn(
                        practice_id=assignment.practice_id,
                        assignment_id=assignment.id,
                        partner_id=partner.id,
                        occurred_on=day,
                        comfort=max(1, min(5, round(comfort))),
                        reflection=rng.choice(REFLECTIONS) if with_text else None,
                        visibility=Visibility.SHARED
                        if rng.random() < 0.4
                        else Visibility.COUNSELOR,
                        source=CheckInSource.LINK,
                        idempotency_key=secrets.token_urlsafe(16),
                        created_at=_at(day, 20, partner.timezone),
                    )
                )
        monday += timedelta(weeks=1)


def _add_sessions(actor: Actor, couple_id: int, today: date, rng: random.Random) -> None:
    hour = rng.choice((10, 13, 16))
    sessions.add_session(actor, couple_id, _at(today - timedelta(days=7), hour, DEMO_TIMEZONE))
    upcoming = today + timedelta(days=rng.randint(1, 6))
    sessions.add_session(actor, couple_id, _at(upcoming, hour, DEMO_TIMEZONE))


def _at(day: date, hour: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone))
