"""The couple page's *Do reminders help?* and *Weekly check-in* say what the couple's and
each partner's state allows: no reminders for a paused or closed couple, a partner who
stopped emails or a cadence that is off; partners who can't answer the weekly check-in while
the couple is paused; and no on/off button for a closed or erased couple."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from counselor.extensions import db
from counselor.ladder import load_weekly_checkin
from counselor.models import CoupleStatus, ReminderCadence
from counselor.services.couples.links import partner_actor
from counselor.services.homework import weekly_checkin
from tests.support.clock import NOW

pytestmark = pytest.mark.usefixtures("clock")

KEYS = [item.key for item in load_weekly_checkin()]
TURN = re.compile(r"Turn (on|off) the weekly check-in")


def page(client, couple) -> str:
    response = client.get(f"/couples/{couple.id}")
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).replace("&#39;", "'").split())


def reminders_of(html: str, partner) -> str:
    match = re.search(rf'id="reminders-{partner.id}-h".*?</article>', html, re.S)
    assert match, "no reminders card"
    return match.group(0)


def test_an_active_couple_follows_the_cadence(logged_in, couple):
    alex, sam = couple.partners
    sam.snoozed_until = NOW + timedelta(days=3)
    db.session.commit()
    html = page(logged_in, couple)
    assert "Reminders follow the standard cadence (the practice's)." in reminders_of(html, alex)
    sam_card = reminders_of(html, sam)
    assert "Reminders follow the standard cadence (the practice's)." in sam_card
    assert f"{sam.first_name} paused them until" in sam_card
    assert "No reminders" not in html


@pytest.mark.parametrize(
    ("status", "words"),
    [(CoupleStatus.PAUSED, "the couple is paused"), (CoupleStatus.CLOSED, "the couple is closed")],
)
def test_a_paused_or_closed_couple_gets_no_reminders(logged_in, couple, status, words):
    couple.status = status
    db.session.commit()
    html = page(logged_in, couple)
    for partner in couple.partners:
        card = reminders_of(html, partner)
        assert f"No reminders: {words}." in card and "Reminders follow" not in card


def test_stopped_emails_or_a_cadence_off_mean_no_reminders(logged_in, couple):
    alex, sam = couple.partners
    alex.unsubscribed_at = NOW - timedelta(days=1)
    sam.reminder_cadence = ReminderCadence.OFF
    db.session.commit()
    html = page(logged_in, couple)
    assert f"No reminders: {alex.first_name} stopped emails." in reminders_of(html, alex)
    assert f"No reminders: the cadence is off for {sam.first_name}." in reminders_of(html, sam)

    couple.practice.reminder_cadence = ReminderCadence.OFF
    db.session.commit()
    assert "No reminders: the cadence is off (the practice's)." in reminders_of(
        page(logged_in, couple), sam
    )


def test_a_paused_couples_partners_cannot_answer_the_weekly_checkin(logged_in, couple):
    couple.weekly_checkin = True
    couple.status = CoupleStatus.PAUSED
    db.session.commit()
    html = page(logged_in, couple)
    assert "Paused: partners can't answer now; nobody has answered yet." in html
    assert "Neither partner has answered yet" not in html
    assert "Turn off the weekly check-in" in html  # still the counselor's to change

    couple.weekly_checkin = False
    db.session.commit()
    assert "once the couple is active again" in page(logged_in, couple)


def test_answers_stay_while_paused(logged_in, actor, couple):
    couple.weekly_checkin = True
    alex = couple.partners[0]
    weekly_checkin.record_answers(partner_actor(alex), alex, dict.fromkeys(KEYS, 3))
    couple.status = CoupleStatus.PAUSED
    db.session.commit()
    html = page(logged_in, couple)
    assert "Paused: partners can't answer now; the answers given so far stay here." in html
    assert "Mean score per week" in html


@pytest.mark.parametrize("erased", [False, True])
@pytest.mark.parametrize("on", [False, True])
def test_a_closed_or_erased_couple_has_no_on_off_button(logged_in, couple, erased, on):
    couple.status = CoupleStatus.CLOSED
    couple.weekly_checkin = on
    couple.erased_at = NOW - timedelta(days=1) if erased else None
    db.session.commit()
    html = page(logged_in, couple)
    assert not TURN.search(html)
    assert f"/couples/{couple.id}/weekly-checkin" not in html
    if on:
        assert "Closed: partners can't answer any more; nobody has answered yet." in html
    else:
        assert "Off. The couple is closed." in html
