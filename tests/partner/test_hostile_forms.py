"""The partner's forms apply the API's bounds (issue 12, finding 2): a reflection that
can't be stored (a NUL) or is too long is refused with the page shown again and the text
still in its box — no word lost, nothing written, never a 500. A step or check-in that is
not the partner's answers 404 (finding 9), whatever its id."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Assignee, CheckIn, Visibility
from tests.partner.test_pages import INVALID, checkin_key, issue, mark_done, page
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import row_counts

pytestmark = pytest.mark.usefixtures("clock", "actor")

NUL_REFUSED = "Text may not contain NUL characters."


@pytest.fixture
def step(couple):
    return factories.AssignmentFactory(
        couple=couple, title="Share a minor worry", starts_on=TODAY - timedelta(weeks=2)
    )


@pytest.fixture
def token(partner) -> str:
    return issue(partner)


def textarea(response) -> str:
    found = re.search(
        r'<textarea[^>]*name="reflection"[^>]*>(.*?)</textarea>',
        response.get_data(as_text=True),
        re.DOTALL,
    )
    assert found, "the reflection box is not on the page"
    return html.unescape(found.group(1)).strip("\r\n")


def test_a_nul_in_a_reflection_is_refused_and_the_text_kept_in_its_box(client, token, step):
    before = row_counts()

    response = mark_done(client, token, step, reflection="I asked\x00 for help.")

    assert response.status_code == 422
    assert NUL_REFUSED in html.unescape(response.get_data(as_text=True))
    assert textarea(response) == "I asked for help."  # every word, less the NUL
    assert row_counts() == before

    again = mark_done(client, token, step, reflection=textarea(response))
    assert again.status_code == 302
    assert db.session.scalar(sa.select(CheckIn.reflection)) == "I asked for help."


def test_a_reflection_of_100k_characters_is_refused_and_kept_in_its_box(client, token, step):
    before = row_counts()
    words = "I asked. " * 11_112  # 100,008 characters

    response = mark_done(client, token, step, reflection=words)

    assert response.status_code == 422
    assert "Keep it to 2000 characters or fewer." in response.get_data(as_text=True)
    assert textarea(response) == words
    assert row_counts() == before


def test_a_checkin_key_over_64_characters_is_refused(client, token, step):
    before = row_counts()

    response = client.post(
        f"/p/{token}/steps/{step.id}/done",
        data={"checkin_key": f"link:{step.id}:" + "k" * 64, "when": "0"},
    )

    assert response.status_code == 422
    assert row_counts() == before


def test_a_nul_in_a_changed_reflection_is_refused_and_the_text_kept(client, token, partner, step):
    mine = factories.CheckInFactory(
        assignment=step,
        partner=partner,
        occurred_on=TODAY,
        reflection="Before.",
        visibility=Visibility.COUNSELOR,
    )
    before = row_counts()

    response = client.post(
        f"/p/{token}/checkins/{mine.id}/edit",
        data={"day": TODAY.isoformat(), "comfort": "4", "reflection": "After\x00wards."},
    )

    assert response.status_code == 422
    assert NUL_REFUSED in html.unescape(response.get_data(as_text=True))
    assert textarea(response) == "Afterwards."
    db.session.expire_all()
    assert mine.reflection == "Before."
    assert row_counts() == before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "\x00"])
def test_a_changed_checkin_s_impossible_day_is_refused(client, token, partner, step, day):
    mine = factories.CheckInFactory(assignment=step, partner=partner, occurred_on=TODAY)
    before = row_counts()

    response = client.post(
        f"/p/{token}/checkins/{mine.id}/edit", data={"day": day, "reflection": "Fine."}
    )

    assert response.status_code == 422
    assert row_counts() == before


def test_a_step_of_another_couple_of_the_practice_answers_like_a_missing_one(
    client, counselor, token
):
    neighbour = factories.AssignmentFactory(couple=factories.CoupleFactory(counselor=counselor))
    before = row_counts()

    response = client.post(
        f"/p/{token}/steps/{neighbour.id}/done",
        data={"checkin_key": f"link:{neighbour.id}:0", "when": "0"},
    )
    missing = client.post(
        f"/p/{token}/steps/{2**31 - 1}/done",
        data={"checkin_key": f"link:{2**31 - 1}:0", "when": "0"},
    )

    assert response.status_code == missing.status_code == 404
    assert INVALID in response.get_data(as_text=True)
    assert row_counts() == before


def test_the_other_partner_s_own_step_answers_404(client, couple, token):
    theirs = factories.AssignmentFactory(
        couple=couple,
        assignee=Assignee.PARTNER,
        assignee_partner_id=couple.partners[1].id,
        starts_on=TODAY - timedelta(weeks=1),
    )
    before = row_counts()

    response = client.post(
        f"/p/{token}/steps/{theirs.id}/done",
        data={"checkin_key": f"link:{theirs.id}:0", "when": "0"},
    )

    assert response.status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64, 10**30])
def test_ids_beyond_the_database_s_integers_answer_404(client, token, step, number):
    key = checkin_key(page(client, token), step.id)
    before = row_counts()

    responses = [
        client.post(f"/p/{token}/steps/{number}/done", data={"checkin_key": key, "when": "0"}),
        client.get(f"/p/{token}/checkins/{number}/edit"),
        client.post(f"/p/{token}/checkins/{number}/delete", data={"confirmed": "yes"}),
        client.get(f"/p/{token}/checkins/{number}/withdraw"),
    ]

    assert [r.status_code for r in responses] == [404] * 4
    assert row_counts() == before


@pytest.mark.parametrize("hour", ["²", "٣", "99999999999999999999999", "-1", "\x00"])
def test_a_reminder_hour_that_is_no_hour_is_refused(client, partner, token, hour):
    before = row_counts()

    response = client.post(f"/p/{token}/reminder-hour", data={"reminder_hour": hour})

    assert response.status_code in (302, 422)
    assert row_counts() == before
    db.session.expire_all()
    assert partner.reminder_hour == 18


@pytest.mark.parametrize("email", ["a\x00@example.org", "a@" + "b" * 300 + ".org"])
def test_a_fresh_link_for_an_address_that_can_t_be_one_is_refused(client, email):
    before = row_counts()

    response = client.post("/links/new", data={"email": email})

    assert response.status_code == 422
    assert row_counts() == before
