"""reports/handout.py: the couple's steps on one sheet — one page for up to six long steps,
a second page beyond, a tick box for each of a step's days, nothing under 9 pt, hostile
text kept in its place, the same bytes every time, and only the words it is given (the
service words the sheet in the couple's language: tests/dashboard/test_handout*.py)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader

from reports import HandoutData, HandoutStep, render_handout
from reports.handout import SMALLEST_TEXT, HandoutWords
from reports.paper import A4_NAME, LETTER_NAME, page_size
from tests.support.pdf_text import all_text, page_texts, squashed

MONDAY = date(2025, 11, 10)
WEEK_LABELS = ("Mon 10", "Tue 11", "Wed 12", "Thu 13", "Fri 14", "Sat 15", "Sun 16")
FRIENDLY_LINE = "Tick a box each day you do the step. Bring this sheet to your next session."
NO_STEPS = "No steps are active this week. Your counselor will give you new ones."
WORDS = HandoutWords(
    week_heading="Your steps for the week of 10 – 16 Nov 2025",
    intro=FRIENDLY_LINE,
    no_steps=NO_STEPS,
    notes="Notes",
    footer="Steps for the week of 10 – 16 Nov 2025 · Printed Wed 12 Nov 2025",
    page="Page %(number)s of %(pages)s",
    pdf_title="Steps for %(couple)s, 10 – 16 Nov 2025",
    pdf_subject="Steps for the week of 10 – 16 Nov 2025",
    day_heads=WEEK_LABELS,
)
# As long as the longest step of the ladder (counselor/ladder/ladder.toml), 342 characters.
LONG_TEXT = (
    "Sit down together for about twenty minutes and list the parts of daily life each of you "
    "runs entirely on your own, like money, friends, meals, or weekend plans. Don't judge or "
    "fix anything; simply see where your lives overlap and where they run side by side. Keep "
    "the list somewhere you can both find it, because you'll come back to it later."
)


def step(title: str, **changes: object) -> HandoutStep:
    fields: dict[str, object] = {
        "title": title,
        "instructions": "Tell your partner about one small worry this week.",
        "who": "Each of you, 3 times a week",
        "rows": ("Zoë", "José"),
        "first_day": date(2025, 11, 3),
        "last_day": None,
    }
    fields.update(changes)
    return HandoutStep(**fields)


def demo_sheet(paper: str = A4_NAME) -> HandoutData:
    """Three steps as in the demo: each partner, together from Wednesday, one partner
    until Friday."""
    return HandoutData(
        practice_name="Harbour Couples Practice",
        couple_label="Zoë & José M.",
        week_start=MONDAY,
        printed_on=date(2025, 11, 12),
        paper=paper,
        steps=(
            step("Share a minor worry"),
            step(
                "Plan a shared evening",
                who="Together, once a week · from Wed 12 Nov",
                rows=("Together",),
                first_day=date(2025, 11, 12),
            ),
            step(
                "Ask for a lift",
                who="Only José, twice a week · until Fri 14 Nov",
                rows=("José",),
                last_day=date(2025, 11, 14),
            ),
        ),
        words=WORDS,
    )


def long_sheet(count: int, paper: str) -> HandoutData:
    steps = tuple(
        step(f"Long step {n} with a title of some length", instructions=LONG_TEXT)
        for n in range(1, count + 1)
    )
    return replace(demo_sheet(paper), steps=steps)


def pages(pdf: bytes) -> list:
    return list(PdfReader(BytesIO(pdf)).pages)


def content(page) -> str:
    return page.get_contents().get_data().decode("latin-1")


def tick_boxes(pdf: bytes) -> int:
    """The 10 pt squares drawn (``TickBox``), counted in the pages' drawing operators."""
    return sum(len(re.findall(r"\b0 0 10 10 re\b", content(page))) for page in pages(pdf))


@pytest.mark.parametrize("paper", [LETTER_NAME, A4_NAME])
@pytest.mark.parametrize("count", [3, 6])
def test_up_to_six_long_steps_fit_one_page(paper: str, count: int) -> None:
    pdf = render_handout(long_sheet(count, paper))
    assert len(pages(pdf)) == 1
    text = squashed(all_text(pdf))
    for n in range(1, count + 1):
        assert squashed(f"Long step {n} with a title of some length") in text
    assert text.count(squashed(LONG_TEXT)) == count
    assert tick_boxes(pdf) == count * 2 * 7


@pytest.mark.parametrize("paper", [LETTER_NAME, A4_NAME])
def test_more_steps_continue_on_a_second_page_with_the_furniture(paper: str) -> None:
    pdf = render_handout(long_sheet(8, paper))
    texts = page_texts(pdf)
    assert len(texts) == 2
    assert "Page 1 of 2" in texts[0] and "Page 2 of 2" in texts[1]
    for page_text in texts:
        assert "Zoë & José M." in page_text and "Harbour Couples Practice" in page_text
    assert "Long step 8" in texts[1]
    assert tick_boxes(pdf) == 8 * 2 * 7
    # A step is kept whole: its title and its rows of boxes are on the same page.
    for page_text in texts:
        assert page_text.count("Long step") == page_text.count("Sun 16")


def test_the_sheet_names_the_couple_the_week_and_each_step() -> None:
    pdf = render_handout(demo_sheet())
    (text,) = page_texts(pdf)
    for expected in (
        "Harbour Couples Practice",
        "Zoë & José M.",
        "Your steps for the week of 10 – 16 Nov 2025",
        FRIENDLY_LINE,
        "Share a minor worry",
        "Plan a shared evening",
        "Ask for a lift",
        "Each of you, 3 times a week",
        "Together, once a week · from Wed 12 Nov",
        "Only José, twice a week · until Fri 14 Nov",
        "Tell your partner about one small worry this week.",
        "Notes",
        "Printed Wed 12 Nov 2025",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    lines = [line.strip() for line in text.splitlines()]
    for label in WEEK_LABELS:
        assert lines.count(label) == 3, label  # each step's row of days is labelled
    assert "Confidential" not in text  # the sheet goes home with the couple


def test_a_box_for_each_day_a_step_counts_and_a_row_for_each_doer() -> None:
    sheet = demo_sheet()
    # Each partner: two rows of 7; together from Wednesday: 5; José until Friday: 5.
    assert tick_boxes(render_handout(sheet)) == 14 + 5 + 5
    only_together = replace(sheet, steps=(replace(sheet.steps[1], first_day=MONDAY),))
    assert tick_boxes(render_handout(only_together)) == 7  # one joint row


def test_the_sheet_prints_the_words_it_is_given_and_states_its_language() -> None:
    words = replace(
        WORDS,
        week_heading="Tus pasos de la semana del 10–16 nov 2025",
        notes="Notas",
        page="Página %(number)s de %(pages)s",
        pdf_title="Pasos para %(couple)s, 10–16 nov 2025",
        day_heads=("lun 10", "mar 11", "mié 12", "jue 13", "vie 14", "sáb 15", "dom 16"),
    )
    pdf = render_handout(replace(demo_sheet(), words=words, language="es"))

    (text,) = page_texts(pdf)
    for expected in ("Tus pasos de la semana del 10–16 nov 2025", "Notas", "Página 1 de 1"):
        assert expected in text, expected
    lines = [line.strip() for line in text.splitlines()]
    assert lines.count("mié 12") == 3 and lines.count("Wed 12") == 0  # each step's days
    assert "Notes" not in lines
    reader = PdfReader(BytesIO(pdf))
    assert reader.metadata.title == "Pasos para Zoë & José M., 10–16 nov 2025"
    assert reader.trailer["/Root"]["/Lang"] == "es"


@pytest.mark.parametrize("build", [demo_sheet, lambda: long_sheet(8, LETTER_NAME)])
def test_no_text_under_nine_points_and_only_embedded_fonts(build) -> None:
    for page in pages(render_handout(build())):
        sizes = {float(size) for size in re.findall(r" ([\d.]+) Tf", content(page))}
        assert sizes and min(sizes) >= SMALLEST_TEXT
        fonts = [font.get_object()["/BaseFont"] for font in page["/Resources"]["/Font"].values()]
        assert all("+" in name for name in fonts), fonts  # subsets embedded, no Helvetica


@pytest.mark.parametrize("paper", [LETTER_NAME, A4_NAME])
def test_the_paper_is_the_practices(paper: str) -> None:
    (page,) = pages(render_handout(demo_sheet(paper)))
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        page_size(paper)
    )


def test_same_data_same_bytes() -> None:
    assert render_handout(demo_sheet()) == render_handout(demo_sheet())


def test_a_couple_without_active_steps_gets_a_sheet_that_says_so() -> None:
    pdf = render_handout(replace(demo_sheet(), steps=()))
    (text,) = page_texts(pdf)
    assert squashed(NO_STEPS) in squashed(text)
    assert tick_boxes(pdf) == 0


def hostile_sheet() -> HandoutData:
    return HandoutData(
        practice_name="<b>Practice</b> & Co",
        couple_label="יוסף ושרה & أحمد",
        week_start=date(2025, 12, 29),
        printed_on=date(2025, 12, 30),
        paper=LETTER_NAME,
        steps=(
            step(
                "שלום עליכם — a step in Hebrew",
                instructions="קראו יחד את הרשימה (שלוש פעמים).\nالمشي معًا لمدة عشرين دقيقة.",
                rows=("יוסף", "أحمد"),
                who="Each of you, 14 times a week",
            ),
            step(
                "A" * 120,
                instructions="Supercalifragilistic" * 40 + " 😊 <script>alert(1)</script>",
                who=f"Only {'Z' * 80}, 3 times a week",
                rows=("Z" * 80,),
            ),
            step("Tabs\tand\x00 controls", instructions="one\r\ntwo\n\n\nthree"),
        ),
        words=WORDS,
    )


def test_hostile_text_stays_on_the_page_and_in_order() -> None:
    pdf = render_handout(hostile_sheet())
    assert len(pages(pdf)) == 1
    text = all_text(pdf)
    assert "שלום עליכם" in text and "קראו יחד את הרשימה" in text
    assert "<b>Practice</b> & Co" in text  # markup printed, not obeyed
    assert "<script>alert(1)</script>" in text
    assert "[smiling face with smiling eyes]" in text
    assert squashed("Supercalifragilistic" * 40) in squashed(text)
    assert tick_boxes(pdf) == 3 * 2 * 7 - 7  # the one-partner step has a single row
    (page,) = pages(pdf)
    width = float(page.mediabox.width)
    starts: list[float] = []

    def where(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            starts.append(tm[4] * cm[0] + tm[5] * cm[2] + cm[4])

    page.extract_text(visitor_text=where)
    assert starts and all(0 <= x < width - 40 for x in starts)  # nothing pushed off the page
