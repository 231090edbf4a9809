"""The partner's *Remind me at*: an hour inside their quiet hours is refused on the page,
offering the nearest hour that works; what the page then says is the hour reminders go."""

from __future__ import annotations

import html
import re

import pytest

from counselor.extensions import db
from counselor.models import LinkPurpose
from counselor.services.couples import links
from counselor.services.delivery import reminders
from tests.support.helpers import row_counts

pytestmark = pytest.mark.usefixtures("clock", "actor")


@pytest.fixture
def token(partner) -> str:
    token = links.issue_link(partner, LinkPurpose.HOMEWORK)
    db.session.commit()
    return token


def test_an_hour_inside_quiet_hours_is_refused_with_the_nearest_hour(client, partner, token):
    before = row_counts()

    response = client.post(f"/p/{token}/reminder-hour", data={"reminder_hour": "7"})

    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert (
        "07:00 is in your quiet hours (21:00–08:00). The nearest hour we can use is 08:00."
    ) in page
    assert 'role="alert"' in page
    db.session.expire_all()
    assert partner.reminder_hour == 18
    assert row_counts() == before


def test_an_allowed_hour_is_kept_and_the_page_tells_the_hour_reminders_come(client, partner, token):
    response = client.post(f"/p/{token}/reminder-hour", data={"reminder_hour": "8"})

    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "reminders come at 08:00 your time" in page
    db.session.expire_all()
    assert reminders.reminder_time(partner).hour == partner.reminder_hour == 8


def test_the_page_offers_only_hours_outside_quiet_hours_and_names_them(client, partner, token):
    partner.quiet_start_hour, partner.quiet_end_hour = 22, 7
    db.session.commit()

    page = html.unescape(client.get(f"/p/{token}").get_data(as_text=True))

    offered = re.findall(r'<option (?:selected )?value="(\d+)"', page)
    assert offered == [str(hour) for hour in range(7, 22)]
    assert "No emails come in your quiet hours (22:00–07:00)." in page


@pytest.mark.parametrize("posted", ["", "seven", "-1", "24"])
def test_an_hour_that_is_not_an_hour_is_refused_plainly(client, partner, token, posted):
    before = row_counts()

    response = client.post(f"/p/{token}/reminder-hour", data={"reminder_hour": posted})

    assert response.status_code == 422
    assert "Choose an hour from 0 to 23." in response.get_data(as_text=True)
    db.session.expire_all()
    assert partner.reminder_hour == 18
    assert row_counts() == before
