"""Page furniture: the header and footer on every page, with "Page N of M".

Pages are held back until the document is complete so the footer knows M
(the usual ReportLab "numbered canvas" pattern).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from reports.fonts import FontFamily
from reports.styles import MUTED, RULE, PageGeometry, page_geometry

CONFIDENTIAL = "Confidential — prepared for the treating counselor"
A4_PAGE = page_geometry("a4")


@dataclass(frozen=True)
class PageFurniture:
    """What the header and footer say (already cleaned for the font)."""

    fonts: FontFamily
    couple_label: str
    practice_name: str
    generated: str
    generated_at: datetime

    def page(self) -> PageGeometry:
        """The page drawn on: A4, unless a subclass knows the paper."""
        return A4_PAGE

    def draw(self, canvas: Canvas, page: int, pages: int) -> None:
        """Draw the header and footer of page ``page`` of ``pages``."""
        width, height = self.page().size
        margin_x = self.page().margin_x
        right = width - margin_x
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.setFillColor(MUTED)
        header_y, footer_y = height - 14 * mm, 12 * mm
        canvas.setFont(self.fonts.bold, 8)
        confidential_width = stringWidth(CONFIDENTIAL, self.fonts.bold, 8)
        canvas.drawRightString(right, header_y, CONFIDENTIAL)
        canvas.setFont(self.fonts.regular, 8)
        room = right - margin_x - confidential_width - 16
        canvas.drawString(margin_x, header_y, self._fit(self.couple_label, room, 8))
        canvas.line(margin_x, header_y - 5, right, header_y - 5)
        canvas.line(margin_x, footer_y + 10, right, footer_y + 10)
        page_label = f"Page {page} of {pages}"
        canvas.drawRightString(right, footer_y, page_label)
        room = right - margin_x - stringWidth(page_label, self.fonts.regular, 8) - 16
        left = f"{self.practice_name} · Generated {self.generated}"
        canvas.drawString(margin_x, footer_y, self._fit(left, room, 8))
        canvas.restoreState()

    def _fit(self, text: str, room: float, size: float) -> str:
        if stringWidth(text, self.fonts.regular, size) <= room:
            return text
        while text and stringWidth(text + "…", self.fonts.regular, size) > room:
            text = text[:-1]
        return text.rstrip() + "…"

    def pdf_date(self, *_: int) -> str:
        """The PDF's creation date: the generation time, never the clock."""
        moment = self.generated_at.astimezone(UTC)
        return f"D:{moment:%Y%m%d%H%M%S}+00'00'"


@dataclass(frozen=True)
class ReportFurniture(PageFurniture):
    """The pre-session report's furniture, on the practice's paper."""

    geometry: PageGeometry

    def page(self) -> PageGeometry:
        return self.geometry


class NumberedCanvas(Canvas):
    """A canvas that draws the page furniture once the total page count is known."""

    def __init__(self, *args: Any, furniture: PageFurniture, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._held_pages: list[dict[str, Any]] = []
        self.setDateFormatter(furniture.pdf_date)

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # private, absent from the stubs

    def save(self) -> None:
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self._furniture.draw(self, self.getPageNumber(), total)
            super().showPage()
        super().save()
