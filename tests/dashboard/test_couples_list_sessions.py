"""The couples list narrowed to couples with a session today or this week (the viewer's
day and week), and sorted by next session, last check-in or completion, in SQL before it
pages, in the same number of statements for 3 couples as for 30."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from counselor.extensions import db
from counselor.models import Counselor, CounselorRole
from counselor.services.progress import compile as progress_compile
from tests.support import factories
from tests.support.clock import NOW, TODAY
from tests.support.helpers import count_statements, login

# NOW is Wednesday 13 May 2026, 17:00 UTC: noon in Chicago, 19:00 in Berlin. A session at
# 23:30 UTC is still today in Chicago (18:30) but tomorrow in Berlin (01:30 on the 14th).
LATE_TONIGHT_UTC = datetime(2026, 5, 13, 23, 30, tzinfo=UTC)
# Sunday 17 May, 23:30 UTC: this week in Chicago, Monday of the next week in Berlin.
SUNDAY_NIGHT_UTC = datetime(2026, 5, 17, 23, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def stopped_clock(clock):
    return clock


def labels(page: str) -> list[str]:
    """The couples of a list page, in the order shown."""
    found = re.findall(r'<th scope="row">\s*<a href="/couples/\d+">([^<]+)</a>', page)
    return [html.unescape(label) for label in found]


def listed(client, query: str = "") -> list[str]:
    response = client.get(f"/couples{query}")
    assert response.status_code == 200
    return labels(response.get_data(as_text=True))


def couple_with_session(counselor: Counselor, label: str, *starts: datetime, **fields):
    couple = factories.CoupleFactory(counselor=counselor, label=label, **fields)
    for moment in starts:
        factories.SessionFactory(couple=couple, starts_at=moment)
    return couple


def view_from(counselor: Counselor, timezone: str) -> None:
    counselor.timezone = timezone
    db.session.commit()


def test_today_is_the_viewer_s_day(logged_in, counselor):
    couple_with_session(counselor, "Late tonight", LATE_TONIGHT_UTC)
    couple_with_session(counselor, "Tomorrow", LATE_TONIGHT_UTC + timedelta(days=1))
    couple_with_session(counselor, "No session")
    assert listed(logged_in, "?when=today") == ["Late tonight"]
    view_from(counselor, "Europe/Berlin")
    assert listed(logged_in, "?when=today") == []
    page = logged_in.get("/couples?when=today").get_data(as_text=True)
    assert "No sessions today." in page


def test_a_session_earlier_today_counts_and_a_removed_one_does_not(logged_in, counselor):
    couple_with_session(counselor, "This morning", NOW - timedelta(hours=4))
    removed = factories.CoupleFactory(counselor=counselor, label="Removed")
    factories.SessionFactory(couple=removed, starts_at=NOW + timedelta(hours=1), removed_at=NOW)
    assert listed(logged_in, "?when=today") == ["This morning"]


def test_this_week_runs_monday_to_sunday_in_the_viewer_s_zone(logged_in, counselor):
    couple_with_session(counselor, "Sunday night", SUNDAY_NIGHT_UTC)
    couple_with_session(counselor, "Last Sunday", datetime(2026, 5, 10, 12, tzinfo=UTC))
    couple_with_session(counselor, "Monday", datetime(2026, 5, 11, 15, tzinfo=UTC))
    assert listed(logged_in, "?when=week") == ["Monday", "Sunday night"]
    view_from(counselor, "Europe/Berlin")
    assert listed(logged_in, "?when=week") == ["Monday"]
    page = logged_in.get("/couples?when=week").get_data(as_text=True)
    assert '<a href="/couples?when=week" aria-current="page">Session this week</a>' in page


def test_next_session_column_is_on_the_viewer_s_clock(logged_in, counselor):
    couple_with_session(counselor, "Late tonight", LATE_TONIGHT_UTC)
    assert "Wed 13 May 2026, 18:30 CDT" in logged_in.get("/couples").get_data(as_text=True)
    view_from(counselor, "Europe/Berlin")
    assert "Thu 14 May 2026, 01:30 CEST" in logged_in.get("/couples").get_data(as_text=True)


def test_a_session_under_way_is_still_the_next_one_until_it_is_over(logged_in, clock, counselor):
    couple_with_session(counselor, "Under way", NOW - timedelta(minutes=30))
    page = logged_in.get("/couples").get_data(as_text=True)
    assert "Wed 13 May 2026, 11:30 CDT" in page  # started at 11:30, over at 12:20
    clock.advance(minutes=20)
    page = logged_in.get("/couples").get_data(as_text=True)
    assert "Wed 13 May 2026, 11:30 CDT" not in page


def test_with_a_filter_the_column_shows_the_session_inside_the_window(logged_in, counselor):
    """At noon in Chicago, a 9:00 session today is over: it is what put the couple on
    *Session today*, so it is the one shown, and sorted by, not Friday's."""
    couple_with_session(counselor, "B morning", NOW - timedelta(hours=3), NOW + timedelta(days=2))
    couple_with_session(counselor, "A afternoon", NOW + timedelta(hours=2))
    page = logged_in.get("/couples?when=today&sort=next_session").get_data(as_text=True)
    assert labels(page) == ["B morning", "A afternoon"]
    assert '<th scope="col">Session today</th>' in page
    assert "Wed 13 May 2026, 09:00 CDT" in page
    assert "Fri 15 May 2026" not in page
    # Without the filter, the next session: Friday's, and the afternoon's sorts first.
    page = logged_in.get("/couples?sort=next_session").get_data(as_text=True)
    assert labels(page) == ["A afternoon", "B morning"]
    assert "Fri 15 May 2026, 12:00 CDT" in page
    assert '<th scope="col">Next session</th>' in page


def test_sort_by_next_session_soonest_first_couples_without_one_last(logged_in, counselor):
    couple_with_session(counselor, "A in five days", NOW + timedelta(days=5))
    couple_with_session(counselor, "B tomorrow", NOW - timedelta(days=1), NOW + timedelta(days=1))
    couple_with_session(counselor, "C only past", NOW - timedelta(days=2))
    couple_with_session(counselor, "D in two days", NOW + timedelta(days=2))
    assert listed(logged_in) == ["A in five days", "B tomorrow", "C only past", "D in two days"]
    assert listed(logged_in, "?sort=next_session") == [
        "B tomorrow",
        "D in two days",
        "A in five days",
        "C only past",
    ]


def test_sort_by_last_checkin_most_recent_first_never_last(logged_in, counselor):
    for label, days_ago in (("A three days", 3), ("B never", None), ("C today", 0)):
        couple = factories.CoupleFactory(counselor=counselor, label=label)
        assignment = factories.AssignmentFactory(couple=couple)
        if days_ago is not None:
            factories.CheckInFactory(
                assignment=assignment, occurred_on=TODAY - timedelta(days=days_ago)
            )
    assert listed(logged_in, "?sort=last_checkin") == ["C today", "A three days", "B never"]


def test_sort_by_completion_lowest_first_from_the_compiled_week(logged_in, counselor):
    """Each couple ranks by the partner who did least this week (3 a week; this week is
    Monday 11 to Wednesday 13 May so far), as the nightly compile stored it."""
    done_by_couple = {
        "A one partner behind": (3, 1),
        "B nothing done": (0, 0),
        "C both two of three": (2, 2),
        "D no steps": None,
    }
    for label, done in done_by_couple.items():
        couple = factories.CoupleFactory(counselor=counselor, label=label)
        if done is None:
            continue
        assignment = factories.AssignmentFactory(couple=couple)
        for partner, times in zip(couple.partners, done, strict=True):
            for day in range(times):
                factories.CheckInFactory(
                    assignment=assignment, partner=partner, occurred_on=TODAY - timedelta(days=day)
                )
    progress_compile.compile_progress()
    db.session.commit()
    response = logged_in.get("/couples?sort=completion")
    page = response.get_data(as_text=True)
    assert labels(page) == [
        "B nothing done",
        "A one partner behind",
        "C both two of three",
        "D no steps",
    ]
    assert "3/3" in page and "1/3" in page  # the shown figures are the live ones
    assert "Completion this week, lowest first</a>" in page
    assert "Which couples are on each page follows last night's figures" in page


def test_a_page_is_ranked_by_the_figures_it_shows(logged_in, counselor):
    """The nightly figures choose the page; the live ones, shown, order it: a couple that
    caught up since the compile moves below one that did not."""
    caught_up = factories.CoupleFactory(counselor=counselor, label="A caught up today")
    steady = factories.CoupleFactory(counselor=counselor, label="B steady")
    steps = {c.id: factories.AssignmentFactory(couple=c) for c in (caught_up, steady)}

    def check_in(couple, partner, days_ago: int) -> None:
        factories.CheckInFactory(
            assignment=steps[couple.id], partner=partner, occurred_on=TODAY - timedelta(days_ago)
        )

    for partner in steady.partners:
        check_in(steady, partner, 1)  # 1/3 each, last night and now
    check_in(caught_up, caught_up.partners[0], 1)  # 1/3 and 0/3 last night
    progress_compile.compile_progress()
    for partner in caught_up.partners:
        for days_ago in (0, 2):
            check_in(caught_up, partner, days_ago)  # 3/3 and 2/3 now
    db.session.commit()

    assert listed(logged_in, "?sort=completion") == ["B steady", "A caught up today"]


def test_filters_and_sorts_combine_with_search_and_pages(logged_in, counselor, app):
    app.config["COUPLES_PER_PAGE"] = 2
    for n in range(5):
        couple_with_session(counselor, f"Alpha {n}", NOW + timedelta(hours=5 - n))
    couple_with_session(counselor, "Alpha later", NOW + timedelta(days=3))
    couple_with_session(counselor, "Beta today", NOW + timedelta(hours=1))
    query = "?q=alpha&when=today&sort=next_session"
    first = logged_in.get(f"/couples{query}").get_data(as_text=True)
    assert labels(first) == ["Alpha 4", "Alpha 3"]
    assert "Page 1 of 3 · 5 couples" in first
    next_page = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert next_page is not None
    target = next_page.group(1).replace("&amp;", "&")
    assert all(part in target for part in ("q=alpha", "when=today", "sort=next_session", "page=2"))
    assert labels(logged_in.get(target).get_data(as_text=True)) == ["Alpha 2", "Alpha 1"]
    assert listed(logged_in, f"{query}&page=3") == ["Alpha 0"]
    # The search form keeps the choices, and each choice keeps the search.
    assert '<input type="hidden" name="when" value="today">' in first
    assert '<input type="hidden" name="sort" value="next_session">' in first
    assert 'href="/couples?q=alpha&amp;sort=next_session"' in first  # All couples


def test_another_practice_s_couples_are_never_listed(logged_in, counselor):
    couple_with_session(counselor, "Ours", NOW + timedelta(hours=1))
    couple_with_session(factories.CounselorFactory(), "Theirs", NOW + timedelta(hours=2))
    for query in ("?when=today", "?when=week", "?sort=next_session", "?sort=completion"):
        assert listed(logged_in, query) == ["Ours"], query


def test_a_staff_counselor_finds_only_their_own_couples(app, counselor):
    staff = factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)
    couple_with_session(staff, "Staff's own", NOW + timedelta(hours=1))
    couple_with_session(counselor, "Owner's", NOW + timedelta(hours=2))
    client = app.test_client()
    login(client, staff.email, factories.PASSWORD)
    for query in ("?when=today", "?sort=next_session", "?sort=last_checkin"):
        assert listed(client, query) == ["Staff's own"], query


def _couples(counselor: Counselor, first: int, number: int) -> None:
    for n in range(first, first + number):
        couple = couple_with_session(counselor, f"Couple {n:03d}", NOW + timedelta(minutes=1 + n))
        assignment = factories.AssignmentFactory(couple=couple)
        factories.CheckInFactory(assignment=assignment, occurred_on=TODAY)


QUERIES = (
    "?when=today&sort=next_session",
    "?when=week&sort=last_checkin",
    "?sort=completion&q=oup",
)


def test_statements_do_not_grow_with_the_couples(logged_in, counselor, app):
    app.config["COUPLES_PER_PAGE"] = 50
    _couples(counselor, 0, 3)
    few = {}
    for query in QUERIES:
        logged_in.get(f"/couples{query}")  # warm up: session user, caches
        with count_statements() as few[query]:
            assert len(listed(logged_in, query)) == 3
    _couples(counselor, 3, 27)
    for query in QUERIES:
        with count_statements() as many:
            assert len(listed(logged_in, query)) == 30
        assert few[query].count == many.count, (query, few[query].statements, many.statements)
