"""services/delivery/quiet_hours.py and the one reminder-hour check: when a partner may hear
from us, the hour offered instead of one inside quiet hours, and the daily cap."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, EmailKind, OutboxEmail, OutboxStatus
from counselor.services.couples import links, preferences
from counselor.services.couples.couples import CoupleInput, PartnerInput, update_couple
from counselor.services.delivery import quiet_hours, reminders
from counselor.services.delivery.quiet_hours import QuietHours
from counselor.services.errors import InvalidInput
from tests.support import factories
from tests.support.helpers import row_counts

pytestmark = pytest.mark.usefixtures("clock", "actor")  # actor: the practice in scope

NIGHT = QuietHours(21, 8)  # the default: 21:00 to 08:00, across midnight


@pytest.mark.parametrize(
    ("quiet", "hour", "inside"),
    [
        (NIGHT, 20, False),
        (NIGHT, 21, True),
        (NIGHT, 0, True),
        (NIGHT, 7, True),
        (NIGHT, 8, False),
        (QuietHours(13, 15), 13, True),  # within one day
        (QuietHours(13, 15), 15, False),
        (QuietHours(9, 9), 9, False),  # equal hours: no quiet hours at all
    ],
)
def test_quiet_hours_run_from_start_to_end_on_the_wall_clock(quiet, hour, inside):
    assert quiet.contains(hour) is inside


@pytest.mark.parametrize(
    ("quiet", "hour", "nearest"),
    [
        (NIGHT, 7, 8),  # an hour before they end: the end
        (NIGHT, 22, 20),  # an hour after they begin: the hour before
        (NIGHT, 2, 8),  # six hours either way: the morning
        (NIGHT, 18, 18),  # allowed: itself
        (QuietHours(9, 8), 12, 8),  # 23 quiet hours: the one hour left
        (QuietHours(13, 15), 14, 15),
    ],
)
def test_the_nearest_allowed_hour(quiet, hour, nearest):
    assert quiet.nearest_allowed(hour) == nearest
    assert not quiet.contains(quiet.nearest_allowed(hour))


def test_the_refusal_names_the_hour_the_quiet_hours_and_the_nearest_hour():
    assert quiet_hours.reminder_hour_problem(7, 21, 8) == (
        "07:00 is in your quiet hours (21:00–08:00). The nearest hour we can use is 08:00."
    )
    assert quiet_hours.reminder_hour_problem(22, 21, 8, whose="Sam's") == (
        "22:00 is in Sam's quiet hours (21:00–08:00). The nearest hour we can use is 20:00."
    )
    assert quiet_hours.reminder_hour_problem(18, 21, 8) is None


def test_a_partner_choosing_an_hour_in_quiet_hours_is_refused_and_nothing_changes(partner):
    before = row_counts()

    with pytest.raises(InvalidInput) as refused:
        preferences.set_reminder_hour(links.partner_actor(partner), partner, 7)

    assert refused.value.errors == {
        "reminder_hour": [
            "07:00 is in your quiet hours (21:00–08:00). The nearest hour we can use is 08:00."
        ]
    }
    assert partner.reminder_hour == 18
    assert row_counts() == before


def test_a_partner_choosing_an_allowed_hour_gets_it_audited(partner):
    preferences.set_reminder_hour(links.partner_actor(partner), partner, 8)

    assert partner.reminder_hour == 8
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == partner.id)
    ) == ("partner.reminder_hour")


def _as_input(couple, **first_changes) -> CoupleInput:
    partners = [PartnerInput.of(p) for p in couple.partners]
    for name, value in first_changes.items():
        setattr(partners[0], name, value)
    return CoupleInput(label=couple.label, partners=partners, counselor_id=couple.counselor_id)


def test_the_counselor_is_refused_an_hour_in_quiet_hours_with_the_same_offer(actor, couple):
    first = couple.partners[0]

    with pytest.raises(InvalidInput) as refused:
        update_couple(actor, couple.id, _as_input(couple, reminder_hour=6))

    assert refused.value.errors == {
        "partners.0.reminder_hour": [
            f"06:00 is in {first.first_name}'s quiet hours (21:00–08:00). "
            "The nearest hour we can use is 08:00."
        ]
    }


def test_new_quiet_hours_that_swallow_the_reminder_hour_are_refused_too(actor, couple):
    """Reminders at 18:00, quiet hours moved to start at 17:00: the same refusal, offering
    the last hour before them (or the counselor changes the quiet hours)."""
    first = couple.partners[0]
    db.session.commit()
    before = row_counts()

    with pytest.raises(InvalidInput) as refused:
        update_couple(actor, couple.id, _as_input(couple, quiet_start_hour=17))

    assert refused.value.errors == {
        "partners.0.reminder_hour": [
            f"18:00 is in {first.first_name}'s quiet hours (17:00–08:00). "
            "The nearest hour we can use is 16:00."
        ]
    }
    db.session.rollback()
    assert row_counts() == before
    update_couple(actor, couple.id, _as_input(couple, quiet_start_hour=17, reminder_hour=16))
    assert (first.reminder_hour, first.quiet_start_hour) == (16, 17)


def test_a_row_from_before_the_check_is_sent_and_shown_at_the_nearest_allowed_hour(couple):
    """A reminder hour stored inside quiet hours before forms refused it: the planner and
    every page use the same hour, the nearest allowed one, not the stored one."""
    partner = couple.partners[0]
    partner.reminder_hour = 22

    assert quiet_hours.reminder_hour(partner) == 20
    assert reminders.reminder_time(partner) == time(20)


def test_the_next_allowed_moment_is_now_when_now_is_allowed(partner, clock):
    # Noon in Chicago.
    assert quiet_hours.next_allowed_moment(partner, clock.now) == clock.now


def test_inside_quiet_hours_the_next_allowed_moment_is_when_they_end(partner, clock):
    chicago = ZoneInfo("America/Chicago")
    late = datetime(2026, 5, 13, 22, 30, tzinfo=chicago)

    moment = quiet_hours.next_allowed_moment(partner, late.astimezone(UTC))

    assert moment.astimezone(chicago) == datetime(2026, 5, 14, 8, 0, tzinfo=chicago)


def test_a_day_that_had_its_email_sends_the_next_one_on_the_next_allowed_day(partner, clock):
    chicago = ZoneInfo("America/Chicago")
    factories_email(partner, sent_at=clock.now - timedelta(hours=2))  # 10:00 today

    booked = quiet_hours.booked_days([partner], clock.now)[partner.id]
    moment = quiet_hours.next_allowed_moment(partner, clock.now, booked)

    assert booked == {date(2026, 5, 13): 1}
    assert moment.astimezone(chicago) == datetime(2026, 5, 14, 8, 0, tzinfo=chicago)


def test_the_cap_counts_emails_waiting_for_their_moment_but_not_failed_or_cancelled(partner, clock):
    tomorrow_morning = clock.now + timedelta(hours=20)  # Thursday 08:00 in Chicago
    factories_email(partner, next_attempt_at=tomorrow_morning)
    factories_email(partner, status=OutboxStatus.FAILED)
    factories_email(partner, status=OutboxStatus.CANCELLED)
    factories_email(partner, kind=None)  # a counselor's email is not the partner's

    booked = quiet_hours.booked_days([partner], clock.now)[partner.id]

    assert booked == {date(2026, 5, 14): 1}


def factories_email(partner, kind=EmailKind.LINK, **fields) -> OutboxEmail:
    if kind is None:
        email = OutboxEmail(
            practice_id=partner.couple.practice_id,
            counselor_id=partner.couple.counselor_id,
            kind=EmailKind.COUNSELOR_DIGEST,
            **fields,
        )
    else:
        email = OutboxEmail(
            practice_id=partner.couple.practice_id, partner_id=partner.id, kind=kind, **fields
        )
    db.session.add(email)
    db.session.flush()
    return email


def test_quiet_hours_follow_the_wall_clock_across_a_daylight_saving_change(counselor):
    """London leaves summer time on Sunday 25 October 2026: 08:00 is still 08:00 local."""
    couple = factories.CoupleFactory(
        counselor=counselor, partners=[{"timezone": "Europe/London"}, {}]
    )
    partner = couple.partners[0]
    london = ZoneInfo("Europe/London")
    night = datetime(2026, 10, 24, 23, 0, tzinfo=london)

    moment = quiet_hours.next_allowed_moment(partner, night.astimezone(UTC))

    assert moment.astimezone(london) == datetime(2026, 10, 25, 8, 0, tzinfo=london)
    assert moment == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # GMT again by then
