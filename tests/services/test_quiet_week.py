"""A scripted week in three time zones: counselors assign steps and send links at all
hours, partners check in, reminders are planned, the mail server turns some emails away
for a while, and the clock moves on hour by hour. No email of any kind reaches a partner
inside their quiet hours, and none gets more than one a local day — except the two this
script asks for on purpose: a link the counselor sent with *send now*, and one a partner
asked for from the page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    Assignment,
    CheckInSource,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
    Partner,
)
from counselor.services.delivery import mail, notifications, outbox, quiet_hours, reminders
from counselor.services.homework.assignments import AssignmentInput, assign_homework
from counselor.services.homework.checkins import CheckInInput, record_checkin
from tests.support import factories

# Monday 26 October 2026. London left summer time the day before; Los Angeles leaves it
# on Sunday 1 November, inside the week; Kolkata keeps one offset all year.
MONDAY = date(2026, 10, 26)
START = datetime.combine(MONDAY - timedelta(days=1), time(0, 7), tzinfo=UTC)
END = datetime.combine(MONDAY + timedelta(days=8), time(0, 7), tzinfo=UTC)
ZONES = ("America/Los_Angeles", "Europe/London", "Asia/Kolkata")


@pytest.fixture
def clock_start() -> datetime:
    return START


@dataclass
class Week:
    """What the services handed to workers right after a commit, and which emails the
    script asked to go whatever the hour."""

    handed_over: list[int] = field(default_factory=list)
    on_purpose: set[int] = field(default_factory=set)  # send now, asked for by the partner
    send_now: int | None = None


def local(zone: str, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.fixture
def week(app, monkeypatch) -> Week:
    """Records what the services hand to workers right after commit, as the after-commit
    dispatch would (the test then delivers it at once, as a worker would)."""
    state = Week()
    real = outbox.after_commit.batch_after_commit

    def record(task_name: str, items: list, chunk_size: int) -> None:
        if task_name == mail.EMAILS.deliver_task:
            state.handed_over.extend(items)
        else:
            real(task_name, items, chunk_size)

    monkeypatch.setattr(outbox.after_commit, "batch_after_commit", record)
    return state


def test_a_week_in_three_time_zones_sends_nothing_inside_quiet_hours(
    app, clock, smtp, counselor, actor, week
):
    la, london, kolkata = (
        factories.CoupleFactory(
            counselor=counselor, partners=[{"timezone": zone}, {"timezone": zone}]
        )
        for zone in ZONES
    )
    # Partners with quiet hours of their own, one pair of them in the afternoon.
    london.partners[1].quiet_start_hour, london.partners[1].quiet_end_hour = 22, 6
    london.partners[1].reminder_hour = 7
    kolkata.partners[1].quiet_start_hour, kolkata.partners[1].quiet_end_hour = 12, 16
    kolkata.partners[1].reminder_hour = 10
    # A couple across the world: one step, two partners, two local times.
    apart = factories.CoupleFactory(
        counselor=counselor,
        partners=[{"timezone": "America/Los_Angeles"}, {"timezone": "Asia/Kolkata"}],
    )
    db.session.commit()

    def assign(couple, title: str) -> None:
        assign_homework(
            actor,
            couple.id,
            AssignmentInput(
                assignee="each",
                rung_id=factories.rung(1).id,
                title=title,
                instructions="Ask for one small thing.",
                times_per_week=3,
                starts_on=MONDAY,
                due_on=MONDAY + timedelta(days=6),
            ),
        )

    def send_link(partner: Partner, send_now: bool = False) -> None:
        email = notifications.send_link(actor, partner.id, send_now=send_now)
        if send_now:
            week.on_purpose.add(email.id)
            week.send_now = email.id

    def ask_for_link(partner: Partner) -> None:
        notifications.request_fresh_link(partner.email)
        newest = db.session.scalar(
            sa.select(OutboxEmail.id)
            .where(OutboxEmail.partner_id == partner.id)
            .order_by(OutboxEmail.id.desc())
        )
        week.on_purpose.add(newest)

    def check_in(partner: Partner, couple) -> None:
        assignment = couple_steps(couple)[0]
        record_checkin(
            actor, assignment, CheckInInput(partner_id=partner.id, source=CheckInSource.DASHBOARD)
        )

    def mail_server_busy() -> None:
        smtp.reply_codes = [451, 451, 451]  # the next three emails are turned away for now

    # What counselors and partners do, at moments chosen to land in someone's night.
    script = [
        # Sunday 17:00 in Los Angeles is midnight in London and 05:30 on Monday in Kolkata.
        (local("America/Los_Angeles", MONDAY - timedelta(days=1), 17), lambda: assign(la, "LA 1")),
        (
            local("America/Los_Angeles", MONDAY - timedelta(days=1), 17, 5),
            lambda: assign(apart, "Apart 1"),
        ),
        (local("Europe/London", MONDAY, 23, 30), lambda: assign(london, "London 1")),
        (local("Asia/Kolkata", MONDAY, 13), lambda: assign(kolkata, "Kolkata 1")),
        (local("Asia/Kolkata", MONDAY, 13, 20), lambda: send_link(kolkata.partners[0])),
        (local("Europe/London", MONDAY + timedelta(days=1), 17, 50), mail_server_busy),
        (
            local("Europe/London", MONDAY + timedelta(days=1), 17, 55),
            lambda: assign(london, "London 2"),
        ),
        (
            local("America/Los_Angeles", MONDAY + timedelta(days=1), 22),
            lambda: send_link(la.partners[1]),
        ),
        (
            local("America/Los_Angeles", MONDAY + timedelta(days=2), 2),
            lambda: send_link(la.partners[0], send_now=True),
        ),
        (
            local("Europe/London", MONDAY + timedelta(days=2), 3),
            lambda: ask_for_link(london.partners[0]),
        ),
        (
            local("Asia/Kolkata", MONDAY + timedelta(days=2), 9),
            lambda: check_in(kolkata.partners[0], kolkata),
        ),
        (
            local("Asia/Kolkata", MONDAY + timedelta(days=3), 23),
            lambda: assign(kolkata, "Kolkata 2"),
        ),
        (
            local("America/Los_Angeles", MONDAY + timedelta(days=4), 20, 59),
            lambda: assign(apart, "Apart 2"),
        ),
        (
            local("Europe/London", MONDAY + timedelta(days=5), 21, 30),
            lambda: send_link(london.partners[1]),
        ),
        # Saturday night into Sunday, as Los Angeles turns its clocks back.
        (
            local("America/Los_Angeles", MONDAY + timedelta(days=5), 23, 30),
            lambda: assign(la, "LA 2"),
        ),
    ]
    script.sort(key=lambda entry: entry[0])

    moment = START
    while moment < END:
        clock.set(moment)
        while script and script[0][0] <= moment:
            _at, action = script.pop(0)
            action()
            db.session.commit()  # the request's commit
            deliver(week.handed_over)  # the worker it woke up, straight away
        reminders.plan_reminders(moment)  # beat, every five minutes in production
        db.session.commit()
        deliver(week.handed_over)
        deliver(outbox.due_ids(mail.EMAILS, limit=1000))  # beat's sweep
        moment += timedelta(hours=1)

    assert script == []
    sent = db.session.scalars(
        sa.select(OutboxEmail)
        .where(OutboxEmail.status == OutboxStatus.SENT, OutboxEmail.partner_id.is_not(None))
        .order_by(OutboxEmail.sent_at)
    ).all()
    assert len(sent) == len(smtp.messages)

    inside_quiet_hours = {e.id for e in sent if quiet_hours.in_quiet_hours(e.partner, e.sent_at)}
    # Only what was asked for at night: the send-now link went at 02:07 in Los Angeles. The
    # link a London partner asked for at 03:00 met the busy mail server and, as a retry,
    # waited for the morning like any other.
    assert inside_quiet_hours == {week.send_now}
    assert week.send_now in week.on_purpose
    per_day = Counter(
        (e.partner_id, quiet_hours.local_day(e.partner, e.sent_at))
        for e in sent
        if e.id not in week.on_purpose
    )
    assert max(per_day.values()) == 1, per_day

    # Everything that was wanted did go out, later if it had to wait.
    partners = [p for couple in (la, london, kolkata, apart) for p in couple.partners]
    kinds = Counter(e.kind for e in sent)
    assert kinds[EmailKind.NEW_STEP] >= len(partners)
    assert kinds[EmailKind.REMINDER] > 0 and kinds[EmailKind.LINK] >= 3
    assert {e.partner_id for e in sent} == {p.id for p in partners}
    left = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.status == OutboxStatus.PENDING)
    ).all()
    assert all(e.next_attempt_at and e.next_attempt_at > clock.now for e in left), left
    assert not smtp.reply_codes  # the mail server's refusals were met on the way


def couple_steps(couple) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Assignment.id)
            .where(Assignment.couple_id == couple.id)
            .order_by(Assignment.id)
        )
    )


def deliver(ids: list[int]) -> None:
    """What a worker does with a task: these rows, once (the list is emptied)."""
    wanted = list(dict.fromkeys(ids))
    ids.clear()
    if wanted:
        outbox.deliver(mail.EMAILS, wanted)
