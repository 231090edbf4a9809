"""The partner page on a phone: compact step cards whose form opens for the step tapped (and
without JavaScript), *My history* of four weeks, *Shared with you* naming each step, and
paused reminders saying until when, with *Resume now*."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AssignmentStatus, AuditEvent, Visibility
from counselor.services.pages import partner_page
from tests.partner.test_pages import issue, page
from tests.support import factories
from tests.support.clock import NOW, TODAY
from tests.support.helpers import row_counts

pytestmark = pytest.mark.usefixtures("clock", "actor")

OPEN_DETAILS = re.compile(r'<details class="mark-done" open>')


@pytest.fixture
def steps(couple):
    return [
        factories.AssignmentFactory(
            couple=couple,
            title=title,
            instructions=f"How to {title.lower()}.",
            times_per_week=3,
            starts_on=TODAY - timedelta(weeks=2),
        )
        for title in ("Share a minor worry", "Hand over a chore", "Ask for a hug")
    ]


@pytest.fixture
def token(partner) -> str:
    return issue(partner)


def card(html: str, step) -> str:
    """One step's card, from its opening tag to the end of its article."""
    start = html.index(f'<article class="card step-card" id="step-{step.id}"')
    return html[start : html.index("</article>", start)]


def test_each_step_is_a_closed_card_with_its_progress_and_one_button(client, token, steps):
    factories.CheckInFactory(
        assignment=steps[0], partner=steps[0].couple.partners[0], occurred_on=TODAY
    )

    html = page(client, token)

    assert OPEN_DETAILS.search(html) is None
    first = card(html, steps[0])
    assert "<strong>1 of 3</strong> this week" in first
    assert '<meter min="0" max="3" value="1"' in first
    assert '<summary class="button primary">Mark done' in first
    assert first.count('<button type="submit"') == 1  # the form's, inside the closed card
    assert "How to share a minor worry." in first  # instructions sit inside the details


def test_the_address_opens_the_form_of_the_step_asked_for(client, token, steps):
    html = client.get(f"/p/{token}?step={steps[1].id}").get_data(as_text=True)

    assert OPEN_DETAILS.search(card(html, steps[1]))
    assert not OPEN_DETAILS.search(card(html, steps[0]))
    assert not OPEN_DETAILS.search(card(html, steps[2]))


def test_a_refused_form_comes_back_open_with_its_errors_and_the_others_closed(client, token, steps):
    html = page(client, token)
    key = re.search(rf'value="(link:{steps[2].id}:\d+)"', html).group(1)

    response = client.post(
        f"/p/{token}/steps/{steps[2].id}/done",
        data={"checkin_key": key, "when": "0", "reflection": "x" * 2001},
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert OPEN_DETAILS.search(card(html, steps[2]))
    assert "Keep it to 2000 characters or fewer." in card(html, steps[2])
    assert len(OPEN_DETAILS.findall(html)) == 1


def test_shared_with_you_names_each_reflections_step(client, couple, token, steps):
    factories.CheckInFactory(
        assignment=steps[1],
        partner=couple.partners[1],
        occurred_on=TODAY,
        reflection="I liked being asked.",
        visibility=Visibility.SHARED,
    )

    html = page(client, token)

    shared = html[html.index('id="shared-with-me"') :]
    item = shared[: shared.index("</li>")]
    assert "<strong>Hand over a chore</strong>" in item
    assert "I liked being asked." in item


def test_my_history_holds_four_weeks_each_saying_whether_it_can_change(
    client, partner, token, steps, clock
):
    # Recorded as the days went by: 29 days ago (outside), 27 days ago, and yesterday.
    old = []
    for days_ago in (29, 27):
        clock.set(NOW - timedelta(days=days_ago))
        old.append(
            factories.CheckInFactory(
                assignment=steps[0],
                partner=partner,
                occurred_on=TODAY - timedelta(days=days_ago),
                comfort=2,
                reflection=f"Written {days_ago} days ago.",
            )
        )
    clock.set(NOW)
    recent = factories.CheckInFactory(
        assignment=steps[1], partner=partner, occurred_on=TODAY - timedelta(days=1), comfort=5
    )
    ended = factories.AssignmentFactory(
        couple=partner.couple,
        title="Plan a walk",
        status=AssignmentStatus.COMPLETED,
        starts_on=TODAY - timedelta(weeks=3),
    )
    on_ended = factories.CheckInFactory(
        assignment=ended, partner=partner, occurred_on=TODAY - timedelta(days=2)
    )
    db.session.commit()

    html = page(client, token)

    history = html[
        html.index('id="my-checkins"') : html.index("</section>", html.index("My history"))
    ]
    # A heading of its own (not inside the summary, so heading navigation finds it), then
    # the list folded away.
    assert (
        '<h2 id="my-checkins-h">My history</h2>\n<details>\n  <summary>Show 3 check-ins</summary>'
        in history
    )
    assert "Written 29 days ago." not in html
    assert "Written 27 days ago." in history
    # Latest day first; each with its step, day and comfort.
    ids = [int(i) for i in re.findall(r'<li id="checkin-(\d+)">', history)]
    assert ids == [recent.id, on_ended.id, old[1].id]
    assert "<strong>Hand over a chore</strong><br>Tuesday, May 12 · felt 5/5" in history
    # Recent on an active step: Edit and Delete. Older, or on an ended step: why not.
    assert f'href="/p/{token}/checkins/{recent.id}/edit">Edit' in history
    assert f"/checkins/{old[1].id}/" not in history
    assert "Recorded more than 7 days ago, so it stays as it is." in history
    assert f"/checkins/{on_ended.id}/" not in history
    assert "This step is completed." in history


def test_the_history_is_open_after_a_change_the_partner_made(client, partner, token, steps):
    factories.CheckInFactory(assignment=steps[0], partner=partner, occurred_on=TODAY)

    html = client.get(f"/p/{token}?notice=edited").get_data(as_text=True)

    history = html[html.index('id="my-checkins"') :]
    assert '<h2 id="my-checkins-h">My history</h2>\n<details open>' in history


def test_while_paused_every_visit_says_until_when_and_offers_resume(client, partner, token, steps):
    partner.snoozed_until = NOW + timedelta(days=2)  # Friday 15 May, noon in Chicago
    db.session.commit()

    for _ in range(2):
        html = page(client, token)
        assert "Reminders are paused until Friday, May 15." in html
        assert f'<form method="post" action="/p/{token}/resume"' in html
        assert f'action="/p/{token}/snooze"' not in html  # already paused


def test_resume_now_turns_reminders_back_on_and_is_audited(client, partner, token, steps):
    client.post(f"/p/{token}/snooze")

    response = client.post(f"/p/{token}/resume")

    assert response.status_code == 302
    db.session.expire_all()
    assert partner.snoozed_until is None
    html = client.get(response.location).get_data(as_text=True)
    assert "Reminders are back on: they come at" in html
    assert "Reminders are paused until" not in html
    assert f'action="/p/{token}/snooze"' in html
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_type, e.object_id) for e in events] == [
        ("partner.snooze", "partner", partner.id),
        ("partner.resume_reminders", "partner", partner.id),
    ]


def test_resume_when_nothing_is_paused_changes_nothing(client, partner, token):
    before = row_counts()

    response = client.post(f"/p/{token}/resume")

    assert response.status_code == 302
    assert row_counts() == before


def test_resume_on_a_link_that_no_longer_works_writes_nothing(client, partner, token):
    partner.snoozed_until = NOW + timedelta(days=2)
    db.session.commit()
    before = row_counts()

    response = client.post(f"/p/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}/resume")

    assert response.status_code == 404
    assert row_counts() == before


@pytest.mark.usefixtures("csrf_checked")
def test_resume_needs_its_csrf_token(client, partner, token):
    partner.snoozed_until = NOW + timedelta(days=2)
    db.session.commit()

    refused = client.post(f"/p/{token}/resume")

    assert refused.status_code == 400
    db.session.expire_all()
    assert partner.snoozed_until == NOW + timedelta(days=2)


class TestRateLimited:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"RATELIMIT_ENABLED": True, "CLIENT_TOKEN_RATE_LIMIT": "2 per minute"}

    def test_resume_is_limited_per_link_like_snooze(self, client, token):
        statuses = [client.post(f"/p/{token}/resume").status_code for _ in range(3)]

        assert statuses == [302, 302, 429]


@pytest.mark.parametrize("asked", ["abc", "-1", "", "99999999999999999999", "other-couple"])
def test_an_address_naming_no_step_of_theirs_opens_no_card(client, token, steps, asked):
    """``?step=`` that is no number, a negative one, or another couple's step: the page
    answers as usual, every card closed."""
    if asked == "other-couple":
        asked = str(factories.AssignmentFactory(couple=factories.CoupleFactory()).id)
        db.session.commit()

    response = client.get(f"/p/{token}?step={asked}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert OPEN_DETAILS.search(html) is None
    assert all(f'id="step-{step.id}"' in html for step in steps)


def test_my_history_says_latest_when_it_lists_only_the_first_of_many(
    client, partner, token, steps, monkeypatch
):
    monkeypatch.setattr(partner_page, "HISTORY_LIMIT", 3)
    for days_ago in range(4):
        factories.CheckInFactory(
            assignment=steps[0], partner=partner, occurred_on=TODAY - timedelta(days=days_ago)
        )
    db.session.commit()

    history = page(client, token)
    history = history[history.index('id="my-checkins"') :]
    assert "<summary>Show the latest 3 check-ins</summary>" in history
    assert history.count('<li id="checkin-') == 3


def test_my_history_counts_them_all_when_none_is_left_out(
    client, partner, token, steps, monkeypatch
):
    monkeypatch.setattr(partner_page, "HISTORY_LIMIT", 3)
    for days_ago in range(3):
        factories.CheckInFactory(
            assignment=steps[0], partner=partner, occurred_on=TODAY - timedelta(days=days_ago)
        )
    db.session.commit()

    assert "<summary>Show 3 check-ins</summary>" in page(client, token)
