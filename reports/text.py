"""Client text made safe to print: escaped, drawable in the embedded font, right-to-left aware.

Everything a client or counselor typed goes through here before it reaches a
Paragraph: markup characters are escaped (so "<b>" prints literally), control
characters are dropped, and a character the font cannot draw (an emoji, a CJK
ideograph under DejaVu) is spelled out as "[smiling face]" or "[U+4F60]" so
its meaning stays on the page and in the text layer instead of a blank box.
"""

from __future__ import annotations

import unicodedata
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from reports.bidi import base_is_rtl, has_rtl, isolate, shape_arabic, visual_order
from reports.fonts import FontFamily

_SKIN_TONES = range(0x1F3FB, 0x1F400)
# Slack so that ReportLab's own wrapping never breaks a line we measured to fit.
_WRAP_SLACK = 0.5
_REMEMBERED = 4096  # characters whose drawing a font family remembers (``_drawn_as``)


# ASCII text in a font that draws every printable ASCII character: what ``_drawable``
# makes of each of its characters, as one table (tabs to spaces, other controls dropped).
_ASCII_DRAWABLE = {code: None for code in (*range(0x20), 0x7F) if code != 0x0A} | {0x09: " "}


def clean(text: str, fonts: FontFamily) -> str:
    """``text`` with newlines normalised and every character drawable by ``fonts``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.isascii() and fonts.draws_printable_ascii:
        return text.translate(_ASCII_DRAWABLE)  # the loop below, character by character
    text = unicodedata.normalize("NFC", text)
    drawn_as = _drawn_as(set(text), fonts)
    if all(piece == ch for ch, piece in drawn_as.items()):
        return text  # every character drawn as itself: the loop below would change nothing
    out: list[str] = []
    previous_placeholder = ""
    for ch in text:
        piece = drawn_as[ch]
        if piece and piece == previous_placeholder:
            continue  # "😊😊😊" reads as one "[smiling face …]"
        previous_placeholder = piece if piece.startswith("[") and len(piece) > 1 else ""
        out.append(piece)
    return "".join(out)


def _drawn_as(chars: set[str], fonts: FontFamily) -> dict[str, str]:
    """What each of ``chars`` is drawn as (``_drawable``), remembered per font family for
    the first ``_REMEMBERED`` characters met (text in any script needs a few hundred)."""
    known = fonts.drawn_as
    drawn_as = {}
    for ch in chars:
        piece = known.get(ch)
        if piece is None:
            piece = _drawable(ch, fonts)
            if len(known) < _REMEMBERED:
                known[ch] = piece
        drawn_as[ch] = piece
    return drawn_as


def _drawable(ch: str, fonts: FontFamily) -> str:
    if ch == "\n":
        return ch
    if ch == "\t":
        return " "
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return ""  # controls, zero-width joiners, bidi overrides: nothing to draw
    if fonts.covers(ch):
        return ch
    if category.startswith("M") or ord(ch) in _SKIN_TONES:
        return ""  # variation selectors, skin tones: they only modify a neighbour
    name = unicodedata.name(ch, "")
    return f"[{name.lower()}]" if name else f"[U+{ord(ch):04X}]"


def one_line(text: str, fonts: FontFamily, names: tuple[str, ...] = ()) -> str:
    """Plain text for a single line (table cell, chart label, page header), in visual order.

    Each of ``names`` found in the text is ordered on its own, so "יוסף: 0 of 6"
    keeps the name and its numbers apart as a reader expects.
    """
    flat = " ".join(clean(text, fonts).split())
    if not has_rtl(flat):
        return flat
    for name in sorted({" ".join(clean(n, fonts).split()) for n in names}, key=len, reverse=True):
        if name and has_rtl(name):
            flat = flat.replace(name, isolate(name))
    return visual_order(shape_arabic(flat))


def markup(text: str, fonts: FontFamily, names: tuple[str, ...] = ()) -> str:
    """Paragraph markup for short text (names, titles): escaped, one line, visual order."""
    return escape(one_line(text, fonts, names))


def text_paragraph(text: str, style: ParagraphStyle, fonts: FontFamily) -> Flowable:
    """Client text in one style as a Paragraph that wraps right-to-left lines correctly."""
    flat = " ".join(clean(text, fonts).split())
    if has_rtl(flat):
        return BidiParagraph(shape_arabic(flat), style)
    return Paragraph(escape(flat), style)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for cells that cannot grow."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit_width(text: str, fonts: FontFamily, font: str, size: float, room: float) -> str:
    """Escaped one-line markup for ``text``, cut with an ellipsis to fit ``room`` points."""
    line = one_line(text, fonts)
    while len(line) > 1 and stringWidth(line, font, size) > room:
        line = line[:-2].rstrip() + "…"
    return escape(line)


def client_paragraphs(text: str, style: ParagraphStyle, fonts: FontFamily) -> list[Flowable]:
    """Free text (a reflection, instructions) as flowables that wrap and split across pages.

    Each line break in the text starts a new paragraph; right-to-left
    paragraphs are wrapped here and right-aligned.
    """
    flowables: list[Flowable] = []
    for block in clean(text, fonts).split("\n"):
        if block.strip():
            flowables.append(text_paragraph(block, style, fonts))
    return flowables or [Paragraph("", style)]


class BidiParagraph(Flowable):
    """A paragraph with right-to-left text, wrapped in logical order and drawn line by line
    in visual order (ReportLab alone would wrap the visual string and scramble lines)."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self._inner: Paragraph | None = None
        self._by_width: dict[float, Paragraph] = {}  # tables and frames wrap repeatedly

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self._inner = self._paragraph_for(availWidth)
        return self._inner.wrap(availWidth, availHeight)

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        return self._paragraph_for(availWidth).split(availWidth, availHeight)

    def draw(self) -> None:
        assert self._inner is not None, "wrap() comes before draw()"
        self._inner.drawOn(self.canv, 0, 0)

    def getSpaceBefore(self) -> float:
        return self.style.spaceBefore

    def getSpaceAfter(self) -> float:
        return self.style.spaceAfter

    def _paragraph_for(self, avail_width: float) -> Paragraph:
        if avail_width not in self._by_width:
            self._by_width[avail_width] = self._build(avail_width)
        return self._by_width[avail_width]

    def _build(self, avail_width: float) -> Paragraph:
        style = self.style
        width = avail_width - style.leftIndent - style.rightIndent - _WRAP_SLACK
        rtl = base_is_rtl(self.text)
        lines = _wrap_words(self.text, style.fontName, style.fontSize, max(width, 1.0))
        visual = "<br/>".join(escape(visual_order(line, rtl)) for line in lines)
        aligned = ParagraphStyle(
            f"{style.name}-bidi", parent=style, alignment=TA_RIGHT if rtl else TA_LEFT
        )
        return Paragraph(visual, aligned)


def _wrap_words(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap in logical order; a word longer than a line is cut."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        for piece in _cut_long_word(word, font, size, width):
            candidate = f"{current} {piece}" if current else piece
            if current and stringWidth(candidate, font, size) > width:
                lines.append(current)
                candidate = piece
            current = candidate
    if current:
        lines.append(current)
    return lines


def _cut_long_word(word: str, font: str, size: float, width: float) -> list[str]:
    if stringWidth(word, font, size) <= width:
        return [word]
    pieces, piece = [], ""
    for ch in word:
        if piece and stringWidth(piece + ch, font, size) > width:
            pieces.append(piece)
            piece = ""
        piece += ch
    return [*pieces, piece] if piece else pieces
