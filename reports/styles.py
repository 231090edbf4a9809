"""The report's look: page geometry, colours and paragraph styles in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import TableStyle

from reports.fonts import FontFamily
from reports.paper import page_size

PAGE_SIZE = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
# One content width on either paper, A4's (the narrower): on Letter the side margins
# grow, so no table or chart needs a second layout. The frame's height follows the page.
CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN_X

INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#5F6B7A")
RULE = colors.HexColor("#C9D1DB")
ZEBRA = colors.HexColor("#F4F6F8")
ACCENT = colors.HexColor("#1D5C7A")
ACCENT_LIGHT = colors.HexColor("#DCEAF1")
DONE_FILL = colors.HexColor("#EEF4F7")
CAUTION_FILL = colors.HexColor("#FFF7E6")
CAUTION_EDGE = colors.HexColor("#E0B45C")
GOOD = colors.HexColor("#2E7D4F")
CONCERN = colors.HexColor("#B3261E")
SHARED_FILL = colors.HexColor("#E3F1E8")
PRIVATE_FILL = colors.HexColor("#F3E8F5")
WITHDRAWN_FILL = colors.HexColor("#F8E7E1")  # shared, then taken back by its partner
# Okabe–Ito blue and vermilion, then more: distinguishable with colour-blindness and in grey.
PARTNER_COLOURS = (
    colors.HexColor("#0072B2"),
    colors.HexColor("#D55E00"),
    colors.HexColor("#009E73"),
    colors.HexColor("#CC79A7"),
)


@dataclass(frozen=True)
class PageGeometry:
    """A paper's page size and its margins; the text frame is what they leave."""

    size: tuple[float, float]
    margin_x: float
    margin_top: float = MARGIN_TOP
    margin_bottom: float = MARGIN_BOTTOM

    @property
    def content_width(self) -> float:
        return self.size[0] - 2 * self.margin_x

    @property
    def frame_height(self) -> float:
        return self.size[1] - self.margin_top - self.margin_bottom


def page_geometry(paper: str) -> PageGeometry:
    """The report's geometry for a paper name from ``reports.paper`` ("letter" or "a4"):
    ``CONTENT_WIDTH`` wide, centred."""
    size = page_size(paper)
    return PageGeometry(size=size, margin_x=(size[0] - CONTENT_WIDTH) / 2)


def table_style(fonts: FontFamily, commands: list[tuple[Any, ...]]) -> TableStyle:
    """A TableStyle whose cells are set in ``fonts``: a table's plain-string cells (even an
    empty one) would otherwise name ReportLab's unembedded Helvetica in the PDF."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.regular), *commands])


def hex_of(colour: colors.Color) -> str:
    """'1D5C7A' for use in Paragraph markup (``<font color="#...">``)."""
    return colour.hexval()[2:].upper()


def partner_colour(index: int) -> colors.Color:
    """The colour that stands for the partner at ``index`` in every chart."""
    return PARTNER_COLOURS[index % len(PARTNER_COLOURS)]


@dataclass(frozen=True)
class Styles:
    """Paragraph styles for one render, in the registered font family."""

    fonts: FontFamily
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_right: ParagraphStyle
    cell_head: ParagraphStyle
    reflection: ParagraphStyle
    empty: ParagraphStyle
    h2_tight: ParagraphStyle
    h3_box: ParagraphStyle
    box_text: ParagraphStyle
    readiness: ParagraphStyle


def build_styles(fonts: FontFamily) -> Styles:
    """The report's styles, set in ``fonts``."""
    regular, bold = fonts.regular, fonts.bold

    def style(name: str, **kw: Any) -> ParagraphStyle:
        kw.setdefault("fontName", regular)
        kw.setdefault("textColor", INK)
        return ParagraphStyle(name, **kw)

    return Styles(
        fonts=fonts,
        title=style("title", fontName=bold, fontSize=19, leading=23, textColor=ACCENT),
        subtitle=style("subtitle", fontName=bold, fontSize=13, leading=17, spaceBefore=2),
        h2=style(
            "h2", fontName=bold, fontSize=12.5, leading=16, spaceBefore=12, spaceAfter=5,
            textColor=ACCENT, keepWithNext=True,
        ),
        h3=style("h3", fontName=bold, fontSize=10, leading=13, spaceBefore=8, keepWithNext=True),
        body=style("body", fontSize=9.5, leading=13),
        small=style("small", fontSize=8, leading=10.5, textColor=MUTED),
        muted=style("muted", fontSize=8.5, leading=11, textColor=MUTED),
        cell=style("cell", fontSize=8.5, leading=11),
        cell_bold=style("cell_bold", fontName=bold, fontSize=8.5, leading=11),
        cell_right=style("cell_right", fontSize=8.5, leading=11, alignment=2),
        cell_head=style("cell_head", fontName=bold, fontSize=8, leading=10, textColor=MUTED),
        reflection=style("reflection", fontSize=9.5, leading=13.5, leftIndent=10, spaceAfter=3),
        empty=style(
            "empty", fontSize=9.5, leading=13, textColor=MUTED, borderPadding=(6, 8, 6, 8),
            backColor=ZEBRA, spaceBefore=10, spaceAfter=10, leftIndent=8, rightIndent=8,
        ),
        h2_tight=style("h2_tight", fontName=bold, fontSize=12, leading=15, spaceBefore=8,
                       spaceAfter=3, textColor=ACCENT, keepWithNext=True),
        h3_box=style("h3_box", fontName=bold, fontSize=9, leading=12, spaceAfter=2,
                     textColor=ACCENT, keepWithNext=True),
        box_text=style("box_text", fontSize=8.5, leading=11.5, spaceAfter=2),
        readiness=style("readiness", fontSize=8.5, leading=11.5, leftIndent=10,
                        firstLineIndent=-10, spaceAfter=1),
    )  # fmt: skip
