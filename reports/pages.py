"""Pages: the header and footer on every page, with "Page N of M", and the one place a
story becomes a PDF (``build_pdf``) — the pre-session report and the handout both.

Pages are held back until the document is complete so the footer knows M
(the usual ReportLab "numbered canvas" pattern). The paper is always passed in, as a
``PageGeometry``: nothing here assumes A4 or Letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from io import BytesIO
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from reports.fonts import FontFamily
from reports.styles import MUTED, RULE, PageGeometry

CONFIDENTIAL = "Confidential — prepared for the treating counselor"
CREATOR = "Counselor homework service"


@dataclass(frozen=True)
class PageFurniture:
    """What the header and footer say (already cleaned for the font) and where.

    The header has a left and a right text; the footer a left text and "Page N of M" at
    the right. ``header_right_bold`` sets the right-hand header in bold (the report's
    confidentiality line). ``header_from_top`` and ``footer_from_bottom`` place the two
    baselines in the page's margins.
    """

    fonts: FontFamily
    header_left: str
    header_right: str
    footer_left: str
    generated_at: datetime
    size: float = 8
    header_right_bold: bool = False
    # "Page N of M" in the document's language (the printed sheet's is the couple's).
    page_label: str = "Page %(number)s of %(pages)s"
    header_from_top: float = 14 * mm
    footer_from_bottom: float = 12 * mm

    def draw(self, canvas: Canvas, page: PageGeometry, number: int, pages: int) -> None:
        """Draw the header and footer of page ``number`` of ``pages`` on ``page``."""
        width, height = page.size
        left, right = page.margin_x, width - page.margin_x
        regular, size = self.fonts.regular, self.size
        right_font = self.fonts.bold if self.header_right_bold else regular
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.setFillColor(MUTED)
        header_y, footer_y = height - self.header_from_top, self.footer_from_bottom
        # The right-hand header takes up to half the line; the left one what remains.
        header_right = self._fit(self.header_right, (right - left) / 2 - 8, right_font)
        canvas.setFont(right_font, size)
        canvas.drawRightString(right, header_y, header_right)
        room = right - left - stringWidth(header_right, right_font, size) - 16
        canvas.setFont(regular, size)
        canvas.drawString(left, header_y, self._fit(self.header_left, room, regular))
        canvas.line(left, header_y - 5, right, header_y - 5)
        canvas.line(left, footer_y + 10, right, footer_y + 10)
        page_label = self.page_label % {"number": number, "pages": pages}
        canvas.drawRightString(right, footer_y, page_label)
        room = right - left - stringWidth(page_label, regular, size) - 16
        canvas.drawString(left, footer_y, self._fit(self.footer_left, room, regular))
        canvas.restoreState()

    def _fit(self, text: str, room: float, font: str) -> str:
        if stringWidth(text, font, self.size) <= room:
            return text
        while text and stringWidth(text + "…", font, self.size) > room:
            text = text[:-1]
        return text.rstrip() + "…"

    def pdf_date(self, *_: int) -> str:
        """The PDF's creation date: the generation time, never the clock."""
        moment = self.generated_at.astimezone(UTC)
        return f"D:{moment:%Y%m%d%H%M%S}+00'00'"


@dataclass(frozen=True)
class PdfMetadata:
    """The document's title, author and subject (already cleaned for the font), and its
    language (a BCP 47 tag; None: not stated)."""

    title: str
    author: str
    subject: str
    language: str | None = None


class NumberedCanvas(Canvas):
    """A canvas that draws the page furniture once the total page count is known."""

    def __init__(
        self, *args: Any, furniture: PageFurniture, geometry: PageGeometry, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._furniture = furniture
        self._geometry = geometry
        self._held_pages: list[dict[str, Any]] = []
        self.setDateFormatter(furniture.pdf_date)

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # private, absent from the stubs

    def save(self) -> None:
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self._furniture.draw(self, self._geometry, self.getPageNumber(), total)
            super().showPage()
        super().save()


def build_pdf(
    story: list[Flowable],
    geometry: PageGeometry,
    furniture: PageFurniture,
    metadata: PdfMetadata,
) -> tuple[bytes, int]:
    """``story`` laid out on ``geometry``'s paper in one frame the width of its content,
    with ``furniture`` on every page: the PDF's bytes and its number of pages.

    Reproducible (no clock: ``invariant``). The canvas starts in the family's regular
    face rather than ReportLab's default Helvetica; that alone does not keep Helvetica out
    of the PDF — a table's plain-string cells use ``styles.table_style`` and a chart sets
    its drawing's starting font (``charts.weekly_chart``) — so that every font the PDF
    names is embedded.
    """
    buffer = BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=geometry.size,
        leftMargin=geometry.margin_x,
        rightMargin=geometry.margin_x,
        topMargin=geometry.margin_top,
        bottomMargin=geometry.margin_bottom,
        title=metadata.title,
        author=metadata.author,
        subject=metadata.subject,
        lang=metadata.language,
        creator=CREATOR,
        invariant=True,  # reproducible bytes: ReportLab would otherwise read the clock
        initialFontName=furniture.fonts.regular,
    )
    # No frame padding: tables drawn the content's width line up with the headings.
    frame = Frame(
        geometry.margin_x,
        geometry.margin_bottom,
        geometry.content_width,
        geometry.frame_height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    document.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    canvasmaker = partial(NumberedCanvas, furniture=furniture, geometry=geometry)
    document.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue(), document.page
