"""The couple page's "Leaning on each other": the report's pairs and counts, since the last
session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counselor.services.couples import links
from counselor.services.homework import acknowledgements, leaning
from counselor.services.homework.acknowledgements import AcknowledgementInput
from reports.data import NO_LONGER_ASKED
from tests.support import factories
from tests.support.clock import NOW, TODAY

pytestmark = pytest.mark.usefixtures("clock")


def test_each_act_with_its_answer_and_the_counts(logged_in, couple):
    step = factories.AssignmentFactory(
        couple=couple,
        title="Ask their view on a work email",
        leans_on_partner=True,
        starts_on=TODAY - timedelta(weeks=2),
    )
    alex, sam = couple.partners
    answered = factories.CheckInFactory(assignment=step, partner=alex, occurred_on=TODAY)
    factories.CheckInFactory(assignment=step, partner=alex, occurred_on=TODAY - timedelta(days=1))
    acknowledgements.acknowledge(
        links.partner_actor(sam), sam, answered.id, AcknowledgementInput("yes", 5, "So kind")
    )

    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)

    assert (
        f"{alex.first_name} leaned on {sam.first_name} 2 times; {sam.first_name} answered 1 "
        "(noticed 1); 1 not answered yet" in html
    )
    assert f"{sam.first_name}: noticed: yes · felt valued 5/5 · counselor only" in html
    assert "So kind" in html
    assert "(steps that turn toward the other partner: by default those of rungs 2–5)" in html
    assert "Not answered yet." in html


def test_an_act_older_than_the_window_never_answered_is_no_longer_asked(logged_in, couple):
    """Sam's page asks about two weeks of acts (and shows the newest few): an older one
    never answered was not refused, nor perhaps ever seen — the page says so, not "not
    answered yet"; the report reads the same data."""
    assert leaning.WINDOW_DAYS == 14  # NO_LONGER_ASKED says "older than two weeks"
    step = factories.AssignmentFactory(
        couple=couple, leans_on_partner=True, starts_on=TODAY - timedelta(weeks=4)
    )
    # The period runs from the previous session, four weeks ago: longer than the window.
    factories.SessionFactory(couple=couple, starts_at=NOW - timedelta(weeks=4))
    alex, sam = couple.partners
    old = TODAY - timedelta(days=leaning.WINDOW_DAYS)
    factories.CheckInFactory(assignment=step, partner=alex, occurred_on=old)
    factories.CheckInFactory(assignment=step, partner=alex, occurred_on=old + timedelta(days=1))
    assert [leaning.still_asked(sam, d) for d in (old, old + timedelta(days=1))] == [False, True]

    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)

    assert (
        f"{alex.first_name} leaned on {sam.first_name} 2 times; {sam.first_name} answered 0 "
        f"(noticed 0); 1 not answered yet, 1 {NO_LONGER_ASKED}" in html
    )
    assert "No longer asked (older than two weeks)." in html
    assert "Not answered yet." in html


def test_without_leaning_the_section_says_so(logged_in, couple):
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "No step that leans on the other partner was checked off in this period." in html
