"""The report's embedded font family, registered with ReportLab on first use.

DejaVu Sans (Debian's fonts-dejavu-core) covers Latin, Greek, Cyrillic, Hebrew
and Arabic; without it ReportLab's bundled Bitstream Vera covers Latin-1
("Zoë", "José"). Either is embedded as a subset, so the PDF looks the same on
every machine. Registration happens once, on the first render, not at import.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import reportlab
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")


def _vera_dir() -> Path:
    return Path(reportlab.__file__).parent / "fonts"


def _candidates() -> tuple[tuple[str, Path, Path], ...]:
    """(family name, regular file, bold file), in order of preference."""
    vera = _vera_dir()
    return (
        ("ReportDejaVuSans", DEJAVU_DIR / "DejaVuSans.ttf", DEJAVU_DIR / "DejaVuSans-Bold.ttf"),
        ("ReportVera", vera / "Vera.ttf", vera / "VeraBd.ttf"),
    )


@dataclass(frozen=True)
class FontFamily:
    """A registered regular + bold pair and the code points both can draw."""

    regular: str
    bold: str
    source: Path
    covered: frozenset[int]
    # What each character met so far is drawn as (``reports.text``): single characters,
    # never client text, so nothing a client wrote outlives its report.
    drawn_as: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def covers(self, char: str) -> bool:
        """Whether both faces have a glyph for ``char``."""
        return ord(char) in self.covered

    @cached_property
    def draws_printable_ascii(self) -> bool:
        """Whether both faces draw every printable ASCII character (space to tilde)."""
        return self.covered.issuperset(range(0x20, 0x7F))


_lock = threading.Lock()
_family: FontFamily | None = None


def report_fonts() -> FontFamily:
    """The registered family, registering it on the first call (thread-safe, idempotent)."""
    global _family
    if _family is None:
        with _lock:
            if _family is None:
                _family = _register_first_available()
    return _family


def _register_first_available() -> FontFamily:
    for family, regular_path, bold_path in _candidates():
        if regular_path.is_file() and bold_path.is_file():
            return _register(family, regular_path, bold_path)
    raise RuntimeError(
        "No TrueType font for the report: install Debian's fonts-dejavu-core "
        f"or check ReportLab's bundled fonts in {_vera_dir()}"
    )


def _register(family: str, regular_path: Path, bold_path: Path) -> FontFamily:
    regular = TTFont(family, str(regular_path))
    bold = TTFont(f"{family}-Bold", str(bold_path))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    # Paragraph markup (<b>, <i>) looks the family up through these mappings.
    addMapping(family, 0, 0, regular.fontName)
    addMapping(family, 1, 0, bold.fontName)
    addMapping(family, 0, 1, regular.fontName)
    addMapping(family, 1, 1, bold.fontName)
    # Only the Basic Multilingual Plane: ReportLab writes astral characters (emoji) into
    # the text layer's ToUnicode map as invalid 5-digit codes, so extractors lose them.
    both = frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)
    covered = frozenset(c for c in both if c <= 0xFFFF)
    return FontFamily(regular.fontName, bold.fontName, regular_path, covered)
