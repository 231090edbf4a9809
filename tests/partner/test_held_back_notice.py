"""The held-back notice tells the partner where to write their own words: on their own
check-in of that step that week (its Edit), else on the step's form — never by marking the
step done again, which would record a check-in that did not happen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from counselor.extensions import db
from counselor.models import CheckIn, Visibility
from tests.partner.test_pages import issue, page
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import count_rows

pytestmark = pytest.mark.usefixtures("clock", "actor")

SECRET = "secret-4c2e I let them choose the route"


@pytest.fixture
def alex(couple):
    return couple.partners[0]


@pytest.fixture
def sam(couple):
    return couple.partners[1]


@pytest.fixture
def step(couple):
    couple.reveal_together = True
    return factories.AssignmentFactory(
        couple=couple,
        title="Hand over a chore",
        times_per_week=1,
        starts_on=TODAY - timedelta(weeks=2),
    )


@pytest.fixture
def held(step, alex):
    return factories.CheckInFactory(
        assignment=step,
        partner=alex,
        occurred_on=TODAY,
        reflection=SECRET,
        visibility=Visibility.SHARED,
    )


def notice(html: str, held: CheckIn) -> str:
    match = re.search(rf'<li id="held-{held.id}">(.*?)</li>', html, re.S)
    assert match, "no held-back notice"
    return match.group(1)


def test_done_this_week_the_notice_links_to_editing_ones_own_checkin(client, step, sam, held):
    # Sam did the step on Monday (this week, no words): their card only offers "Did it
    # again?", so the notice offers Monday's check-in instead.
    own = factories.CheckInFactory(
        assignment=step, partner=sam, occurred_on=TODAY - timedelta(days=2), comfort=4
    )
    db.session.commit()
    token = issue(sam)
    html = page(client, token)

    assert "Did it again? Mark it done" in html
    told = notice(html, held)
    assert f'href="/p/{token}/checkins/{own.id}/edit"' in told
    assert "Add your words to Monday's check-in" in told
    assert "Write yours" not in told

    saved = client.post(
        f"/p/{token}/checkins/{own.id}/edit",
        data={"day": own.occurred_on.isoformat(), "comfort": "4", "reflection": "Mine too."},
    )
    assert saved.status_code == 302
    assert count_rows(CheckIn) == 2  # changed, not a new check-in
    html = page(client, token)
    assert SECRET in html and f'id="held-{held.id}"' not in html


def test_without_a_checkin_that_week_the_notice_opens_the_steps_form(client, step, sam, held):
    # Sam's check-in of last week does not count: the notice opens the step's form.
    factories.CheckInFactory(assignment=step, partner=sam, occurred_on=TODAY - timedelta(days=7))
    db.session.commit()
    token = issue(sam)
    told = notice(page(client, token), held)

    url = f"/p/{token}?step={step.id}#step-{step.id}"
    assert f'href="{url}"' in told and "Write yours" in told
    assert "/edit" not in told
    opened = client.get(url).get_data(as_text=True)
    assert re.search(rf'id="step-{step.id}".*?<details class="mark-done" open>', opened, re.S)


def test_an_ended_step_offers_no_link(client, step, sam, held):
    # A step no longer on the page has no form to open and nothing to edit this week.
    step.status = "completed"
    db.session.commit()
    html = page(client, issue(sam))
    told = notice(html, held)
    assert "Write yours" not in told and "/edit" not in told


def test_the_preview_draws_the_link_disabled(logged_in, step, sam, held):
    html = logged_in.get(f"/partners/{sam.id}/preview").get_data(as_text=True)
    told = notice(html, held)
    assert '<button type="button" class="button small" disabled>Write yours' in told
    assert "href" not in told
