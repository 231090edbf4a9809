"""The partner's pages behind emailed links: looking changes nothing, one click records once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    CheckIn,
    CoupleStatus,
    LinkPurpose,
    Visibility,
)
from counselor.services.couples import links
from tests.support import factories
from tests.support.clock import NOW, TODAY
from tests.support.helpers import count_statements, row_counts

INVALID = "This link no longer works"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


# ``actor``: the test's own queries see the couple's practice, as its link's pages do.
pytestmark = pytest.mark.usefixtures("clock", "actor")


@pytest.fixture
def step(couple):
    return factories.AssignmentFactory(
        couple=couple,
        title="Share a minor worry",
        instructions="Tell your partner about one small worry this week.",
        times_per_week=1,
        starts_on=TODAY - timedelta(weeks=2),
    )


@pytest.fixture
def other_step(couple):
    return factories.AssignmentFactory(
        couple=couple,
        title="Hand over a chore",
        instructions="Let them do the grocery run their way.",
        times_per_week=2,
        starts_on=TODAY - timedelta(weeks=2),
    )


@pytest.fixture
def token(partner) -> str:
    return issue(partner)


def issue(partner, purpose: LinkPurpose = LinkPurpose.HOMEWORK) -> str:
    token = links.issue_link(partner, purpose)
    db.session.commit()
    return token


def checkin_key(html: str, assignment_id: int) -> str:
    keys = re.findall(r'name="checkin_key" type="hidden" value="([^"]+)"', html)
    [key] = [k for k in keys if k.startswith(f"link:{assignment_id}:")]
    return key


def page(client, token: str) -> str:
    response = client.get(f"/p/{token}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def mark_done(client, token: str, step, **fields):
    data = {"checkin_key": checkin_key(page(client, token), step.id), "when": "0", **fields}
    return client.post(f"/p/{token}/steps/{step.id}/done", data=data)


def checkins() -> list[CheckIn]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CheckIn)))


def test_the_page_shows_the_partners_steps_and_instructions(client, partner, token, step):
    html = page(client, token)

    assert f"Hi {partner.first_name}" in html
    assert step.title in html
    assert step.instructions in html
    assert "0 of 1" in html


def test_opening_the_link_writes_nothing(client, token, step, other_step):
    before = row_counts()

    with count_statements() as counter:
        for _ in range(3):  # a mail scanner, a preview, then the partner
            assert client.get(f"/p/{token}").status_code == 200

    assert row_counts() == before
    assert [s for s in counter.statements if WRITES.match(s)] == []


def test_pages_are_not_cached_and_send_no_referrer(client, token, step):
    for response in (client.get(f"/p/{token}"), client.get("/p/not-a-real-token")):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_mark_done_records_one_checkin_and_confirms_what_is_left(
    client, partner, token, step, other_step
):
    response = mark_done(client, token, step, comfort="4", reflection="It went fine.")

    assert response.status_code == 302
    assert response.location.startswith(f"/p/{token}?done={step.id}")
    [check_in] = checkins()
    assert (check_in.partner_id, check_in.assignment_id) == (partner.id, step.id)
    assert (check_in.occurred_on, check_in.comfort) == (TODAY, 4)
    assert check_in.reflection == "It went fine."
    assert check_in.visibility == Visibility.COUNSELOR
    confirmation = client.get(response.location).get_data(as_text=True)
    assert "Marked done — thank you." in confirmation
    assert f"“{step.title}”: <strong>1 of 1</strong> this week." in confirmation
    assert "1 step still open this week." in confirmation


def test_posting_the_same_form_twice_records_one_checkin(client, token, step):
    data = {"checkin_key": checkin_key(page(client, token), step.id), "when": "0"}

    first = client.post(f"/p/{token}/steps/{step.id}/done", data=data)
    second = client.post(f"/p/{token}/steps/{step.id}/done", data=data)

    assert first.status_code == second.status_code == 302
    assert len(checkins()) == 1


def test_a_reflection_that_is_too_long_is_refused_at_the_field(client, token, step):
    before = row_counts()

    response = mark_done(client, token, step, reflection="x" * 2001)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<p class="error">Keep it to 2000 characters or fewer.</p>' in html
    assert row_counts() == before


def test_a_future_day_is_refused_and_writes_nothing(client, token, step):
    before = row_counts()

    response = mark_done(client, token, step, when="-1")

    assert response.status_code == 422
    assert row_counts() == before


def test_the_other_partners_private_reflection_never_shows(client, couple, token, step):
    other = couple.partners[1]
    for reflection, visibility in [
        ("Only my counselor should read this.", Visibility.COUNSELOR),
        ("I liked being asked.", Visibility.SHARED),
    ]:
        factories.CheckInFactory(
            assignment=step,
            partner=other,
            occurred_on=TODAY,
            reflection=reflection,
            visibility=visibility,
        )

    html = page(client, token)

    assert "I liked being asked." in html
    assert "Only my counselor should read this." not in html


def spoil(token: str, how: str, partner, couple, app, clock) -> str:
    if how == "tampered":
        return token[:-1] + ("A" if token[-1] != "A" else "B")
    if how == "expired":
        clock.advance(days=app.config["LINK_TTL_DAYS"], minutes=1)
    elif how == "revoked":
        links.revoke_links([partner.id])
        db.session.commit()
    elif how == "paused":
        couple.status = CoupleStatus.PAUSED
        db.session.commit()
    return token


@pytest.mark.parametrize("how", ["tampered", "expired", "revoked", "paused"])
def test_a_link_that_no_longer_works_gets_a_friendly_page_and_writes_nothing(
    app, client, clock, couple, partner, token, step, how
):
    key = checkin_key(page(client, token), step.id)
    bad = spoil(token, how, partner, couple, app, clock)
    before = row_counts()

    responses = [
        client.get(f"/p/{bad}"),
        client.post(f"/p/{bad}/steps/{step.id}/done", data={"checkin_key": key, "when": "0"}),
        client.post(f"/p/{bad}/snooze"),
        client.post(f"/p/{bad}/stop-emails"),
    ]

    for response in responses:
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert INVALID in html
        assert 'action="/links/new"' in html
        assert step.title not in html
    assert row_counts() == before


def test_a_link_for_another_couples_step_records_nothing(client, token):
    foreign = factories.AssignmentFactory()
    before = row_counts()

    response = client.post(
        f"/p/{token}/steps/{foreign.id}/done",
        data={"checkin_key": f"link:{foreign.id}:0", "when": "0"},
    )

    assert response.status_code == 404
    assert row_counts() == before


def test_a_link_for_a_step_of_the_same_practices_other_couple_records_nothing(
    client, counselor, token
):
    neighbour = factories.AssignmentFactory(couple=factories.CoupleFactory(counselor=counselor))
    before = row_counts()

    response = client.post(
        f"/p/{token}/steps/{neighbour.id}/done",
        data={"checkin_key": f"link:{neighbour.id}:0", "when": "0"},
    )

    assert response.status_code in (404, 422)
    assert row_counts() == before


def test_snooze_pauses_reminders_for_a_week(client, partner, token, step):
    response = client.post(f"/p/{token}/snooze")

    assert response.status_code == 302
    db.session.expire_all()
    assert partner.snoozed_until == NOW + timedelta(days=7)
    html = client.get(response.location).get_data(as_text=True)
    # Until when, in the partner's zone (Chicago): a week from Wednesday noon.
    assert "Reminders are paused until Wednesday, May 20." in html
    assert f'action="/p/{token}/resume"' in html


ONLY_THE_COUNSELOR = "Only your counselor can turn them back on"


def test_stop_emails_asks_first_and_says_who_can_undo_it(client, partner, token, step):
    html = page(client, token)
    assert f'href="/p/{token}/stop-emails">Stop emails</a>' in html
    before = row_counts()

    confirm = client.get(f"/p/{token}/stop-emails")

    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "You won't get reminders or new-step emails any more." in text
    assert ONLY_THE_COUNSELOR in text
    assert 'name="confirmed" type="hidden" value="yes"' in text
    assert row_counts() == before


def test_stop_emails_once_confirmed(client, partner, token, step):
    response = client.post(f"/p/{token}/stop-emails", data={"confirmed": "yes"})

    assert response.status_code == 302
    db.session.expire_all()
    assert partner.unsubscribed_at == NOW
    html = client.get(response.location).get_data(as_text=True)
    assert "Emails are stopped" in html
    assert ONLY_THE_COUNSELOR in html
    assert step.title in html  # the steps stay reachable


def test_a_stop_emails_post_without_the_confirm_step_only_asks(client, partner, token):
    before = row_counts()

    response = client.post(f"/p/{token}/stop-emails")

    assert response.status_code == 200
    assert ONLY_THE_COUNSELOR in response.get_data(as_text=True)
    assert row_counts() == before
    db.session.expire_all()
    assert partner.unsubscribed_at is None


def test_unsubscribe_page_asks_first_and_changes_nothing(client, partner):
    token = issue(partner, LinkPurpose.UNSUBSCRIBE)
    before = row_counts()

    response = client.get(f"/u/{token}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<form method="post">' in html
    assert "Yes, stop emails</button>" in html
    assert ONLY_THE_COUNSELOR in html
    assert row_counts() == before
    db.session.expire_all()
    assert partner.unsubscribed_at is None


def test_a_homework_link_is_not_an_unsubscribe_link(client, partner, token):
    unsubscribe = issue(partner, LinkPurpose.UNSUBSCRIBE)

    assert client.post(f"/u/{token}").status_code == 404
    assert client.get(f"/p/{unsubscribe}").status_code == 404
    db.session.expire_all()
    assert partner.unsubscribed_at is None


@pytest.mark.usefixtures("csrf_checked")
class TestWithCsrf:
    def test_one_click_unsubscribe_needs_no_csrf_token(self, client, partner):
        token = issue(partner, LinkPurpose.UNSUBSCRIBE)

        response = client.post(
            f"/u/{token}",
            data="List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )

        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "You won't get more emails" in html
        assert ONLY_THE_COUNSELOR in html
        db.session.expire_all()
        assert partner.unsubscribed_at == NOW

    def test_the_unsubscribe_pages_own_button_needs_no_csrf_token(self, client, partner):
        token = issue(partner, LinkPurpose.UNSUBSCRIBE)

        response = client.post(f"/u/{token}")

        assert response.status_code == 200
        db.session.expire_all()
        assert partner.unsubscribed_at == NOW

    def test_stop_emails_on_the_page_needs_its_csrf_token(self, client, partner, token, step):
        refused = client.post(f"/p/{token}/stop-emails")

        assert refused.status_code == 400
        db.session.expire_all()
        assert partner.unsubscribed_at is None

        html = client.get(f"/p/{token}/stop-emails").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        accepted = client.post(
            f"/p/{token}/stop-emails", data={"csrf_token": csrf, "confirmed": "yes"}
        )
        assert accepted.status_code == 302
        db.session.expire_all()
        assert partner.unsubscribed_at == NOW

    def test_mark_done_without_csrf_token_records_nothing(self, client, token, step):
        key = checkin_key(page(client, token), step.id)
        before = row_counts()

        response = client.post(
            f"/p/{token}/steps/{step.id}/done", data={"checkin_key": key, "when": "0"}
        )

        assert response.status_code == 400
        assert row_counts() == before


class TestRateLimited:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"RATELIMIT_ENABLED": True, "CLIENT_TOKEN_RATE_LIMIT": "3 per minute"}

    def test_one_link_opened_too_often_is_slowed_down(self, client, couple, token):
        statuses = [client.get(f"/p/{token}").status_code for _ in range(4)]

        assert statuses == [200, 200, 200, 429]
        assert client.get(f"/p/{issue(couple.partners[1])}").status_code == 200
