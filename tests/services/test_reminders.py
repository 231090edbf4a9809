"""Reminders at the right local time, once a day, never to people who should not get them."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    Assignment,
    CoupleStatus,
    EmailKind,
    OutboxEmail,
    ReminderCadence,
)
from counselor.services.audit import Actor
from counselor.services.delivery import reminders
from counselor.unit_of_work import unit_of_work
from tests.support import factories
from tests.support.helpers import count_statements

pytestmark = pytest.mark.usefixtures("actor")  # the test reads the counselor's practice

MONDAY = date(2026, 10, 26)  # New York leaves daylight saving on Sunday 1 November
SUNDAY = MONDAY + timedelta(days=6)


@pytest.fixture
def clock_start() -> datetime:
    return datetime.combine(MONDAY, time(), tzinfo=UTC)


def couple_in(zone, counselor, status=CoupleStatus.ACTIVE, **second):
    couple = factories.CoupleFactory(
        counselor=counselor,
        status=status,
        partners=[{"timezone": zone}, {"timezone": zone, **second}],
    )
    factories.AssignmentFactory(couple=couple, times_per_week=3, starts_on=MONDAY, due_on=SUNDAY)
    return couple


# Beat runs the planner every five minutes. The zones here are whole hours from UTC and
# the reminder hours whole hours, so a tick at :00 and one at :45 of every hour find what
# ticks every 15 minutes would: a reminder planned at any other minute (early or late by
# 15 minutes or more) is planned at :45 and fails the test's 18:00, and every hour has two
# ticks to try a second reminder the same day.
EVERY_HOUR_AND_BEFORE_IT = (0, 45)


def run_week(clock, minutes=EVERY_HOUR_AND_BEFORE_IT, deliver=None):
    """Beat's planner over the week at these minutes of every hour; ``deliver`` takes each
    tick's new reminders at once, as the worker woken after the planner's commit would."""
    hour = datetime.combine(MONDAY - timedelta(days=1), time(), tzinfo=UTC)
    while hour < datetime.combine(SUNDAY + timedelta(days=2), time(), tzinfo=UTC):
        for minute in sorted(minutes):
            moment = hour + timedelta(minutes=minute)
            clock.set(moment)
            planned = reminders.plan_reminders(moment)
            if deliver and planned:
                deliver(planned)
        hour += timedelta(hours=1)


def reminder_rows():
    return db.session.scalars(
        sa.select(OutboxEmail)
        .where(OutboxEmail.kind == EmailKind.REMINDER)
        .order_by(OutboxEmail.id)
    ).all()


def test_a_scripted_week_in_three_time_zones(app, clock, smtp, counselor):
    import tasks.outbox

    new_york = couple_in(
        "America/New_York", counselor, unsubscribed_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    berlin = couple_in("Europe/Berlin", counselor, snoozed_until=datetime(2026, 12, 1, tzinfo=UTC))
    tokyo = couple_in("Asia/Tokyo", counselor)
    on_target = tokyo.partners[1]
    assignment = db.session.scalar(sa.select(Assignment).where(Assignment.couple_id == tokyo.id))
    for day in (MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)):
        factories.CheckInFactory(assignment=assignment, partner=on_target, occurred_on=day)
    couple_in("America/Chicago", counselor, status=CoupleStatus.PAUSED)

    run_week(clock, deliver=tasks.outbox.deliver_emails)

    rows = reminder_rows()
    by_partner = Counter(row.partner_id for row in rows)
    expected_partners = {new_york.partners[0].id, berlin.partners[0].id, tokyo.partners[0].id}
    assert set(by_partner) == expected_partners
    # Monday (new step), Wednesday to Sunday (behind pace; Saturday also the day before due).
    assert all(count == 6 for count in by_partner.values()), by_partner
    for row in rows:
        zone = ZoneInfo(row.partner.timezone)
        local = row.created_at.astimezone(zone)
        assert local.time() == time(18, 0), (row.partner.timezone, local)
        assert local.date() != MONDAY + timedelta(days=1)  # Tuesday is not behind yet
    sunday_new_york = [
        r.created_at
        for r in rows
        if r.partner_id == new_york.partners[0].id
        and r.created_at.astimezone(ZoneInfo("America/New_York")).date() == SUNDAY
    ]
    assert sunday_new_york == [datetime(2026, 11, 1, 23, 0, tzinfo=UTC)]  # 18:00 EST

    received = Counter(mail.recipients[0] for mail in smtp.messages)
    assert received == {
        new_york.partners[0].email: 6,
        berlin.partners[0].email: 6,
        tokyo.partners[0].email: 6,
    }
    assert all("A gentle reminder" in mail.text for mail in smtp.messages)


def test_a_stored_reminder_hour_inside_quiet_hours_goes_at_the_nearest_allowed_hour(
    app, clock, counselor
):
    """Only a row from before forms refused such an hour; the pages show this hour too
    (``quiet_hours.reminder_hour``)."""
    couple = couple_in("UTC", counselor, reminder_hour=22)
    partner = couple.partners[1]
    assert reminders.reminder_time(partner) == time(20, 0)
    clock.set(datetime(2026, 10, 26, 20, 0, tzinfo=UTC))
    due = {r.partner.id: r for r in reminders.due_reminders(clock.now)}
    assert due[partner.id].reasons == ("new step",)


def test_nothing_before_the_reminder_hour_or_in_quiet_hours(app, clock, counselor):
    couple = couple_in("UTC", counselor)
    clock.set(datetime(2026, 10, 26, 17, 55, tzinfo=UTC))
    assert reminders.due_reminders(clock.now) == []
    clock.set(datetime(2026, 10, 26, 21, 30, tzinfo=UTC))  # after 18:00 but quiet from 21:00
    assert reminders.due_reminders(clock.now) == []
    clock.set(datetime(2026, 10, 26, 18, 0, tzinfo=UTC))
    assert {r.partner.id for r in reminders.due_reminders(clock.now)} == {
        p.id for p in couple.partners
    }


@pytest.mark.parametrize(
    ("cadence", "expected_days"),
    [
        (ReminderCadence.OFF, 0),
        (ReminderCadence.GENTLE, 2),  # the first day, the day before due
        (ReminderCadence.STANDARD, 6),
    ],
)
def test_practice_cadence(app, clock, counselor, cadence, expected_days):
    counselor.practice.reminder_cadence = cadence
    db.session.commit()
    couple = couple_in("UTC", counselor)
    run_week(clock, minutes=(0,))
    assert Counter(r.partner_id for r in reminder_rows()) == (
        {p.id: expected_days for p in couple.partners} if expected_days else {}
    )


# Two threads, two connections: they must see each other's commits.
@pytest.mark.committed_db
def test_two_planners_at_once_create_no_duplicate(app, clock, counselor):
    couple = couple_in("UTC", counselor)
    moment = datetime(2026, 10, 26, 18, 0, tzinfo=UTC)
    clock.set(moment)
    start = threading.Barrier(2)
    errors = []

    def planner():
        with app.app_context():
            start.wait()
            try:
                with unit_of_work():  # each beat task commits its own plan
                    reminders.plan_reminders(moment)
            except Exception as error:
                errors.append(error)

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    assert Counter(r.partner_id for r in reminder_rows()) == {p.id: 1 for p in couple.partners}
    reminders.plan_reminders(moment + timedelta(minutes=5))  # the next beat tick
    assert len(reminder_rows()) == 2


def test_preview_lists_the_coming_reminders_in_local_time(app, clock, counselor):
    couple = couple_in("Asia/Tokyo", counselor)
    clock.set(datetime(2026, 10, 25, 12, 0, tzinfo=UTC))  # Sunday evening in Tokyo
    planned = reminders.preview_reminders(Actor.for_counselor(counselor), couple.id)
    days = sorted({r.local_day for r in planned})
    assert days[0] == MONDAY and MONDAY + timedelta(days=1) not in days
    assert {r.local_time for r in planned} == {time(18, 0)}


def test_checkins_that_meet_the_target_stop_reminders(app, clock, counselor):
    couple = couple_in("UTC", counselor)
    assignment = db.session.scalar(sa.select(Assignment))
    for partner in couple.partners:
        factories.CheckInFactory.create_batch(
            3, assignment=assignment, partner=partner, occurred_on=MONDAY
        )
    db.session.commit()
    run_week(clock, minutes=(0,))
    assert reminder_rows() == []


def test_planning_costs_the_same_statements_for_one_practice_as_for_four(clock):
    """The planner reads every practice at once: more practices, no more statements."""
    monday_evening = datetime.combine(MONDAY, time(19), tzinfo=ZoneInfo("America/New_York"))

    def statements_to_plan():
        with count_statements() as counter:
            reminders.due_reminders(monday_evening)
        return counter.count

    couple_in("America/New_York", factories.CounselorFactory())
    one_practice = statements_to_plan()
    for _ in range(3):
        couple_in("America/New_York", factories.CounselorFactory())
    assert len(reminders.due_reminders(monday_evening)) == 8
    assert statements_to_plan() == one_practice


def test_a_counselor_replied_email_is_the_days_one_email(app, clock, counselor):
    """The daily cap counts every email a partner gets: after "a new note on your page"
    at noon, that partner's reminder waits for another day; the other partner's goes."""
    from counselor.services.delivery import notifications

    couple = couple_in("UTC", counselor)
    told, other = couple.partners
    clock.set(datetime(2026, 10, 26, 12, 0, tzinfo=UTC))
    assert notifications.email_counselor_replied(told) is not None

    clock.set(datetime(2026, 10, 26, 18, 0, tzinfo=UTC))
    assert {r.partner.id for r in reminders.due_reminders(clock.now)} == {other.id}
