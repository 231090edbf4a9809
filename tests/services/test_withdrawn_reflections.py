"""A reflection its partner shared and then took back: the counselor still reads it, marked
as withdrawn, on the couple page and in the report; the other partner reads it nowhere."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counselor.models import Visibility
from counselor.services.couples.links import partner_actor
from counselor.services.homework import checkins
from counselor.services.reports.report_data import build_report_data
from reports import render_pre_session_report
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.pdf_text import all_text

pytestmark = pytest.mark.usefixtures("clock", "actor")

WORDS = "I asked for help with the forms."


@pytest.fixture
def withdrawn(couple, partner):
    step = factories.AssignmentFactory(
        couple=couple, title="Share a minor worry", starts_on=TODAY - timedelta(weeks=2)
    )
    check_in = factories.CheckInFactory(
        assignment=step,
        partner=partner,
        occurred_on=TODAY - timedelta(days=1),
        reflection=WORDS,
        visibility=Visibility.SHARED,
    )
    checkins.withdraw_reflection(partner_actor(partner), partner, check_in.id)
    return check_in


def test_the_couple_page_shows_it_marked_as_withdrawn(logged_in, couple, partner, withdrawn):
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)

    assert WORDS in html
    assert f"Withdrawn by {partner.first_name} on {TODAY:%a %d %b}" in html
    assert '<li class="withdrawn">' in html


def test_the_report_shows_it_to_the_counselor_marked_as_withdrawn(couple, partner, withdrawn):
    data = build_report_data(couple.id, None)

    [item] = data.reflections
    assert (item.text, item.shared, item.withdrawn_on) == (WORDS, False, TODAY)
    pdf = render_pre_session_report(data)
    text = " ".join(all_text(pdf).split())  # the tag wraps in its narrow column
    assert WORDS in text
    assert f"Withdrawn by {partner.first_name} on {TODAY.day} May" in text
