"""The render does no work twice that it need not: text is cleaned one kind of character at
a time (ASCII in one pass), and page 1 is measured against the frame without being drawn
on a canvas that is thrown away. Each shortcut gives exactly what the long way gave."""

from __future__ import annotations

import random
import unicodedata
from io import BytesIO

import pytest
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame

from reports import render_pre_session_report, summary
from reports.fonts import report_fonts
from reports.styles import CONTENT_WIDTH, build_styles, page_geometry
from reports.talking_points import derive_talking_points
from reports.text import _drawable, clean
from tests.support.report_data import (
    make_busy_data,
    make_crowded_data,
    make_empty_data,
    make_hostile_data,
    make_report_data,
)

PNG_1X1 = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_ascii_text_is_cleaned_as_character_by_character() -> None:
    fonts = report_fonts()
    assert fonts.draws_printable_ascii
    every_ascii = "".join(chr(code) for code in range(128))
    for text in (every_ascii, "a\tb\x00c\x7fd\r\ne\rf", "Plain words, 1 & 2 <b>."):
        expected = "".join(
            _drawable(ch, fonts) for ch in text.replace("\r\n", "\n").replace("\r", "\n")
        )
        assert clean(text, fonts) == expected


def _cleaned_char_by_char(text: str, fonts) -> str:
    """``clean`` as it was: every character looked up on its own, placeholders merged."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    out, previous = [], ""
    for ch in text:
        piece = _drawable(ch, fonts)
        if piece and piece == previous:
            continue
        previous = piece if piece.startswith("[") and len(piece) > 1 else ""
        out.append(piece)
    return "".join(out)


def test_any_text_is_cleaned_as_character_by_character() -> None:
    """Mixed scripts, emoji and their modifiers, controls, combining marks: the same."""
    fonts = report_fonts()
    pool = [chr(code) for code in range(0x250)] + [
        *"שלוםمرحبا你好😊👍🏽\u200d\ufe0f\u0301\u00ad\u2066\u2069\r\n\t"
    ]
    chooser = random.Random(16)
    for _ in range(3000):
        text = "".join(chooser.choice(pool) for _ in range(chooser.randrange(30)))
        assert clean(text, fonts) == _cleaned_char_by_char(text, fonts), repr(text)


def _drawn_fits(story, frame_height: float) -> bool:
    """How page 1 was measured before: each flowable added to a scratch frame, and drawn."""
    frame = Frame(
        0, 0, CONTENT_WIDTH, frame_height,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
    )  # fmt: skip
    scratch = Canvas(BytesIO())
    return all(frame.add(flowable, scratch) for flowable in story)


@pytest.mark.parametrize(
    "make",
    [make_report_data, make_busy_data, make_crowded_data, make_empty_data, make_hostile_data],
)
def test_page_one_measured_undrawn_fits_exactly_when_drawn_it_did(make) -> None:
    data = make()
    styles = build_styles(report_fonts())
    points = derive_talking_points(data)
    height = page_geometry(data.paper).frame_height
    for room in summary.ROOMS:
        measured = summary._fits(summary._page_one(data, points, styles, room), height)
        drawn = _drawn_fits(summary._page_one(data, points, styles, room), height)
        assert measured == drawn, room


def test_a_measured_flowable_keeps_its_own_drawing() -> None:
    """The measuring shadows ``drawOn`` for one call only: the document still draws it."""
    data = make_report_data(practice_logo_png=PNG_1X1)
    styles = build_styles(report_fonts())
    story = summary._page_one(data, derive_talking_points(data), styles, summary.ROOMS[0])
    assert summary._fits(story, page_geometry(data.paper).frame_height)
    assert all("drawOn" not in vars(flowable) for flowable in story)
    assert render_pre_session_report(data) == render_pre_session_report(data)
