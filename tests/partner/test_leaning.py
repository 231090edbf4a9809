"""The partner who was leaned on, on their page: the invitation, the answer (a POST with a
CSRF token, once), the answers shared back, and nothing for anyone else's check-ins."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from counselor.extensions import db
from counselor.models import Acknowledgement, Assignee, Noticed, Visibility
from tests.partner.test_pages import issue, page
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import count_rows, row_counts

pytestmark = pytest.mark.usefixtures("clock", "actor")

GONE = "This check-in isn't here"


@pytest.fixture
def step(couple):
    return factories.AssignmentFactory(
        couple=couple,
        title="Ask their view on a work email",
        leans_on_partner=True,
        starts_on=TODAY - timedelta(weeks=3),
    )


@pytest.fixture
def alex(couple):
    return couple.partners[0]


@pytest.fixture
def sam(couple):
    return couple.partners[1]


@pytest.fixture
def leaned(step, alex):
    return factories.CheckInFactory(assignment=step, partner=alex, occurred_on=TODAY)


def answer(client, token, check_in, **fields):
    data = {"noticed": "yes", **fields}
    return client.post(f"/p/{token}/leaned-on/{check_in.id}", data=data)


def test_the_other_partner_sees_the_invitation(client, alex, sam, leaned):
    html = page(client, issue(sam))

    assert (
        f"{alex.first_name} says they leaned on you today "
        "(asked your view on a work email).</strong> Did you notice? How did it feel to be "
        "asked?"
    ) in html
    assert f'action="/p/{issue(sam)}/leaned-on/{leaned.id}"' not in html  # a new token
    assert re.search(rf'action="/p/[^"]+/leaned-on/{leaned.id}"', html)
    assert "leaned on you" not in page(client, issue(alex))  # never on the leaner's page


def test_an_older_act_names_its_day_and_more_are_counted(client, step, alex, sam):
    for days in (8, 9, 10, 11):
        factories.CheckInFactory(
            assignment=step, partner=alex, occurred_on=TODAY - timedelta(days=days)
        )
    html = page(client, issue(sam))
    assert "leaned on you on Tuesday, May 5 (asked" in html
    assert "And 1 more from the last two weeks" in html


def test_answering_records_once_and_thanks(client, alex, sam, leaned):
    token = issue(sam)

    response = answer(client, token, leaned, felt_valued="5", note="Felt trusted.")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/p/{token}?notice=acknowledged#leaning")
    [ack] = db.session.scalars(db.select(Acknowledgement)).all()
    assert (ack.noticed, ack.felt_valued, ack.note) == (Noticed.YES, 5, "Felt trusted.")
    assert ack.visibility == Visibility.COUNSELOR
    html = page(client, token + "?notice=acknowledged")
    assert "Thank you for answering. Your counselor will read it." in html
    assert "says they leaned on you" not in html  # answered: no longer invited
    assert "Felt trusted." in html and "Only your counselor reads this." in html
    assert "Felt trusted." not in page(client, issue(alex))  # not shared

    again = answer(client, token, leaned, noticed="no", note="Other words")
    assert again.status_code == 302
    assert count_rows(Acknowledgement) == 1
    db.session.expire_all()
    assert db.session.get(Acknowledgement, ack.id).note == "Felt trusted."


def test_a_shared_answer_reaches_the_leaner_and_can_be_taken_back(client, alex, sam, leaned):
    token = issue(sam)
    answer(client, token, leaned, felt_valued="4", note="Nice to be asked", share_with_partner="y")
    assert "Nice to be asked" in page(client, issue(alex))
    [ack] = db.session.scalars(db.select(Acknowledgement)).all()

    refused = client.post(f"/p/{issue(alex)}/acknowledgements/{ack.id}/stop-sharing")
    assert refused.status_code == 404
    response = client.post(f"/p/{token}/acknowledgements/{ack.id}/stop-sharing")

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Acknowledgement, ack.id).visibility == Visibility.COUNSELOR
    assert "Nice to be asked" not in page(client, issue(alex))


def test_a_missing_choice_comes_back_with_its_words_and_writes_nothing(client, sam, leaned):
    before = row_counts()
    response = client.post(
        f"/p/{issue(sam)}/leaned-on/{leaned.id}", data={"note": "Kept words", "felt_valued": "3"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose whether you noticed: yes, not sure or no." in html
    assert "Kept words</textarea>" in html
    assert 'value="3" checked' in html
    after = row_counts()
    assert {k: v for k, v in after.items() if k != "client_links"} == {
        k: v for k, v in before.items() if k != "client_links"
    }


@pytest.mark.parametrize("fields", [{"noticed": "maybe"}, {"felt_valued": "9"}])
def test_a_bad_value_is_refused(client, sam, leaned, fields):
    assert answer(client, issue(sam), leaned, **fields).status_code == 422
    assert count_rows(Acknowledgement) == 0


def test_nobody_else_can_answer_and_learns_nothing(client, couple, counselor, alex, sam, leaned):
    together = factories.CheckInFactory(
        assignment=factories.AssignmentFactory(
            couple=couple, assignee=Assignee.TOGETHER, leans_on_partner=True, title="Together"
        ),
        partner=alex,
    )
    stranger = factories.CoupleFactory(counselor=counselor).partners[0]
    elsewhere = factories.CoupleFactory().partners[0]  # another practice
    for who, check_in in [
        (alex, leaned),  # their own act
        (stranger, leaned),  # another couple's
        (elsewhere, leaned),  # another practice's
        (sam, together),  # done together: no leaning act
    ]:
        response = answer(client, issue(who), check_in)
        assert response.status_code == 404
        assert GONE in response.get_data(as_text=True)
    assert count_rows(Acknowledgement) == 0


def test_answering_needs_the_csrf_token(client, app, csrf_checked, sam, leaned):
    token = issue(sam)
    assert answer(client, token, leaned).status_code == 400
    html = page(client, token)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert answer(client, token, leaned, csrf_token=csrf).status_code == 302
    assert count_rows(Acknowledgement) == 1


def test_the_counselor_s_preview_draws_the_invitation_without_a_form(
    logged_in, couple, sam, leaned
):
    response = logged_in.get(f"/partners/{sam.id}/preview")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "says they leaned on you" in html
    assert "/leaned-on/" not in html
