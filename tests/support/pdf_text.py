"""Reading a rendered report back with pypdf, the way a reviewer would search it."""

from __future__ import annotations

import re
import unicodedata
from io import BytesIO

from pypdf import PdfReader

from reports.styles import MARGIN_BOTTOM, MARGIN_TOP, PAGE_SIZE

# Placeholders the renderer writes for characters the font cannot draw.
_PLACEHOLDER = re.compile(r"\[(?:[a-z0-9\s\-]+|U\+[0-9A-F]{4,6})\]")


def page_texts(pdf: bytes) -> list[str]:
    """Each page's extracted text (pypdf puts right-to-left runs back in logical order)."""
    return [page.extract_text() for page in PdfReader(BytesIO(pdf)).pages]


def all_text(pdf: bytes) -> str:
    """The whole document's text, NFKC-normalised (joined Arabic forms become letters)."""
    return unicodedata.normalize("NFKC", "\n".join(page_texts(pdf)))


def body_text(pdf: bytes) -> str:
    """The text between header and footer on every page, in reading order.

    Leaving out the page furniture lets a reflection that runs over a page break
    be compared as one piece.
    """
    low, high = MARGIN_BOTTOM - 6, PAGE_SIZE[1] - MARGIN_TOP + 6
    parts: list[str] = []

    def keep_body(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if low <= y <= high:
            parts.append(text)

    for page in PdfReader(BytesIO(pdf)).pages:
        page.extract_text(visitor_text=keep_body)
        parts.append("\n")
    return "".join(parts)


def squashed(text: str) -> str:
    """``text`` without whitespace, for comparisons that must not depend on line breaks."""
    return "".join(text.split())


def latin_only(text: str) -> str:
    """The Latin letters, digits and punctuation of ``text``, without whitespace or placeholders."""
    text = _PLACEHOLDER.sub("", text)
    return "".join(ch for ch in text if ord(ch) < 0x250 and not ch.isspace() and ch.isprintable())
