"""The report's weekly check-in section (reports/weekly_checkin.py): both partners' series,
the latest week with its change, the divergences, under the practice-tool note — and no
section at all when the service left it out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from reports import render_pre_session_report
from reports.data import (
    PRACTICE_TOOL_NOTE,
    WeeklyCheckinData,
    WeeklyDivergence,
    WeeklyItem,
    WeeklyPartnerSeries,
)
from reports.weekly_checkin import HEADING, NO_ANSWERS, signed_change
from tests.support.pdf_text import all_text, squashed
from tests.support.report_data import make_empty_data, make_report_data

MONDAY = date(2025, 11, 3)
WEEKS = tuple(MONDAY + timedelta(weeks=n) for n in range(8))
ITEMS = (
    WeeklyItem("decided-together", "I talked choices over first.", "Alone", "Together"),
    WeeklyItem("felt-valued", "I felt my partner valued me.", "Not at all", "Very much"),
)


def series(name: str, partner_id: int, first: list[int | None], second: list[int | None]):
    means = tuple(None if a is None else (a + b) / 2 for a, b in zip(first, second, strict=True))
    return WeeklyPartnerSeries(
        name=name,
        partner_id=partner_id,
        scores=(tuple(first), tuple(second)),
        means=means,
        change=None if means[-2] is None else means[-1] - means[-2],
        item_changes=(first[-1] - first[-2], second[-1] - second[-2]),
    )


def weekly(**overrides) -> WeeklyCheckinData:
    blank = [None] * 5
    values = {
        "enabled": True,
        "weeks": WEEKS,
        "items": ITEMS,
        "partners": (
            series("Alex", 1, [*blank, 3, 4, 5], [*blank, 3, 3, 4]),
            series("Sam", 2, [*blank, 3, 3, 3], [*blank, 3, 3, 1]),
        ),
        "divergences": (WeeklyDivergence(WEEKS[-1], "felt-valued", ITEMS[1].text, (4, 1)),),
        "divergence_points": 2,
        "latest_week": WEEKS[-1],
    }
    return WeeklyCheckinData(**(values | overrides))


def test_the_section_shows_both_series_the_change_and_the_divergence() -> None:
    text = squashed(all_text(render_pre_session_report(make_report_data(weekly_checkin=weekly()))))

    assert squashed(HEADING) in text
    assert squashed(PRACTICE_TOOL_NOTE) in text
    assert squashed("Week of 22 Dec") in text
    assert squashed("Alex +1") in text and squashed("Sam −1") in text
    assert squashed("Where the partners differ by 2 points or more") in text
    assert squashed("I felt my partner valued me. — Alex 4, Sam 1") in text
    assert squashed("2+ apart") in text


def test_a_reworded_statement_says_so_instead_of_a_change() -> None:
    alex = replace(
        series("Alex", 1, [*[None] * 5, 3, 4, 5], [*[None] * 5, 3, 3, 4]),
        change=None,
        item_changes=(None, 1),
        item_reworded=(True, False),
    )
    sam = series("Sam", 2, [*[None] * 5, 3, 3, 3], [*[None] * 5, 3, 3, 1])
    data = weekly(partners=(alex, sam), mixed_wording=((WEEKS[-1], "decided-together"),))
    text = squashed(all_text(render_pre_session_report(make_report_data(weekly_checkin=data))))

    assert squashed("Alex – (wording changed), Sam −1") in text
    assert squashed("I talked choices over first. · rated in different words") in text
    assert squashed("5 (wording changed)") in text and squashed("4 (+1)") in text


def test_no_answers_yet_says_so() -> None:
    data = weekly(items=(), divergences=(), latest_week=None, partners=())
    text = squashed(all_text(render_pre_session_report(make_report_data(weekly_checkin=data))))
    assert squashed(NO_ANSWERS) in text


def test_no_section_without_the_check_in() -> None:
    text = squashed(all_text(render_pre_session_report(make_report_data())))
    assert squashed(HEADING) not in text


def test_a_couple_with_nothing_else_still_gets_the_section() -> None:
    data = make_empty_data()
    pdf = render_pre_session_report(replace(data, weekly_checkin=weekly()))
    assert squashed(HEADING) in squashed(all_text(pdf))


def test_changes_are_written_with_their_sign() -> None:
    assert [signed_change(v) for v in (0.5, -1, 0, 0.0, None)] == ["+0.5", "−1", "±0", "±0", "–"]
    # A mean's change keeps its one decimal (1.0 is not "+1", a statement's whole point).
    assert [signed_change(v) for v in (1.0, -0.9, 1)] == ["+1.0", "−0.9", "+1"]
