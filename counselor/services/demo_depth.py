"""The demo's couple-shaped history (``demo.py`` seeds the couples, steps and check-ins
first): the leaned-on partner's answers, a reply and a counselor's note on a reflection,
the weekly check-in's answers, and the reminders that went, so that every page shows
what it is for right after ``make run``.

Everything is written as rows dated in the past, as ``demo.py`` writes historic
check-ins: the services rightly refuse to back-date, and they would email the partners.
What each couple gets is data in ``demo_couples.toml``; the choices here are drawn from
their own seeded generator, so the demo is the same on every run of the same day and
the steps' history before it does not change.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Acknowledgement,
    Assignment,
    CheckIn,
    Couple,
    EmailKind,
    Noticed,
    OutboxEmail,
    OutboxStatus,
    Partner,
    ReflectionReply,
    ReplyKind,
    Visibility,
    WeeklyAnswer,
)
from counselor.services.audit import Actor
from counselor.services.homework import leaning, reflections, replies, weekly_checkin
from counselor.services.progress import week_rules

SEED = 20261126
# Open invitations left on each partner's page: the newest leaning acts stay unanswered.
LEFT_OPEN = 2
ACK_NOTES = (
    "Honestly, I didn't register it until I read this.",  # the first partner's, counselor only
    "I liked being asked. It felt like we were on the same side.",  # the second's, shared
)
REPLY = "Thank you for asking me. I'd like you to do it more often."


@dataclass(frozen=True)
class DepthPlan:
    """A couple's issue-15 history, from its entry in ``demo_couples.toml``."""

    weekly_checkin: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()
    noticed: tuple[tuple[str, ...], ...] = ()  # per partner: their answers, in turn
    felt_valued: tuple[tuple[int, ...], ...] = ()  # per partner; 0 = left out
    reply_and_note: bool = False
    reveal_together: bool | None = None
    reminder_days: float = 0.0  # share of the days with a step running that had a reminder
    reminders_before_checkins: float | None = None  # of those, the share then followed


def depth_plan(entry: dict[str, Any]) -> DepthPlan:
    return DepthPlan(
        weekly_checkin=tuple(
            (tuple(week["first"]), tuple(week["second"]))
            for week in entry.get("weekly_checkin", ())
        ),
        noticed=tuple(tuple(answers) for answers in entry.get("noticed", ())),
        felt_valued=tuple(tuple(scores) for scores in entry.get("felt_valued", ())),
        reply_and_note=entry.get("reply_and_note", False),
        reveal_together=entry.get("reveal_together"),
        reminder_days=entry.get("reminder_days", 0.0),
        reminders_before_checkins=entry.get("reminders_before_checkins"),
    )


def add_depth(actor: Actor, couple: Couple, plan: DepthPlan, first_day: date) -> None:
    """The couple's issue-15 history; ``first_day``: when its first step started."""
    rng = random.Random(f"{SEED}:{couple.label}")  # noqa: S311 - demo data, not security
    partners = list(couple.partners)
    added = _at(first_day - timedelta(days=2), 9, partners[0].timezone)
    couple.created_at = added  # before their first step, as in real life
    for partner in partners:
        partner.created_at = added
    db.session.flush()
    steps = list(db.session.scalars(sa.select(Assignment).where(Assignment.couple_id == couple.id)))
    check_ins = list(
        db.session.scalars(
            sa.select(CheckIn)
            .join(Assignment)
            .where(Assignment.couple_id == couple.id)
            .order_by(CheckIn.occurred_on, CheckIn.id)
        )
    )
    if plan.reveal_together is not None:
        reflections.set_reveal_together(actor, couple, plan.reveal_together)
    if plan.noticed:
        _acknowledge(partners, check_ins, plan)
    if plan.reply_and_note:
        _reply_and_note(actor, couple, partners, check_ins)
    if plan.weekly_checkin:
        weekly_checkin.set_enabled(actor, couple.id, True)
        _weekly_answers(couple, partners, plan.weekly_checkin)
    if plan.reminder_days:
        for partner in partners:
            _reminders(partner, steps, check_ins, plan, first_day, rng)


def _acknowledge(partners: list[Partner], check_ins: list[CheckIn], plan: DepthPlan) -> None:
    """Each partner answers the other's leaning acts in turn from their answers in the plan,
    all but the newest ``LEFT_OPEN`` (invitations still open on their page). The first
    partner's latest answer carries a note for the counselor; the second's a note they
    shared."""
    now = timeutil.utcnow()
    for position, answerer in enumerate(partners):
        acts = [c for c in check_ins if c.partner_id != answerer.id and leaning.is_leaning_act(c)]
        answered = acts[:-LEFT_OPEN]
        noticed = itertools.cycle(plan.noticed[position])
        valued = itertools.cycle(plan.felt_valued[position] if plan.felt_valued else (0,))
        answers = []
        for act in answered:
            answer = Acknowledgement(
                practice_id=act.practice_id,
                checkin_id=act.id,
                partner_id=answerer.id,
                noticed=Noticed(next(noticed)),
                felt_valued=next(valued) or None,
                created_at=min(act.created_at + timedelta(days=1), now - timedelta(hours=1)),
            )
            db.session.add(answer)
            answers.append(answer)
        if answers:
            answers[-1].note = ACK_NOTES[position % 2]
            if position % 2:
                answers[-1].visibility = Visibility.SHARED


def _reply_and_note(
    actor: Actor, couple: Couple, partners: list[Partner], check_ins: list[CheckIn]
) -> None:
    """The first partner's latest check-in on a step both do becomes a shared reflection
    (if chance left it without one); the other partner replies once and the counselor
    leaves a preset note on it."""
    first, second = partners[0], partners[1]
    mine = [c for c in check_ins if c.partner_id == first.id and reflections.both_do(c.assignment)]
    if not mine:
        return
    reflection = mine[-1]
    reflection.reflection = reflection.reflection or "I caught myself about to do it alone again."
    reflection.visibility = Visibility.SHARED
    written = reflection.created_at + timedelta(hours=1)
    db.session.add(
        ReflectionReply(
            practice_id=couple.practice_id,
            couple_id=couple.id,
            checkin_id=reflection.id,
            kind=ReplyKind.PARTNER,
            partner_id=second.id,
            body=REPLY,
            created_at=written,
        )
    )
    next_session = replies.next_session_start(couple.id, timeutil.utcnow())
    note = replies.note_presets(next_session, first.timezone)[0]
    db.session.add(
        ReflectionReply(
            practice_id=couple.practice_id,
            couple_id=couple.id,
            checkin_id=reflection.id,
            kind=ReplyKind.COUNSELOR,
            counselor_id=actor.id,
            body=note,
            created_at=written + timedelta(hours=12),
        )
    )


def _weekly_answers(
    couple: Couple,
    partners: list[Partner],
    weeks: Sequence[tuple[tuple[int, ...], tuple[int, ...]]],
) -> None:
    """The plan's weeks end last week: this week's check-in is still to answer."""
    items = weekly_checkin.current_items()
    for partner, scores_of in zip(partners, zip(*weeks, strict=True), strict=False):
        this_week = week_rules.partner_current_week(partner)
        for back, scores in enumerate(reversed(scores_of), start=1):
            monday = this_week - timedelta(weeks=back)
            stamp = _at(monday + timedelta(days=6), 19, partner.timezone)  # the Sunday evening
            for item, score in zip(items, scores, strict=True):
                db.session.add(
                    WeeklyAnswer(
                        practice_id=couple.practice_id,
                        couple_id=couple.id,
                        partner_id=partner.id,
                        week_start=monday,
                        item_id=item.id,
                        item_version=item.version,
                        score=score,
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )


def _reminders(
    partner: Partner,
    steps: list[Assignment],
    check_ins: list[CheckIn],
    plan: DepthPlan,
    first_day: date,
    rng: random.Random,
) -> None:
    """Sent reminders on a share of the days one of the partner's steps ran, until
    yesterday, at their reminder hour and filed as the planner files them. With
    ``reminders_before_checkins`` most go on days the partner then checked in within
    ``FOLLOW_HOURS`` (reminders that help); without it, on days chance picks."""
    today = timeutil.local_today(partner.timezone)
    mine = [c.created_at for c in check_ins if c.partner_id == partner.id]
    running = [
        day
        for day in (first_day + timedelta(days=n) for n in range((today - first_day).days))
        if _step_runs(partner, steps, day)
    ]
    sent_at = {day: _at(day, partner.reminder_hour, partner.timezone) for day in running}
    window = timedelta(hours=48)
    followed = [d for d in running if any(sent_at[d] <= c < sent_at[d] + window for c in mine)]
    unfollowed = [d for d in running if d not in followed]
    count = round(len(running) * plan.reminder_days)
    if plan.reminders_before_checkins is None:
        days = rng.sample(running, count)
    else:
        helped = min(round(count * plan.reminders_before_checkins), len(followed))
        days = rng.sample(followed, helped) + rng.sample(
            unfollowed, min(count - helped, len(unfollowed))
        )
    for day in sorted(days):
        db.session.add(
            OutboxEmail(
                practice_id=partner.couple.practice_id,
                partner_id=partner.id,
                kind=EmailKind.REMINDER,
                dedupe_key=f"reminder:{partner.id}:{day.isoformat()}",
                status=OutboxStatus.SENT,
                attempts=1,
                created_at=sent_at[day] - timedelta(minutes=5),
                sent_at=sent_at[day],
            )
        )


def _step_runs(partner: Partner, steps: list[Assignment], day: date) -> bool:
    """One of the partner's steps ran that day (as the reminder measure counts it)."""
    return any(
        week_rules.does_step(a, partner.id)
        and a.starts_on <= day
        and (a.ended_on is None or day <= a.ended_on)
        for a in steps
    )


def _at(day: date, hour: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone))
