"""The partner page: changing or deleting one's own check-in, and taking back a shared
reflection. Looking changes nothing; each change is a confirmed POST with a CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, CheckIn, Visibility
from tests.partner.test_pages import WRITES, checkin_key, issue, page
from tests.support import factories
from tests.support.clock import NOW, TODAY
from tests.support.helpers import count_rows, count_statements, row_counts, stored

pytestmark = pytest.mark.usefixtures("clock", "actor")

GONE = "This check-in isn't here"


@pytest.fixture
def step(couple):
    return factories.AssignmentFactory(
        couple=couple,
        title="Share a minor worry",
        times_per_week=3,
        starts_on=TODAY - timedelta(weeks=2),
    )


@pytest.fixture
def token(partner) -> str:
    return issue(partner)


@pytest.fixture
def mine(step, partner):
    return factories.CheckInFactory(
        assignment=step,
        partner=partner,
        occurred_on=TODAY - timedelta(days=1),
        comfort=3,
        reflection="I told them about the dentist.",
        visibility=Visibility.SHARED,
    )


@pytest.fixture
def theirs(couple, step):
    return factories.CheckInFactory(
        assignment=step,
        partner=couple.partners[1],
        occurred_on=TODAY,
        reflection="Their own words.",
        visibility=Visibility.SHARED,
    )


def edit_form(**fields) -> dict:
    return {"day": TODAY.isoformat(), "comfort": "4", "reflection": "", **fields}


def fresh(check_in: CheckIn) -> CheckIn | None:
    db.session.expire_all()
    return stored(CheckIn, check_in.id)


def test_my_history_lists_my_recent_checkins_with_edit_and_delete(
    client, token, partner, mine, theirs
):
    html = page(client, token)

    assert '<h2 id="my-checkins-h">My history</h2>' in html
    assert "<summary>Show 1 check-in</summary>" in html
    assert f'href="/p/{token}/checkins/{mine.id}/edit">Edit' in html
    assert f'href="/p/{token}/checkins/{mine.id}/delete">Delete' in html
    assert f"/checkins/{theirs.id}/" not in html  # the other partner's: no actions


def test_the_page_offers_to_take_back_what_i_shared(client, couple, token, mine):
    html = page(client, token)

    assert f"What {couple.partners[1].first_name} can read" in html
    assert f'href="/p/{token}/checkins/{mine.id}/withdraw">Take it back' in html


def test_after_seven_days_the_actions_are_gone_and_the_pages_say_why(client, token, mine, clock):
    clock.advance(days=7, minutes=1)
    before = row_counts()

    html = page(client, token)
    edit_page = client.get(f"/p/{token}/checkins/{mine.id}/edit").get_data(as_text=True)
    refused = client.post(f"/p/{token}/checkins/{mine.id}/edit", data=edit_form())
    delete = client.post(f"/p/{token}/checkins/{mine.id}/delete", data={"confirmed": "yes"})

    # Still in My history (four weeks), without its buttons, saying why.
    assert "I told them about the dentist." in html
    assert f"/checkins/{mine.id}/edit" not in html
    assert f"/checkins/{mine.id}/delete" not in html
    assert "Recorded more than 7 days ago, so it stays as it is." in html
    assert "You can change a check-in for 7 days after recording it" in edit_page
    assert 'name="reflection"' not in edit_page
    assert refused.status_code == delete.status_code == 422
    assert "tell your counselor" in delete.get_data(as_text=True)
    assert row_counts() == before


def test_opening_the_edit_and_confirm_pages_writes_nothing(client, token, mine):
    before = row_counts()

    with count_statements() as counter:
        for action in ("edit", "delete", "withdraw"):
            assert client.get(f"/p/{token}/checkins/{mine.id}/{action}").status_code == 200
        assert client.get(f"/p/{token}/stop-emails").status_code == 200

    assert row_counts() == before
    assert [s for s in counter.statements if WRITES.match(s)] == []


def test_the_edit_page_shows_the_checkin_as_it_is(client, token, mine):
    html = client.get(f"/p/{token}/checkins/{mine.id}/edit").get_data(as_text=True)

    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert f'<option selected value="{yesterday}">Yesterday</option>' in html
    assert '<input checked id="comfort-3" name="comfort" type="radio" value="3">' in html
    assert "I told them about the dentist.</textarea>" in html
    assert re.search(r'<input checked id="share" name="share_with_partner"', html)
    assert "Untick the box to take it back" in html


def test_edit_saves_and_says_so(client, token, mine):
    response = client.post(
        f"/p/{token}/checkins/{mine.id}/edit",
        data=edit_form(reflection="It felt lighter.", share_with_partner="y"),
    )

    assert response.status_code == 302
    check_in = fresh(mine)
    assert (check_in.occurred_on, check_in.comfort) == (TODAY, 4)
    assert check_in.reflection == "It felt lighter."
    assert check_in.edited_at == NOW
    assert "Saved. Your check-in is updated." in client.get(response.location).get_data(
        as_text=True
    )


def test_a_day_outside_the_range_is_refused_at_the_field(client, token, mine):
    before = row_counts()

    response = client.post(
        f"/p/{token}/checkins/{mine.id}/edit",
        data=edit_form(day=(TODAY - timedelta(days=8)).isoformat()),
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<p class="error">A check-in can be back-dated up to 7 days.</p>' in html
    assert row_counts() == before
    assert fresh(mine).comfort == 3


def test_a_day_that_is_not_a_date_is_refused(client, token, mine):
    response = client.post(f"/p/{token}/checkins/{mine.id}/edit", data=edit_form(day="soon"))

    assert response.status_code == 422
    assert "Choose a day from the list." in response.get_data(as_text=True)
    assert fresh(mine).edited_at is None


def test_delete_asks_first_then_deletes(client, token, mine):
    confirm = client.get(f"/p/{token}/checkins/{mine.id}/delete").get_data(as_text=True)
    assert "Delete this check-in?" in confirm
    assert "I told them about the dentist." in confirm
    assert "your counselor won't see it" in confirm

    response = client.post(f"/p/{token}/checkins/{mine.id}/delete", data={"confirmed": "yes"})

    assert response.status_code == 302
    assert fresh(mine) is None
    assert "That check-in is deleted." in client.get(response.location).get_data(as_text=True)
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [(e.action, e.object_id) for e in events] == [("checkin.delete", mine.id)]


def test_a_delete_post_without_the_confirm_step_only_asks(client, token, mine):
    response = client.post(f"/p/{token}/checkins/{mine.id}/delete")

    assert response.status_code == 200
    assert "Delete this check-in?" in response.get_data(as_text=True)
    assert fresh(mine) is not None


def test_deleting_twice_answers_a_friendly_not_found(client, token, mine):
    client.post(f"/p/{token}/checkins/{mine.id}/delete", data={"confirmed": "yes"})

    again = client.post(f"/p/{token}/checkins/{mine.id}/delete", data={"confirmed": "yes"})

    assert again.status_code == 404
    html = again.get_data(as_text=True)
    assert GONE in html
    assert f'href="/p/{token}"' in html


def test_after_a_delete_marking_done_records_a_new_checkin(client, token, step, partner):
    first = client.post(
        f"/p/{token}/steps/{step.id}/done",
        data={"checkin_key": checkin_key(page(client, token), step.id), "when": "1"},
    )
    second = client.post(
        f"/p/{token}/steps/{step.id}/done",
        data={"checkin_key": checkin_key(page(client, token), step.id), "when": "0"},
    )
    assert first.status_code == second.status_code == 302
    older = db.session.scalar(sa.select(CheckIn).order_by(CheckIn.id))
    client.post(f"/p/{token}/checkins/{older.id}/delete", data={"confirmed": "yes"})

    again = client.post(
        f"/p/{token}/steps/{step.id}/done",
        data={"checkin_key": checkin_key(page(client, token), step.id), "when": "0"},
    )

    assert again.status_code == 302
    assert count_rows(CheckIn) == 2


@pytest.mark.parametrize("action", ["edit", "delete", "withdraw"])
def test_the_other_partners_checkin_is_not_found(client, token, theirs, action):
    before = row_counts()

    opened = client.get(f"/p/{token}/checkins/{theirs.id}/{action}")
    posted = client.post(
        f"/p/{token}/checkins/{theirs.id}/{action}", data={"confirmed": "yes", **edit_form()}
    )

    assert opened.status_code == posted.status_code == 404
    for response in (opened, posted):
        html = response.get_data(as_text=True)
        assert GONE in html
        assert "Their own words." not in html
    assert row_counts() == before


@pytest.mark.parametrize("same_practice", [True, False])
def test_another_couples_checkin_is_not_found(client, counselor, token, same_practice):
    owner = counselor if same_practice else factories.CounselorFactory()
    neighbours = factories.CoupleFactory(counselor=owner)
    theirs = factories.CheckInFactory(
        assignment=factories.AssignmentFactory(couple=neighbours, starts_on=TODAY),
        occurred_on=TODAY,
    )
    before = row_counts()

    response = client.post(f"/p/{token}/checkins/{theirs.id}/delete", data={"confirmed": "yes"})

    assert response.status_code == 404
    assert row_counts() == before


def test_taking_back_hides_it_from_the_other_partner_only(client, couple, token, mine):
    other_token = issue(couple.partners[1])
    assert "I told them about the dentist." in page(client, other_token)
    confirm = client.get(f"/p/{token}/checkins/{mine.id}/withdraw").get_data(as_text=True)
    assert "Take back this reflection?" in confirm
    assert "Your counselor will still see it" in confirm

    response = client.post(f"/p/{token}/checkins/{mine.id}/withdraw", data={"confirmed": "yes"})

    assert response.status_code == 302
    assert fresh(mine).reflection_withdrawn_at == NOW
    assert "Taken back." in client.get(response.location).get_data(as_text=True)
    assert "I told them about the dentist." not in page(client, other_token)


def test_a_withdraw_post_without_the_confirm_step_only_asks(client, token, mine):
    response = client.post(f"/p/{token}/checkins/{mine.id}/withdraw")

    assert response.status_code == 200
    assert fresh(mine).reflection_withdrawn_at is None


@pytest.mark.usefixtures("csrf_checked")
class TestWithCsrf:
    @pytest.mark.parametrize("action", ["edit", "delete", "withdraw"])
    def test_a_change_without_its_csrf_token_changes_nothing(self, client, token, mine, action):
        before = row_counts()

        response = client.post(
            f"/p/{token}/checkins/{mine.id}/{action}", data={"confirmed": "yes", **edit_form()}
        )

        assert response.status_code == 400
        assert row_counts() == before
        assert fresh(mine).edited_at is None

    def test_the_confirm_page_carries_the_token_that_deletes(self, client, token, mine):
        html = client.get(f"/p/{token}/checkins/{mine.id}/delete").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

        response = client.post(
            f"/p/{token}/checkins/{mine.id}/delete", data={"csrf_token": csrf, "confirmed": "yes"}
        )

        assert response.status_code == 302
        assert fresh(mine) is None
