"""reports/render.py on hostile input: emoji, right-to-left text, markup, long text, many steps."""

from __future__ import annotations

import pytest

from reports import render_pre_session_report
from tests.support.pdf_text import all_text, body_text, latin_only, page_texts, squashed
from tests.support.report_data import (
    ARABIC,
    HEBREW,
    SCRIPT,
    TOM_AND_JERRY,
    make_hostile_data,
    make_reflection,
    make_report_data,
)


@pytest.fixture(scope="module")
def hostile_pdf() -> bytes:
    return render_pre_session_report(make_hostile_data())


@pytest.fixture(scope="module")
def hostile_text(hostile_pdf: bytes) -> str:
    return all_text(hostile_pdf)


@pytest.fixture(scope="module")
def hostile_body(hostile_pdf: bytes) -> str:
    return body_text(hostile_pdf)


def test_hostile_set_renders_on_many_numbered_pages(hostile_pdf: bytes) -> None:
    pages = page_texts(hostile_pdf)
    assert len(pages) > 5
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text


def test_every_reflection_is_printed_in_full(hostile_body: str) -> None:
    body = latin_only(hostile_body)
    for item in make_hostile_data().reflections:
        expected = latin_only(item.text)
        assert expected, "each reflection has Latin text to compare"
        assert expected in body, item.text[:60]


def test_each_two_thousand_character_reflection_keeps_its_last_words(hostile_body: str) -> None:
    body = squashed(hostile_body)
    for item in make_hostile_data().reflections[:5]:
        assert len(item.text) == 2000
        assert squashed(item.text[-80:]) in body


def test_markup_in_client_text_prints_literally(hostile_text: str) -> None:
    text = hostile_text
    assert SCRIPT in text
    assert TOM_AND_JERRY in text
    assert "<b>" in text
    # The counselor's name sits in a narrow column of page 1 and may wrap.
    assert "Dr<script>alert(1)</script>" in squashed(text)


def test_hebrew_and_arabic_come_back_in_logical_order(hostile_text: str) -> None:
    text = hostile_text  # NFKC turns Arabic presentation forms back into letters
    assert HEBREW in text
    assert ARABIC in text
    # pypdf moves spaces at the edge of a right-to-left run, so compare without them.
    assert squashed("יוסף has not checked off any step this period") in squashed(text)


def test_emoji_are_named_rather_than_dropped(hostile_text: str) -> None:
    text = " ".join(hostile_text.split())
    assert "Today felt lighter [smiling face with smiling eyes]" in text
    assert "[person with folded hands]" in text
    assert "and we hugged." in text


def test_forty_assignments_are_all_listed(hostile_text: str) -> None:
    text = hostile_text
    for i in range(40):
        assert f"Step {i}: " in text


def test_zero_check_ins_variant_renders_and_says_so() -> None:
    pdf = render_pre_session_report(make_hostile_data(check_ins=False))
    text = all_text(pdf)
    assert "No check-ins yet in this period." in text
    assert "No reflections yet." in text
    assert "No comfort ratings in the last 8 weeks." in text
    assert "have not checked off any step this period" in text  # both partners, one point


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n\t ",
        "\x00\x01\x1b[31m",
        "\u202eevil override",
        "&amp; &lt; &#x41; ]]> <![CDATA[x]]>",
        "x" * 5000,
        "\n".join(["line"] * 400),
        "👨‍👩‍👧‍👦" * 50,
        "漢字かな한국어",
    ],
)
def test_odd_reflection_text_never_breaks_the_render(text: str) -> None:
    data = make_report_data(reflections=(make_reflection(text),))
    assert render_pre_session_report(data).startswith(b"%PDF-")


def test_entities_are_not_decoded() -> None:
    data = make_report_data(reflections=(make_reflection("Fish &amp; chips &lt;3"),))
    assert "Fish &amp; chips &lt;3" in all_text(render_pre_session_report(data))
