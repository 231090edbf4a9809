"""reports/render.py: the realistic report reads right, fast, and the same every time."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from benchmarks.report_floor import bare_document, register_font, talking_point_count
from reports import TalkingPoint, WeekCell, render_pre_session_report
from reports.data import DISCUSS_BARRIERS, READY_TO_MOVE_UP
from reports.fonts import report_fonts
from reports.talking_points import FALLBACK_TEXT
from tests.support.pdf_text import all_text, body_text, page_texts, squashed
from tests.support.report_data import (
    make_assignment,
    make_busy_data,
    make_empty_data,
    make_hostile_data,
    make_partner,
    make_report_data,
)

CONFIDENTIAL = "Confidential — prepared for the treating counselor"


def test_renders_within_a_small_multiple_of_a_bare_platypus_document() -> None:
    """Timed against the benchmarks' floor (the same pages, tables and charts in plain
    Platypus) in the same run, round by round, so a busy machine slows both alike."""
    data = make_report_data()
    register_font(str(report_fonts().source))
    points = talking_point_count(data)
    render_pre_session_report(data)  # fonts register on the first render
    bare_document(data, points)
    ratios = []
    for _ in range(5):
        started = time.perf_counter()
        bare_document(data, points)
        floor = time.perf_counter() - started
        started = time.perf_counter()
        pdf = render_pre_session_report(data)
        ratios.append((time.perf_counter() - started) / floor)
    assert pdf.startswith(b"%PDF-")
    # make bench measures about 1.6x; 3x leaves room for noise, not for a regression
    # that doubles the work.
    assert statistics.median(ratios) < 3, ratios


def test_page_one_names_the_couple_the_counselor_and_the_session() -> None:
    """The facts sit in a row of four narrow columns: they may wrap."""
    pages = page_texts(render_pre_session_report(make_report_data()))
    first = " ".join(pages[0].split())
    for expected in (
        "Harbour Couples Practice".upper(),
        "Pre-session report",
        "Zoë & José M.",
        "Dr Miriam Okafor",
        "Tue 11 Nov 2025, 17:00 CET (Europe/Berlin)",
        "27 Oct – 9 Nov 2025, since the previous session",
        "3 of 6 · Share emotional loads",
    ):
        assert expected in first, expected
    # The ladder strip moved to page 2: page 1 is the session's.
    assert "Rung 3 · now" not in first and "Rung 3 · now" in pages[1]


def test_page_one_shows_each_partners_figures() -> None:
    first = " ".join(page_texts(render_pre_session_report(make_report_data()))[0].split())
    for expected in ("Zoë", "José", "4 of 6 (67%)", "5 of 6 (83%)", "1 of 6 (17%)", "3 weeks"):
        assert expected in first, expected
    assert "down 0.9" in first and "up 0.6" in first
    assert "3.8, up 0.6 5 ratings" in first and "2.5, down 0.9 4 ratings" in first
    assert "stopped" in first


def test_page_one_shows_this_week_so_far_and_whether_reminders_reach_each_partner() -> None:
    data = make_report_data()
    zoe, jose = data.partners
    paused = replace(data, partners=(replace(zoe, reminders_paused_until=date(2025, 11, 14)), jose))
    first = " ".join(page_texts(render_pre_session_report(paused))[0].split())
    assert "Zoë 2 of 3 (67%) 4 of 6 (67%)" in first  # this week, then the period
    assert "José 0 of 3 (0%) 1 of 6 (17%)" in first
    assert "paused until 14 Nov" in first and "stopped" in first


def test_page_one_names_the_couple_s_suggestion_under_its_rung() -> None:
    for signal, words in (
        (READY_TO_MOVE_UP, "The couple: suggests moving up — the counselor decides"),
        (DISCUSS_BARRIERS, "The couple: suggests talking about barriers"),
    ):
        data = replace(make_report_data(), readiness_signal=signal)
        first = " ".join(page_texts(render_pre_session_report(data))[0].split())
        assert words in first
    first = " ".join(page_texts(render_pre_session_report(make_report_data()))[0].split())
    assert "The couple: suggests" not in first


def test_a_week_past_its_target_reads_counted_of_target_and_the_rest_apart() -> None:
    """A step ended on a Tuesday after two check-ins: its week's target is 1, pro rata."""
    data = make_report_data()
    ended = replace(
        data.assignments[0],
        status="completed",
        ended_on=date(2025, 11, 4),
        cells=(("Zoë", (WeekCell(date(2025, 10, 27), 3, 3), WeekCell(date(2025, 11, 3), 2, 1))),),
    )
    text = " ".join(
        all_text(render_pre_session_report(replace(data, assignments=(ended,)))).split()
    )
    assert "1/1 +1" in text and "2/1" not in text
    assert "completed 4 Nov" in text
    assert "4/4" in text  # the period: what counted, 3 + 1


def test_page_one_lists_the_talking_points_with_their_evidence() -> None:
    first = page_texts(render_pre_session_report(make_report_data()))[0]
    assert "A big gap between partners: Zoë and José differ by 50 points" in first
    assert "Zoë: 4 of 6 (67%); José: 1 of 6 (17%) this period — based on 12 check-offs" in first
    assert "José's comfort is falling" in first
    assert "from 4 ratings this period, 3.4 from 5 before (scale 1–5) — based on 9 ratings" in first
    assert "José has stopped reminder emails" in first


def test_given_talking_points_replace_the_derived_ones() -> None:
    data = make_report_data(talking_points=(TalkingPoint("Ask about the move", "From intake"),))
    text = all_text(render_pre_session_report(data))
    assert "Ask about the move" in text and "From intake" in text
    assert "big gap" not in text


def test_an_empty_tuple_of_talking_points_says_there_are_none() -> None:
    text = all_text(render_pre_session_report(make_report_data(talking_points=())))
    assert "No talking points for this session." in text


def test_every_page_has_header_footer_and_page_n_of_m() -> None:
    pages = page_texts(render_pre_session_report(make_report_data()))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert CONFIDENTIAL in text
        assert "Zoë & José M." in text
        assert f"Page {number} of {len(pages)}" in text
        assert "Generated Mon 10 Nov 2025, 07:30 CET" in text


def test_report_carries_the_caution_that_it_supports_counselling() -> None:
    text = " ".join(all_text(render_pre_session_report(make_report_data())).split())
    assert "supports counselling and is no substitute for it" in text
    assert "for the treating counselor only" in text


def test_detail_pages_hold_table_charts_reflections_and_step_texts() -> None:
    data = make_report_data()
    text = " ".join(all_text(render_pre_session_report(data)).split())
    for heading in (
        "Steps this period, week by week",
        "Weekly completion, last 8 weeks",
        "Comfort ratings, last 8 weeks",
        "Recent reflections",
        "Steps as assigned",
    ):
        assert heading in text
    assert "Wk of 27 Oct" in text and "2/2" in text and "0/2" in text
    assert "Week starting" in text and "100%" in text  # chart axes are labelled
    assert "Shared with partner" in text and "Counselor only" in text
    body = squashed(body_text(render_pre_session_report(data)))
    for item in data.reflections:
        assert squashed(item.text) in body
    for row in data.assignments:
        assert squashed(row.instructions) in body


def test_reflection_shows_date_partner_rung_and_visibility() -> None:
    text = all_text(render_pre_session_report(make_report_data()))
    assert "Tue 4 Nov 2025 · José · comfort 2/5 · Rung 3 · Share one worry from your day" in text


def test_empty_couple_gets_one_page_that_says_so() -> None:
    pdf = render_pre_session_report(make_empty_data())
    pages = page_texts(pdf)
    assert len(pages) == 1
    text = pages[0]
    assert "No check-ins yet in this period." in text
    assert "No steps assigned yet." in text
    assert "No reflections yet." in text
    assert "No session scheduled" in text
    assert FALLBACK_TEXT in text
    assert "No steps were due and no comfort was rated this period" in text
    assert "Page 1 of 1" in text


def test_same_data_gives_the_same_bytes() -> None:
    data = make_report_data()
    assert render_pre_session_report(data) == render_pre_session_report(data)


def test_creation_date_is_the_generation_time_not_the_clock() -> None:
    reader = PdfReader(BytesIO(render_pre_session_report(make_report_data())))
    assert reader.metadata is not None
    assert reader.metadata["/CreationDate"].startswith("D:20251110063000")
    assert reader.metadata.title == "Pre-session report — Zoë & José M."


def test_logo_is_drawn_and_a_broken_logo_is_skipped() -> None:
    buffer = BytesIO()
    Image.new("RGB", (240, 80), "#1D5C7A").save(buffer, "PNG")
    with_logo = render_pre_session_report(make_report_data(practice_logo_png=buffer.getvalue()))
    page = PdfReader(BytesIO(with_logo)).pages[0]
    assert len(page.images) == 1
    broken = render_pre_session_report(make_report_data(practice_logo_png=b"not a png"))
    assert "Pre-session report" in page_texts(broken)[0]


def test_many_reflections_and_steps_flow_onto_more_pages() -> None:
    data = make_report_data()
    longer = replace(data, reflections=data.reflections * 12, assignments=data.assignments * 10)
    pages = page_texts(render_pre_session_report(longer))
    assert len(pages) > 3
    assert all(f"of {len(pages)}" in text for text in pages)


def test_reports_package_imports_neither_flask_nor_sqlalchemy() -> None:
    code = (
        "import sys, reports; "
        "from tests.support.report_data import make_report_data; "
        "reports.render_pre_session_report(make_report_data()); "
        "bad = [m for m in ('flask', 'sqlalchemy', 'counselor') if m in sys.modules]; "
        "print(*bad); sys.exit(1 if bad else 0)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr


THIRTEEN_WEEKS = tuple(date(2025, 8, 4) + timedelta(weeks=i) for i in range(13))


@pytest.mark.parametrize(
    "overrides",
    [
        {"partners": (), "rungs": (), "chart_weeks": ()},
        {"current_rung": 7, "timezone_name": "Not/A_Zone"},
        {"partners": (make_partner("Zoë", weekly_completion=(0.5,), weekly_mean_comfort=()),)},
        {"partners": tuple(make_partner(name) for name in "ABCD")},
        {"couple_label": "X" * 300, "practice_name": "P" * 300, "counselor_name": "C " * 200},
        {
            "assignments": (
                make_assignment(
                    "A long period",
                    cells=(("Zoë", tuple(WeekCell(w, 1, 2) for w in THIRTEEN_WEEKS)),),
                ),
            )
        },
    ],
    ids=[
        "no-partners",
        "odd-rung-and-zone",
        "short-series",
        "four-partners",
        "long-names",
        "13-weeks",
    ],
)
def test_unusual_shapes_still_render(overrides: dict) -> None:
    pages = page_texts(render_pre_session_report(make_report_data(**overrides)))
    assert "Pre-session report" in pages[0]
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_a_partner_with_a_single_week_of_figures_renders() -> None:
    from dataclasses import replace

    data = make_report_data()
    lonely = replace(
        data.partners[0],
        weekly_completion=(None,) * 7 + (0.5,),
        weekly_mean_comfort=(None,) * 7 + (3.0,),
    )
    pdf = render_pre_session_report(replace(data, partners=(lonely, *data.partners[1:])))
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("build", [make_busy_data, make_hostile_data, make_empty_data])
def test_every_font_the_report_names_is_embedded(build, paper) -> None:
    """No unembedded Helvetica: not from a table's plain cells, not from a chart."""
    for number, page in enumerate(PdfReader(BytesIO(render(build(), paper))).pages, 1):
        fonts = [f.get_object()["/BaseFont"] for f in page["/Resources"]["/Font"].values()]
        for xobject in page["/Resources"].get("/XObject", {}).values():
            resources = xobject.get_object().get("/Resources", {})
            fonts += [f.get_object()["/BaseFont"] for f in resources.get("/Font", {}).values()]
        assert fonts and all("+" in name for name in fonts), (number, fonts)  # subsets


def render(data, paper: str) -> bytes:
    return render_pre_session_report(replace(data, paper=paper))
