"""Page 1 is the session: the agenda, last time's notes, the partners against the period
before with the readiness figures, the talking points and the reflections worth reading
first — and it never runs over, however long the agenda and the notes are."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from reports import render_pre_session_report
from reports.reflection_picks import (
    COUNSELOR_ONLY,
    LOWEST_COMFORT,
    MOST_RECENT,
    telling_reflections,
)
from reports.session_page import CONTINUED, excerpt
from tests.support.pdf_text import page_texts, squashed
from tests.support.report_data import (
    AGENDA,
    BUSY_AGENDA,
    BUSY_NOTES,
    NOTES,
    make_busy_data,
    make_hostile_data,
    make_quiet_data,
    make_readiness,
    make_reflection,
    make_report_data,
)

HEADINGS = (
    "This period against the one before",
    "Talking points",
    "Reflections worth reading first",
    "Agenda for this session, in full",
    "Where the couple is on the ladder",
    "Steps this period, week by week",
    "Weekly completion, last 8 weeks",
    "Comfort ratings, last 8 weeks",
    "Recent reflections",
    "Steps as assigned",
)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_page_one_holds_the_agenda_last_time_s_notes_and_the_talking_points() -> None:
    first = flat(page_texts(render_pre_session_report(make_report_data()))[0])
    assert flat(AGENDA) in first
    assert f"Last time: notes from Mon 27 Oct 2025 {NOTES}" in first
    assert "Talking points" in first and "José's comfort is falling" in first
    assert "continued on page 2" not in first


def test_page_one_shows_the_readiness_figures_behind_a_suggestion() -> None:
    data = make_report_data()
    ready = make_readiness("ready_to_move_up", (4, 4, 1.0), (5, 6, 0.83))
    zoe, jose = data.partners
    first = flat(
        page_texts(
            render_pre_session_report(replace(data, partners=(replace(zoe, readiness=ready), jose)))
        )[0]
    )
    assert "ready to move up 100%, 83% · 4/4, 5/6" in first
    assert "no suggestion no full weeks yet" in first
    assert "Readiness (weeks of 27 Oct and 3 Nov)" in first


def test_page_one_quotes_the_telling_reflections_with_step_date_comfort_and_visibility() -> None:
    first = flat(page_texts(render_pre_session_report(make_report_data()))[0])
    assert "Thu 6 Nov 2025 · Zoë · comfort 4/5 · Rung 3 · Share one worry from your day" in first
    assert "MOST RECENT I told José about the deadline" in first
    assert "Tue 4 Nov 2025 · José · comfort 2/5" in first
    assert "LOWEST COMFORT · COUNSELOR ONLY I wanted to tell Zoë" in first


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_long_agenda_and_long_notes_are_cut_on_page_one_and_whole_on_page_two(paper) -> None:
    pages = page_texts(render_pre_session_report(replace(make_busy_data(), paper=paper)))
    first, second = pages[0], pages[1]
    assert first.count(CONTINUED) == 2
    assert flat(BUSY_AGENDA.splitlines()[0]) in flat(first)
    assert flat(BUSY_NOTES[:40]) in flat(first)
    # Page 1 ends with its own last line: nothing of it ran onto page 2.
    assert "Following pages:" in first and "Talking points" in first
    assert "Reflections worth reading first" in first
    assert squashed(BUSY_AGENDA) in squashed(second + pages[2])
    assert "Agenda for this session, in full" in second


def test_no_heading_ends_a_page() -> None:
    for build in (make_busy_data, make_hostile_data, make_quiet_data, make_report_data):
        for number, text in enumerate(page_texts(render_pre_session_report(build())), 1):
            body = [line for line in text.splitlines() if line.strip()]
            last_body_line = body[-5]  # before the header's two lines and the footer's two
            assert last_body_line.strip() not in HEADINGS, (build.__name__, number)


def test_excerpt_cuts_at_a_word_and_at_a_line() -> None:
    assert excerpt("one two three four five", 16, 5) == ("one two three", True)
    assert excerpt("x" * 30, 10, 5) == ("x" * 10, True)  # a long word is cut where it must
    assert excerpt("a\n\nb\nc", 100, 2) == ("a\nb", True)
    assert excerpt("short", 100, 2) == ("short", False)


# --- which reflections page 1 picks (reports.reflection_picks) ----------------------------


def test_picks_most_recent_lowest_comfort_and_counselor_only_once_each() -> None:
    newest = make_reflection("newest", occurred_on=date(2025, 11, 8), comfort=4)
    low = make_reflection("low", occurred_on=date(2025, 11, 5), comfort=1)
    private = make_reflection("private", occurred_on=date(2025, 11, 6), shared=False)
    older_private = make_reflection("older", occurred_on=date(2025, 11, 1), shared=False)
    picks = telling_reflections([low, older_private, private, newest])
    assert [(p.item.text, p.reasons) for p in picks] == [
        ("newest", (MOST_RECENT,)),
        ("low", (LOWEST_COMFORT,)),
        ("private", (COUNSELOR_ONLY,)),
    ]


def test_a_reflection_picked_twice_is_listed_once_with_both_reasons() -> None:
    newest_low_private = make_reflection(
        "x", occurred_on=date(2025, 11, 8), comfort=2, shared=False
    )
    older = make_reflection("y", occurred_on=date(2025, 11, 2), comfort=4)
    [pick] = telling_reflections([older, newest_low_private])
    assert pick.reasons == (MOST_RECENT, LOWEST_COMFORT, COUNSELOR_ONLY)


def test_a_comfortable_lowest_is_not_picked_and_withdrawn_counts_as_counselor_only() -> None:
    newest = make_reflection("newest", occurred_on=date(2025, 11, 8), comfort=5)
    fine = make_reflection("fine", occurred_on=date(2025, 11, 3), comfort=4)
    withdrawn = make_reflection("taken back", occurred_on=date(2025, 11, 2), comfort=None,
                                shared=False, withdrawn_on=date(2025, 11, 4))  # fmt: skip
    picks = telling_reflections([fine, withdrawn, newest])
    assert [(p.item.text, p.reasons) for p in picks] == [
        ("newest", (MOST_RECENT,)),
        ("taken back", (COUNSELOR_ONLY,)),
    ]
    assert telling_reflections([]) == ()
