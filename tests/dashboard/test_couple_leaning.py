"""The couple page's "Leaning on each other": the report's pairs and counts, since the last
session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from counselor.services.couples import links
from counselor.services.homework import acknowledgements
from counselor.services.homework.acknowledgements import AcknowledgementInput
from tests.support import factories
from tests.support.clock import TODAY

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
        f"{alex.first_name} leaned on {sam.first_name} 2 times; {sam.first_name} noticed 1" in html
    )
    assert f"{sam.first_name}: noticed: yes · felt valued 5/5 · counselor only" in html
    assert "So kind" in html
    assert "(steps that turn toward the other partner: by default those of rungs 2–5)" in html
    assert "Not acknowledged yet." in html


def test_without_leaning_the_section_says_so(logged_in, couple):
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "No step that leans on the other partner was checked off in this period." in html
