"""reports/text.py, reports/bidi.py and reports/fonts.py: client text made safe to draw."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from reports import fonts as font_module
from reports import render_pre_session_report
from reports.bidi import isolate, shape_arabic, visual_order
from reports.data import PartnerSummary
from reports.fonts import report_fonts
from reports.text import clean, markup, one_line
from tests.support.pdf_text import all_text
from tests.support.report_data import make_hostile_data, make_partner, make_report_data


def test_fonts_register_once_and_cover_the_names_we_serve() -> None:
    fonts = report_fonts()
    assert report_fonts() is fonts
    assert all(fonts.covers(ch) for ch in "Zoë José Ñandú Łukasz Çelik —–·…")


def test_dejavu_is_preferred_when_debian_ships_it() -> None:
    fonts = report_fonts()
    if fonts.source.name.startswith("DejaVu"):
        assert all(fonts.covers(ch) for ch in "שלוםمرحبا")


def test_markup_is_escaped() -> None:
    fonts = report_fonts()
    assert markup("Tom & Jerry <b>bold</b>", fonts) == "Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt;"


def test_characters_without_a_glyph_are_named() -> None:
    fonts = report_fonts()
    assert clean("hi 😊😊 there", fonts) == "hi [smiling face with smiling eyes] there"
    assert clean("thumbs 👍🏽!", fonts) == "thumbs [thumbs up sign]!"
    assert clean("a\x00b\u202ec\u200dd", fonts) == "abcd"


def test_visual_order_reverses_only_right_to_left_runs() -> None:
    assert visual_order("I said שלום עולם today") == "I said םלוע םולש today"
    assert visual_order("no rtl here (ok)") == "no rtl here (ok)"
    # Numbers inside a right-to-left paragraph keep their own order.
    assert visual_order("שנה 2025", rtl_base=True) == "2025 הנש"


def test_isolated_name_keeps_numbers_after_it_in_place() -> None:
    assert visual_order(isolate("יוסף") + ": 0 of 6") == "ףסוי: 0 of 6"
    fonts = report_fonts()
    assert one_line("יוסף: 0 of 6", fonts, names=("יוסף",)) == "ףסוי: 0 of 6"


@pytest.mark.parametrize(
    ("line", "rtl_base", "expected"),
    [
        # Expected values are GNU FriBidi's visual order of the same line.
        ("עשינו 50% מהמשימות", True, "תומישמהמ 50% ונישע"),  # a percent stays after its number
        ("ב-18:30 דיברנו, 3.5 שעות", True, "תועש 3.5 ,ונרביד 18:30-ב"),  # times and decimals
        ("Let's try, together.", True, ".Let's try, together"),  # a Latin line, RTL paragraph
        ("עשינו (כמעט הכול).", True, ".(לוכה טעמכ) ונישע"),  # brackets mirrored
        ("Yosef wrote (יוסף) 3 times.", False, "Yosef wrote (ףסוי) 3 times."),  # a bracket pair
    ],
)
def test_numbers_and_punctuation_in_right_to_left_text(
    line: str, rtl_base: bool, expected: str
) -> None:
    assert visual_order(line, rtl_base) == expected


def test_a_vowel_mark_stays_after_its_letter() -> None:
    assert visual_order(shape_arabic("جيداً"), rtl_base=True) == "\ufe8d\u064b\ufeaa\ufef4\ufe9f"


def test_persian_letters_join_too() -> None:
    assert shape_arabic("چای") == "\ufb7c\ufe8e\ufbfc"  # initial che, final alef, isolated ye


def test_arabic_letters_take_their_joined_forms() -> None:
    shaped = shape_arabic("سلام")
    assert shaped != "سلام"
    assert unicodedata.normalize("NFKC", shaped) == "سلام"
    assert shaped[0] == "\ufeb3"  # seen, initial form


def test_completion_is_capped_and_none_without_target() -> None:
    over: PartnerSummary = make_partner("Zoë", done_this_period=9, target_this_period=6)
    assert over.completion_this_period == 1.0
    idle = make_partner("José", done_previous_period=0, target_previous_period=0)
    assert idle.completion_previous_period is None


def test_vera_fallback_draws_latin_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Debian's DejaVu the bundled Vera still covers "Zoë" and "José"."""
    monkeypatch.setattr(font_module, "DEJAVU_DIR", Path("/nonexistent"))
    vera = font_module._register_first_available()
    assert vera.regular == "ReportVera"
    assert all(vera.covers(ch) for ch in "Zoë José —")
    assert not vera.covers("ש")

    monkeypatch.setattr(font_module, "_family", vera)
    text = all_text(render_pre_session_report(make_report_data()))
    assert "Zoë & José M." in text and "Confidential — prepared" in text
    hostile = all_text(render_pre_session_report(make_hostile_data()))
    assert "[hebrew letter yod]" in hostile
