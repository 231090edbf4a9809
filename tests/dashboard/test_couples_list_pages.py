"""The couples list's cost and its keyset pages: at most five statements a page (the
session, the page, the steps, the check-ins, the audit event), the same for 30 couples as
for 120 whatever the filter or order; *Next* and *Previous* name a couple, and following
them lists every couple once, in order; a bare page number is still served."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import timedelta

import pytest

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Couple
from counselor.services.pages.dashboard_figures import StepLine
from counselor.services.progress import week_rules
from tests.support import bulk, factories
from tests.support.helpers import count_statements

PAGE_STATEMENTS = 5
QUERIES = (
    "",
    "?sort=completion",
    "?sort=next_session",
    "?when=week&sort=next_session",
    "?sort=last_checkin",
    "?q=bench&status=active",
)


def labels(page: str) -> list[str]:
    found = re.findall(r'<th scope="row">\s*<a href="/couples/(\d+)">([^<]+)</a>', page)
    return [html.unescape(label) for _, label in found]


def ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<th scope="row">\s*<a href="/couples/(\d+)">', page)]


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def add_bulk(counselor, first: int, number: int) -> None:
    today = timeutil.local_today(bulk.TIMEZONE)
    bulk.add_couples(
        counselor,
        [f"Bench {n:04d}" for n in range(first, first + number)],
        starts_on=timeutil.week_start(today) - timedelta(weeks=2),
        until=today,
    )
    for couple_id in db.session.scalars(
        db.select(Couple.id).where(Couple.label.like("Bench%")).order_by(Couple.id)
    ).all()[first : first + number : 3]:
        factories.SessionFactory(couple_id=couple_id, practice_id=counselor.practice_id)
    db.session.commit()


def page_statements(client, query: str) -> list[str]:
    with count_statements() as counter:
        response = client.get(f"/couples{query}")
    assert response.status_code == 200, query
    return counter.statements


def test_a_page_costs_at_most_five_statements_for_30_couples_as_for_120(logged_in, counselor, app):
    app.config["COUPLES_PER_PAGE"] = 50
    add_bulk(counselor, 0, 30)
    few = {}
    for query in QUERIES:
        logged_in.get(f"/couples{query}")  # warm up: caches
        few[query] = page_statements(logged_in, query)
    add_bulk(counselor, 30, 90)
    for query in QUERIES:
        many = page_statements(logged_in, query)
        assert len(many) <= PAGE_STATEMENTS, (query, many)
        assert len(few[query]) == len(many), (query, few[query], many)
    # A page after the first, by its Next link, costs the same.
    first = logged_in.get("/couples").get_data(as_text=True)
    assert "Page 1 of 3 · 120 couples" in first
    following = link(first, "next")
    assert following is not None and "after=" in following
    assert len(page_statements(logged_in, following.removeprefix("/couples"))) <= PAGE_STATEMENTS


def _couples_with_look_alike_names(counselor) -> None:
    """Names that tie once lowered (the id breaks the tie), some couples with check-ins and
    some without (NULLs last in the last-check-in order)."""
    today = timeutil.local_today("America/Chicago")
    for n in range(23):
        label = ["alder", "Alder", "birch", "Cedar", "cedar"][n % 5] + f" {n % 4}"
        couple = factories.CoupleFactory(counselor=counselor, label=label)
        if n % 3:
            step = factories.AssignmentFactory(couple=couple)
            factories.CheckInFactory(assignment=step, occurred_on=today - timedelta(days=n % 6))


@pytest.mark.parametrize("query", ["", "?sort=last_checkin", "?sort=next_session&q=e"])
def test_next_and_previous_list_every_couple_once_in_order(logged_in, counselor, app, query):
    _couples_with_look_alike_names(counselor)
    app.config["COUPLES_PER_PAGE"] = 200
    whole = ids(logged_in.get(f"/couples{query}").get_data(as_text=True))
    app.config["COUPLES_PER_PAGE"] = 5

    seen, pages, url = [], [], f"/couples{query}"
    while url is not None:
        page = logged_in.get(url).get_data(as_text=True)
        pages.append(ids(page))
        seen += pages[-1]
        url = link(page, "next")
    assert seen == whole
    assert len(pages) == -(-len(whole) // 5)
    assert f"Page {len(pages)} of {len(pages)}" in page

    back = []
    url = link(page, "prev")
    while url is not None:
        page = logged_in.get(url).get_data(as_text=True)
        back.append(ids(page))
        url = link(page, "prev")
    assert back == pages[-2::-1]
    assert "Page 1 of" in page


def test_a_bare_page_number_is_still_served(logged_in, counselor, app):
    _couples_with_look_alike_names(counselor)
    app.config["COUPLES_PER_PAGE"] = 5
    first = logged_in.get("/couples").get_data(as_text=True)
    following = logged_in.get(link(first, "next")).get_data(as_text=True)
    numbered = logged_in.get("/couples?page=2").get_data(as_text=True)
    assert ids(numbered) == ids(following)
    assert "Page 2 of 5" in numbered and "Page 2 of 5" in following


def test_a_cursor_that_names_no_couple_of_ours_starts_again(logged_in, counselor, app):
    app.config["COUPLES_PER_PAGE"] = 2
    for n in range(3):
        factories.CoupleFactory(counselor=counselor, label=f"Ours {n}")
    theirs = factories.CoupleFactory(label="Theirs")
    for cursor in (theirs.id, 999999):
        for side in ("after", "before"):
            page = logged_in.get(f"/couples?{side}={cursor}&page=2").get_data(as_text=True)
            assert labels(page) == ["Ours 0", "Ours 1"], (side, cursor)
            assert "Theirs" not in page and "Page 1 of 2" in page
    # What cannot be a couple's id is no cursor: the page number stands.
    for cursor in ("x", "-1", str(10**30), "1.5"):
        page = logged_in.get(f"/couples?after={cursor}&page=2").get_data(as_text=True)
        assert labels(page) == ["Ours 2"] and "Page 2 of 2" in page, cursor


def test_a_couple_gone_from_the_list_still_pages_from_where_it_stood(logged_in, counselor, app):
    app.config["COUPLES_PER_PAGE"] = 2
    couples = [factories.CoupleFactory(counselor=counselor, label=f"C{n}") for n in range(5)]
    first = logged_in.get("/couples?status=active").get_data(as_text=True)
    following = link(first, "next")
    couples[1].status = "paused"  # the page's last couple leaves the filtered list
    db.session.commit()
    assert labels(logged_in.get(following).get_data(as_text=True)) == ["C2", "C3"]


def test_the_page_s_figures_are_the_rules_own(logged_in, counselor):
    """A step each and a together step logged by both on the same day (once for the
    couple): this week's figures as the week rules count them (the couple page, the API
    and the report show the same: tests/services/test_figures_everywhere.py)."""
    couple = factories.CoupleFactory(counselor=counselor, label="Figures")
    today = timeutil.local_today(couple.partners[0].timezone)
    each = factories.AssignmentFactory(couple=couple)
    together = factories.AssignmentFactory(couple=couple, assignee="together", times_per_week=2)
    for partner, step in ((couple.partners[0], each), (couple.partners[1], together)):
        factories.CheckInFactory(assignment=step, partner=partner, occurred_on=today)
    factories.CheckInFactory(assignment=together, partner=couple.partners[0], occurred_on=today)
    listed = logged_in.get("/couples").get_data(as_text=True)
    assert re.findall(r'<span class="figure">(\d+/\d+)</span>', listed) == ["2/5", "1/5"]


def test_the_list_reads_a_step_as_the_week_rules_name_its_columns():
    """The list selects ``week_rules.STEP_COLUMNS`` (one list, shared with the nightly
    compile) straight into ``StepLine``: its fields are those columns, in that order."""
    names = [f.name for f in dataclasses.fields(StepLine)]
    assert names == [column.key for column in week_rules.STEP_COLUMNS] + ["rung"]
