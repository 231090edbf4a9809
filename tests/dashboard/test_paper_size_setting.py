"""Settings › Practice: the paper reports are printed on — Letter, A4, or (the default)
by the practice's time zone."""

from __future__ import annotations

import html
import re

import pytest

from counselor.extensions import db
from counselor.models import CounselorRole
from tests.dashboard.test_settings import practice_form
from tests.support import factories
from tests.support.helpers import login, row_counts


def checked_paper(page: str) -> str:
    for tag in re.findall(r'<input[^>]*name="practice-paper_size"[^>]*>', page):
        if " checked" in tag:
            return re.search(r'value="([^"]+)"', tag).group(1)
    raise AssertionError("no paper is checked")


def test_by_time_zone_is_the_default_and_says_what_it_means(logged_in, counselor):
    page = logged_in.get("/settings/practice").get_data(as_text=True)
    assert "Paper for printed reports and handouts" in page
    assert "Letter in the Americas, A4 elsewhere" in page
    assert checked_paper(page) == "timezone"
    assert counselor.practice.paper_size is None


@pytest.mark.parametrize(("choice", "stored"), [("a4", "a4"), ("letter", "letter")])
def test_an_owner_chooses_the_paper_and_can_go_back_to_the_time_zone(
    logged_in, counselor, choice, stored
):
    response = logged_in.post("/settings/practice", data=practice_form(paper_size=choice))
    assert response.status_code == 303
    db.session.expire_all()
    assert counselor.practice.paper_size == stored
    assert checked_paper(logged_in.get("/settings/practice").get_data(as_text=True)) == choice

    logged_in.post("/settings/practice", data=practice_form(paper_size="timezone"))
    db.session.expire_all()
    assert counselor.practice.paper_size is None


def test_a_form_without_the_paper_keeps_it(logged_in, counselor):
    counselor.practice.paper_size = "a4"
    db.session.commit()
    assert logged_in.post("/settings/practice", data=practice_form()).status_code == 303
    db.session.expire_all()
    assert counselor.practice.paper_size == "a4"


def test_an_unknown_paper_is_refused_and_nothing_changes(logged_in, counselor):
    before = row_counts()
    response = logged_in.post("/settings/practice", data=practice_form(paper_size="A3"))
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert row_counts() == before
    db.session.expire_all()
    assert (counselor.practice.paper_size, counselor.practice.timezone) == (
        None,
        "America/Chicago",
    )


def test_a_colleague_reads_the_paper_the_reports_use(client, app):
    owner = factories.CounselorFactory()
    owner.practice.timezone = "Europe/Berlin"
    colleague = factories.CounselorFactory(practice=owner.practice, role=CounselorRole.COUNSELOR)
    login(client, colleague.email, factories.PASSWORD)
    page = client.get("/settings/practice").get_data(as_text=True)
    assert "Paper for reports" in page
    assert "A4 (210 × 297 mm) (by the practice's time zone)" in html.unescape(page)
