"""The weekly check-in behind the partner's link: the card on the homework page, one screen
of radio groups, every answer required, a thank-you back on the homework page, and "change
your answers" once answered. Off, or for a paused couple, there is no form."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.ladder import load_weekly_checkin
from counselor.models import AuditEvent, CoupleStatus, LinkPurpose, WeeklyAnswer
from counselor.services.couples import links
from tests.support.helpers import count_rows

pytestmark = pytest.mark.usefixtures("clock", "actor")

KEYS = [item.key for item in load_weekly_checkin()]
NOTE = "A practice tool to talk about in your sessions, not a clinical test"


@pytest.fixture
def on(couple):
    couple.weekly_checkin = True
    db.session.commit()
    return couple


@pytest.fixture
def token(partner) -> str:
    token = links.issue_link(partner, LinkPurpose.HOMEWORK)
    db.session.commit()
    return token


def every(score: int, **overrides: str) -> dict[str, str]:
    return {f"item-{key}": str(score) for key in KEYS} | {
        f"item-{k}": v for k, v in overrides.items()
    }


def test_the_card_is_not_there_while_the_check_in_is_off(client, couple, token):
    html = client.get(f"/p/{token}").get_data(as_text=True)
    assert "This week's check-in" not in html
    page = client.get(f"/p/{token}/weekly").get_data(as_text=True)
    assert "isn't on for you right now" in page
    assert 'type="radio"' not in page


def test_card_page_answer_thank_you_and_change(client, on, partner, token):
    home = client.get(f"/p/{token}").get_data(as_text=True)
    assert "This week's check-in" in home
    assert "6 quick questions, under a minute." in home
    assert f'href="/p/{token}/weekly"' in home
    assert NOTE in home

    page = client.get(f"/p/{token}/weekly").get_data(as_text=True)
    assert page.count('type="radio"') == 6 * 5
    assert all(item.text.replace("'", "&#39;") in page for item in load_weekly_checkin())
    assert "1 – I kept it to myself" in page and "5 – I shared it" in page
    assert NOTE in page

    response = client.post(f"/p/{token}/weekly", data=every(4))
    assert response.status_code == 302
    assert response.location.endswith(f"/p/{token}?notice=weekly#weekly-checkin")
    home = client.get(f"/p/{token}?notice=weekly").get_data(as_text=True)
    assert "Thank you — your answers for this week are saved." in home
    assert "Answered this week." in home and "Change your answers" in home
    assert count_rows(WeeklyAnswer) == 6

    page = client.get(f"/p/{token}/weekly").get_data(as_text=True)
    assert len(re.findall(r'value="4" checked', page)) == 6  # this week's answers filled in
    client.post(f"/p/{token}/weekly", data=every(4, **{KEYS[0]: "1"}))
    scores = db.session.scalars(sa.select(WeeklyAnswer.score).order_by(WeeklyAnswer.id)).all()
    assert sorted(scores) == [1, 4, 4, 4, 4, 4]
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.actor_type, event.object_id) == (
        "weekly_checkin.answered",
        "partner",
        partner.id,
    )


def test_a_missing_answer_writes_nothing_and_says_which(client, on, token):
    data = every(3)
    del data[f"item-{KEYS[2]}"]
    data[f"item-{KEYS[4]}"] = "9"

    response = client.post(f"/p/{token}/weekly", data=data)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "2 are still open" in html
    assert html.count("Choose a number from 1 to 5.") == 2
    # The problem first, then what 1 and 5 mean; an answered question has only those.
    assert f'aria-describedby="q-{KEYS[2]}-error q-{KEYS[2]}-ends"' in html
    assert f'aria-describedby="q-{KEYS[0]}-ends"' in html
    assert len(re.findall(r'value="3" checked', html)) == 4  # what was chosen stays chosen
    assert count_rows(WeeklyAnswer) == 0


def test_a_paused_couple_gets_no_form(client, on, token):
    on.status = CoupleStatus.PAUSED
    db.session.commit()
    assert client.get(f"/p/{token}/weekly").status_code == 404  # the link itself is refused
    assert client.post(f"/p/{token}/weekly", data=every(3)).status_code == 404
    assert count_rows(WeeklyAnswer) == 0


def test_a_post_while_off_changes_nothing(client, couple, token):
    response = client.post(f"/p/{token}/weekly", data=every(3))
    assert response.status_code == 409
    assert count_rows(WeeklyAnswer) == 0


def test_turned_off_after_the_form_loaded_says_nothing_was_saved(client, on, token):
    page = client.get(f"/p/{token}/weekly").get_data(as_text=True)
    assert 'type="radio"' in page
    on.weekly_checkin = False  # the counselor turns it off while the partner answers
    db.session.commit()

    response = client.post(f"/p/{token}/weekly", data=every(3))

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "The weekly check-in is closed now; nothing was saved." in html
    assert 'type="radio"' not in html
    assert count_rows(WeeklyAnswer) == 0
    again = client.get(f"/p/{token}/weekly").get_data(as_text=True)
    assert "nothing was saved" not in again  # only the POST that was refused says it


@pytest.mark.usefixtures("csrf_checked")
def test_without_its_csrf_token_nothing_is_saved(client, on, token):
    response = client.post(f"/p/{token}/weekly", data=every(3))
    assert response.status_code == 400
    assert count_rows(WeeklyAnswer) == 0

    page = client.get(f"/p/{token}/weekly").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert (
        client.post(f"/p/{token}/weekly", data=every(3) | {"csrf_token": csrf}).status_code == 302
    )
    assert count_rows(WeeklyAnswer) == 6


def test_the_counselors_preview_draws_the_card_without_a_link(logged_in, on, partner):
    html = logged_in.get(f"/partners/{partner.id}/preview").get_data(as_text=True)
    assert "This week's check-in" in html
    assert "/weekly" not in html
