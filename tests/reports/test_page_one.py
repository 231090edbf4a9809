"""Page 1 is the session: the agenda, last time's notes, the partners against the period
before with the readiness figures, the talking points and the reflections worth reading
first — and it never runs over, however long the agenda and the notes are."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from reports import render_pre_session_report
from reports.reflection_picks import (
    COUNSELOR_ONLY,
    LOWEST_COMFORT,
    MOST_RECENT,
    telling_reflections,
)
from reports.session_page import CONTINUED, excerpt
from reports.styles import MARGIN_BOTTOM, MARGIN_TOP
from reports.summary import _contents_note
from tests.support.pdf_text import page_texts, squashed
from tests.support.report_data import (
    AGENDA,
    BUSY_AGENDA,
    BUSY_NOTES,
    NOTES,
    make_busy_data,
    make_crowded_data,
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
    assert flat(BUSY_AGENDA.splitlines()[0][:40]) in flat(first)
    assert flat(BUSY_NOTES[:40]) in flat(first)
    # Agenda and notes give way before the reflections drop below two.
    assert "MOST RECENT" in first and "LOWEST COMFORT" in first
    # Page 1 ends with its own last line: nothing of it ran onto page 2.
    assert "Following pages:" in first and "Talking points" in first
    assert "Reflections worth reading first" in first
    assert squashed(BUSY_AGENDA) in squashed(second + pages[2])
    assert "Agenda for this session, in full" in second


# Headings whose words depend on the data, as patterns; the fixed ones as they are.
HEADING_PATTERNS = (
    *(re.escape(heading) for heading in HEADINGS),
    r"Talking points, continued",
    r"Notes from the session on .+, in full",
    r"Last time(: notes from .+)?",
    r"Agenda for this session",
)


def last_body_lines(pdf: bytes) -> list[str]:
    """Each page's lowest line of text between the header and the footer."""
    lasts = []
    for page in PdfReader(BytesIO(pdf)).pages:
        low, high = MARGIN_BOTTOM - 6, float(page.mediabox.height) - MARGIN_TOP + 6
        lines: dict[int, list[str]] = defaultdict(list)

        def keep(
            text: str, cm: list[float], tm: list[float], *_: object, low=low, high=high, lines=lines
        ) -> None:
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if text.strip() and low <= y <= high:
                lines[round(y)].append(text)

        page.extract_text(visitor_text=keep)
        lasts.append(" ".join("".join(lines[min(lines)]).split()) if lines else "")
    return lasts


def is_heading(line: str, step_titles: list[str]) -> bool:
    """Whether ``line`` is a heading, or the last line of a step's title (an h3)."""
    if any(re.fullmatch(pattern, line) for pattern in HEADING_PATTERNS):
        return True
    tail = squashed(line)
    return len(tail) >= 8 and any(squashed(title).endswith(tail) for title in step_titles)


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize(
    "build", [make_busy_data, make_hostile_data, make_quiet_data, make_report_data,
              make_crowded_data]
)  # fmt: skip
def test_no_heading_ends_a_page(build, paper) -> None:
    data = replace(build(), paper=paper)
    titles = [a.title for a in data.assignments]
    lasts = last_body_lines(render_pre_session_report(data))
    assert all(lasts), lasts  # every page has a body the test can read
    for number, line in enumerate(lasts, 1):
        assert not is_heading(line, titles), (number, line)


def test_the_heading_test_sees_a_heading_at_the_foot_of_a_page() -> None:
    """The check above is not vacuous: a heading pushed to a page's foot is caught."""
    assert is_heading("Talking points, continued", [])
    assert is_heading("Notes from the session on Mon 27 Oct 2025, in full", [])
    assert is_heading("week together", ["Talk through a stressful week together"])
    assert not is_heading("Following pages: the ladder, 3 steps week by week", [])


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


# --- talking points beyond page 1 -----------------------------------------------------------


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_page_one_shows_six_talking_points_and_page_two_the_rest(paper) -> None:
    data = replace(make_crowded_data(), paper=paper)
    pages = page_texts(render_pre_session_report(data))
    first, second = flat(pages[0]), flat(pages[1])
    assert "Point 6:" in first and "Point 7:" not in first
    assert "13 more talking points on page 2." in first
    assert "Following pages:" in first  # page 1's own content stayed on page 1
    assert second.index("Talking points, continued") < second.index("in full")  # first
    assert "Talking points, continued" in second
    for n in range(7, 20):
        assert f"Point {n}:" in second, n
    # Numbers from 10 up sit on one line, not split into "1" over "0".
    numbers = [line.strip() for line in pages[1].splitlines()]
    assert {"10", "19"} <= set(numbers)


def test_page_one_describes_the_readiness_rule_the_service_applied() -> None:
    for bar, words in ((0.8, "80%+ in both: moving up"), (0.75, "75%+ in both: moving up")):
        first = flat(page_texts(render_pre_session_report(make_report_data(readiness_bar=bar)))[0])
        assert words in first, bar
    unsaid = flat(page_texts(render_pre_session_report(make_report_data(readiness_bar=None)))[0])
    assert "at the bar in both: moving up" in unsaid


def test_the_contents_note_names_the_weekly_check_in_and_the_leaning_acts_when_there() -> None:
    data = make_busy_data()
    assert "weekly check-in" not in _contents_note(data)
    assert "leaning" not in _contents_note(data)
    with_both = replace(data, weekly_checkin=object(), leaning_acts=(object(), object()))
    note = _contents_note(with_both)
    assert "charts, the weekly check-in, " in note
    assert "2 leaning acts with the answers, step texts." in note
