"""Progress on the dashboard: the couple page's chart and suggestions, the list's badges —
all live, the same before the nightly compile has run as after it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from counselor import timeutil
from counselor.services.progress.compile import compile_progress
from tests.support import factories
from tests.support.helpers import count_statements

ZONE = "America/Chicago"


@pytest.fixture
def this_week():
    return timeutil.week_start(timeutil.local_today(ZONE))


def make_couple(counselor, names=("Alex", "Sam")):
    return factories.CoupleFactory(
        counselor=counselor, partners=[{"first_name": name} for name in names]
    )


def log_week(assignment, partner, monday, days):
    for day in range(days):
        factories.CheckInFactory(
            assignment=assignment, partner=partner, occurred_on=monday + timedelta(days=day)
        )


def week_label(monday) -> str:
    return f"{monday.day} {monday:%b}"


def test_couple_page_charts_eight_weeks_per_partner_with_this_week_live(
    logged_in, counselor, this_week
):
    couple = make_couple(counselor)
    alex, sam = couple.partners
    step = factories.AssignmentFactory(couple=couple, starts_on=this_week - timedelta(weeks=3))
    log_week(step, alex, this_week - timedelta(weeks=2), 2)
    log_week(step, alex, this_week - timedelta(weeks=1), 3)
    log_week(step, sam, this_week - timedelta(weeks=1), 1)
    compile_progress()
    factories.CheckInFactory(  # after the nightly run: the chart shows it all the same
        assignment=step, partner=alex, occurred_on=timeutil.local_today(ZONE)
    )

    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)

    chart = html[
        html.index('<svg class="line-chart"') : html.index("</svg>", html.index("line-chart"))
    ]
    assert 'role="img"' in chart
    assert "Weekly completion of Alex and Sam over the last 8 weeks" in chart
    nothing = "nothing due, " * 4
    assert f"Alex: {nothing}0%, 67%, 100%, 33%; Sam: {nothing}0%, 0%, 33%, 0%." in chart
    # Four points each: Alex's are circles, Sam's squares (not told apart by colour alone).
    assert len(re.findall(r"<circle [^>]*><title>Alex, week of", chart)) == 4
    assert len(re.findall(r"<rect [^>]*><title>Sam, week of", chart)) == 4
    assert f"<title>Alex, week of {week_label(this_week)}: 33%</title>" in chart
    for weeks_ago in (7, 0):  # the x axis runs from seven weeks ago to this week
        assert f">{week_label(this_week - timedelta(weeks=weeks_ago))}</text>" in chart
    legend = html[
        html.index('class="chart-legend"') : html.index("</ul>", html.index("chart-legend"))
    ]
    assert "Alex" in legend and "Sam" in legend
    assert "<caption>Weekly completion per partner</caption>" in html  # the table alternative


def test_the_chart_shows_past_weeks_and_this_week_before_any_nightly_compile(
    logged_in, counselor, this_week
):
    """Right after seeding (``make run``), before the nightly compile: the chart reads the
    same check-ins as the grid below it, not "nothing due" above a grid of check-ins."""
    couple = make_couple(counselor)
    alex, sam = couple.partners
    step = factories.AssignmentFactory(couple=couple, starts_on=this_week - timedelta(weeks=2))
    log_week(step, alex, this_week - timedelta(weeks=2), 3)
    log_week(step, sam, this_week - timedelta(weeks=1), 2)
    factories.CheckInFactory(assignment=step, partner=sam, occurred_on=timeutil.local_today(ZONE))

    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)

    assert "No progress to chart yet" not in html
    nothing = "nothing due, " * 5
    assert f"Alex: {nothing}100%, 0%, 0%; Sam: {nothing}0%, 67%, 33%." in html
    assert f"<title>Sam, week of {week_label(this_week)}: 33%</title>" in html
    # The grid below says the same about the same weeks.
    grid = html[html.index('<table class="grid">') :]
    assert re.findall(r">(\d/\d)<", grid[: grid.index("</table>")]) == [
        "3/3", "0/3", "0/3", "0/3", "2/3", "1/3"
    ]  # fmt: skip


def test_chart_has_an_empty_state_without_any_steps(logged_in, counselor):
    couple = make_couple(counselor)
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "No progress to chart yet" in html
    assert 'class="line-chart"' not in html


def test_names_in_the_chart_are_escaped(logged_in, counselor, this_week):
    couple = make_couple(counselor, names=("<b>Zoë</b>", "Ade"))
    factories.AssignmentFactory(couple=couple, starts_on=this_week)
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert 'class="line-chart"' in html
    assert "&lt;b&gt;Zoë&lt;/b&gt;, week of" in html
    assert "<b>Zoë</b>" not in html


def ready_and_stuck_couple(counselor, this_week, *, compiled=True):
    """Alex met every step of rung 3 the last two weeks; Sam did nothing. ``compiled``:
    the nightly compile run after it (left to the caller who makes several)."""
    couple = make_couple(counselor)
    alex = couple.partners[0]
    step = factories.AssignmentFactory(
        couple=couple,
        rung=factories.rung(3),
        times_per_week=2,
        starts_on=this_week - timedelta(weeks=2),
    )
    for weeks_ago in (1, 2):
        log_week(step, alex, this_week - timedelta(weeks=weeks_ago), 2)
    if compiled:
        compile_progress()
    return couple


def test_couple_page_shows_each_partner_s_suggestion(logged_in, counselor, this_week):
    couple = ready_and_stuck_couple(counselor, this_week)
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    alex_card, sam_card = html.split('class="period-partner"')[1:3]
    assert "Suggests moving up — the counselor decides." in alex_card
    assert "Suggests talking about barriers." in sam_card
    assert "On target 2 weeks running." in alex_card


def test_couples_list_flags_couples_with_a_suggestion(logged_in, counselor, this_week):
    ready_and_stuck_couple(counselor, this_week)
    make_couple(counselor, names=("Quiet", "Couple"))
    html = logged_in.get("/couples").get_data(as_text=True)
    assert html.count("Ready to move up?") == 1
    assert html.count("Talk about barriers") == 1
    assert 'Ready to move up?<span class="visually-hidden"> (Alex)</span>' in html


def test_couples_list_with_snapshots_costs_the_same_queries_for_3_and_12_couples(
    logged_in, counselor, this_week
):
    for _ in range(3):
        ready_and_stuck_couple(counselor, this_week, compiled=False)
    compile_progress()
    logged_in.get("/couples")  # warm up: session user, caches
    with count_statements() as small:
        assert logged_in.get("/couples").status_code == 200
    for _ in range(9):
        ready_and_stuck_couple(counselor, this_week, compiled=False)
    compile_progress()
    with count_statements() as large:
        page = logged_in.get("/couples")
    assert page.status_code == 200
    assert small.count == large.count, (small.statements, large.statements)
