"""render_handout: a couple's active steps on one sheet to take home and tick by hand.

For couples who would rather use paper. The practice and the couple at the top, the
week's dates and a friendly line; then each step: its title, who does it and how often,
its instructions, and a row of seven tick boxes (Mon–Sun, dated) for each partner who
does it — one joint row for a together step — beside a line for notes. Nothing else goes
home: no reflections, no ratings, no counselor's agenda or notes.

The sheet goes home in the couple's language, so every word on it comes in as data
(``HandoutWords``, ``HandoutStep.who``): the service words it, dates included, in that
language; this module only lays it out. Made with the pre-session report's fonts, styles,
text helpers and page furniture, on the practice's paper (``reports/paper.py``). Up to
six steps fit one page: the sheet is laid out roomy first and then tighter — spacing
only, no text under 9 pt — and more steps than fit continue on a second page. Pure: the
same data gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from xml.sax.saxutils import unescape

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
)

from reports.fonts import FontFamily, report_fonts
from reports.pages import PageFurniture, PdfMetadata, build_pdf
from reports.paper import page_size
from reports.styles import INK, MARGIN_X, RULE, PageGeometry, Styles, build_styles, table_style
from reports.text import client_paragraphs, fit_width, markup, one_line, text_paragraph

SMALLEST_TEXT = 9  # points: no text on the sheet is smaller

MARGIN_TOP = 19 * mm  # the furniture's header and footer sit in the margins
MARGIN_BOTTOM = 16 * mm
LABEL_WIDTH = 72  # the column naming a row's partner ("Together" for a joint row)
DAY_WIDTH = 40  # one day's column: "Wed 12" in 9 pt with room either side, and its box


@dataclass(frozen=True)
class HandoutStep:
    """One active step as the couple knows it, in their language.

    ``title`` is the step's title as listed (told apart from a same-titled step by its
    start date); ``who`` says who does it and how often, and its first or last day when
    that falls in the week ("Each of you, 3 times a week", "Together, once a week · from
    Wed 12 Nov"). ``rows`` label its rows of tick boxes: each partner who does it, or one
    joint row ("Together"). ``first_day`` and ``last_day`` are the days the step counts
    (``last_day`` None: open-ended); a day of the week outside them gets no box.
    """

    title: str
    instructions: str
    who: str
    rows: tuple[str, ...]
    first_day: date
    last_day: date | None

    def counts_on(self, day: date) -> bool:
        """Whether ``day`` is one of the step's days (it has a tick box)."""
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)


@dataclass(frozen=True)
class HandoutWords:
    """The sheet's own words, in the couple's language, dates written as it writes them.

    ``page`` is "Page %(number)s of %(pages)s"; ``pdf_title`` names the couple as
    ``%(couple)s`` (filled in here, cleaned for the font); ``day_heads`` label the week's
    seven columns, Monday first ("Mon 10")."""

    week_heading: str  # "Your steps for the week of 10 – 16 Nov 2025"
    intro: str  # what to do with the sheet
    no_steps: str  # a week without steps
    notes: str  # the heading of each step's column for notes
    footer: str  # "Steps for the week of 10 – 16 Nov 2025 · Printed Wed 12 Nov 2025"
    page: str
    pdf_title: str
    pdf_subject: str
    day_heads: tuple[str, ...]
    # Said under the intro when a step has no words in the sheet's language ("" : none).
    untranslated_note: str = ""


@dataclass(frozen=True)
class HandoutData:
    """A couple's sheet for one week (``week_start`` is its Monday), printed on
    ``printed_on`` (the practice's date), on ``paper`` ("letter" or "a4"), in ``language``
    (a BCP 47 tag: the PDF says so) with ``words``."""

    practice_name: str
    couple_label: str
    week_start: date
    printed_on: date
    paper: str
    steps: tuple[HandoutStep, ...]
    words: HandoutWords
    language: str = "en"

    @property
    def days(self) -> tuple[date, ...]:
        """Monday to Sunday of the sheet's week."""
        return tuple(self.week_start + timedelta(days=n) for n in range(7))


def render_handout(data: HandoutData) -> bytes:
    """The handout for ``data`` as PDF bytes: the roomiest layout that fits one page, or,
    when none does, the roomiest of those that take the fewest pages."""
    fonts = report_fonts()
    styles = build_styles(fonts)
    renders = []
    for layout in LAYOUTS:
        pdf, pages = _render(data, layout, fonts, styles)
        if pages == 1:
            return pdf
        renders.append((pages, pdf))
    fewest = min(pages for pages, _ in renders)
    return next(pdf for pages, pdf in renders if pages == fewest)


@dataclass(frozen=True)
class Layout:
    """How tightly the sheet is set: sizes in points, none of the text under 9 pt."""

    title_size: float  # the couple's name
    step_title_size: float
    text_size: float  # instructions
    text_leading: float
    row_height: float  # a row of tick boxes
    step_gap: float  # between steps
    rule_gap: float  # between the rule above a step and its title
    head_gap: float  # between the heading and the first step


LAYOUTS = (
    Layout(18, 12, 10, 13, 18, 12, 5, 10),  # roomy
    Layout(17, 11.5, 9.5, 12, 15, 8, 4, 8),
    Layout(16, 11, SMALLEST_TEXT, 10.6, 13, 4, 3, 5),  # tightest
)


@dataclass(frozen=True)
class _Sheet:
    """One render's fonts, paragraph styles and content width."""

    fonts: FontFamily
    width: float
    layout: Layout
    title: ParagraphStyle
    week: ParagraphStyle
    intro: ParagraphStyle
    step_title: ParagraphStyle
    who: ParagraphStyle
    text: ParagraphStyle
    day: ParagraphStyle
    label: ParagraphStyle
    empty: ParagraphStyle


def _sheet(s: Styles, layout: Layout, width: float) -> _Sheet:
    def derived(name: str, parent: ParagraphStyle, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(f"handout-{name}", parent=parent, **kw)

    size = SMALLEST_TEXT
    return _Sheet(
        fonts=s.fonts,
        width=width,
        layout=layout,
        title=derived("title", s.title, fontSize=layout.title_size, leading=layout.title_size + 4),
        week=derived("week", s.subtitle, fontSize=11.5, leading=14.5),
        intro=derived("intro", s.body, fontSize=9.5, leading=12.5, spaceBefore=1),
        step_title=derived(
            "step", s.h3, fontSize=layout.step_title_size, leading=layout.step_title_size + 2.5,
            spaceBefore=0,
        ),
        who=derived("who", s.muted, fontSize=size, leading=11, alignment=TA_RIGHT),
        text=derived("text", s.body, fontSize=layout.text_size, leading=layout.text_leading),
        day=derived(
            "day", s.cell_head, fontName=s.fonts.regular, fontSize=size, leading=11,
            alignment=TA_CENTER,
        ),
        label=derived("label", s.cell_bold, fontSize=size, leading=11),
        empty=derived("empty", s.empty, fontSize=9.5),
    )  # fmt: skip


def _render(
    data: HandoutData, layout: Layout, fonts: FontFamily, styles: Styles
) -> tuple[bytes, int]:
    """The PDF in ``layout`` and its number of pages."""
    geometry = PageGeometry(
        page_size(data.paper), MARGIN_X, margin_top=MARGIN_TOP, margin_bottom=MARGIN_BOTTOM
    )
    sheet = _sheet(styles, layout, geometry.content_width)
    story = _heading(data, sheet)
    if data.steps:
        story += [_step(step, data, sheet) for step in data.steps]
    else:
        story.append(text_paragraph(data.words.no_steps, sheet.empty, sheet.fonts))
    return build_pdf(story, geometry, _furniture(data, fonts), _metadata(data, fonts))


def _furniture(data: HandoutData, fonts: FontFamily) -> PageFurniture:
    """The report's header and footer, worded for a sheet that goes home: the couple and
    the practice above, the week, the printing date and "Page N of M" below. No
    "Confidential — prepared for the treating counselor": the couple keeps this one."""
    return PageFurniture(
        fonts=fonts,
        header_left=one_line(data.couple_label, fonts),
        header_right=one_line(data.practice_name, fonts),
        footer_left=one_line(data.words.footer, fonts),
        page_label=one_line(data.words.page, fonts),
        generated_at=datetime.combine(data.printed_on, time(), UTC),
        size=SMALLEST_TEXT,
        header_from_top=12 * mm,  # the sheet's margins are narrower than the report's
        footer_from_bottom=10 * mm,
    )


def _metadata(data: HandoutData, fonts: FontFamily) -> PdfMetadata:
    couple = one_line(data.couple_label, fonts)
    return PdfMetadata(
        title=one_line(data.words.pdf_title, fonts) % {"couple": couple},
        author=one_line(data.practice_name, fonts),
        subject=one_line(data.words.pdf_subject, fonts),
        language=data.language,
    )


def _heading(data: HandoutData, sheet: _Sheet) -> list[Flowable]:
    # The practice's name heads every page (the furniture), so the sheet opens with the couple.
    return [
        text_paragraph(data.couple_label, sheet.title, sheet.fonts),
        text_paragraph(data.words.week_heading, sheet.week, sheet.fonts),
        text_paragraph(data.words.intro, sheet.intro, sheet.fonts),
        *(
            [text_paragraph(data.words.untranslated_note, sheet.intro, sheet.fonts)]
            if data.words.untranslated_note
            else []
        ),
        Spacer(1, sheet.layout.head_gap),
    ]


def _step(step: HandoutStep, data: HandoutData, sheet: _Sheet) -> Flowable:
    """A step's block, kept on one page: title and who beside it, text, tick boxes."""
    who = markup(step.who, sheet.fonts, step.rows)
    # As wide as the line needs, up to half the page; the title takes the rest.
    needed = stringWidth(unescape(who), sheet.who.fontName, sheet.who.fontSize) + 8
    who_width = min(needed, sheet.width / 2)
    head = Table(
        [[text_paragraph(step.title, sheet.step_title, sheet.fonts), Paragraph(who, sheet.who)]],
        colWidths=[sheet.width - who_width, who_width],
    )
    head.setStyle(
        table_style(
            sheet.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), sheet.layout.rule_gap),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ],
        )
    )
    return KeepTogether(
        [
            head,
            *client_paragraphs(step.instructions, sheet.text, sheet.fonts),
            Spacer(1, 1),
            _tick_grid(step, data, sheet),
            Spacer(1, sheet.layout.step_gap),
        ]
    )


def _tick_grid(step: HandoutStep, data: HandoutData, sheet: _Sheet) -> Table:
    """The step's rows: a name, a box for each of its days, and a line for notes."""
    label_room = LABEL_WIDTH - 6
    font = sheet.label.fontName
    days = data.days
    header: list[Any] = [""]
    room = DAY_WIDTH - 2
    header += [
        Paragraph(fit_width(head, sheet.fonts, sheet.day.fontName, SMALLEST_TEXT, room), sheet.day)
        for head in data.words.day_heads
    ]
    header.append(Paragraph(markup(data.words.notes, sheet.fonts), sheet.label))
    rows: list[list[Any]] = [header]
    for label in step.rows:
        name = Paragraph(
            fit_width(label, sheet.fonts, font, SMALLEST_TEXT, label_room), sheet.label
        )
        boxes = [TickBox() if step.counts_on(d) else Paragraph("–", sheet.day) for d in days]
        rows.append([name, *boxes, ""])
    notes_width = sheet.width - LABEL_WIDTH - 7 * DAY_WIDTH
    height = sheet.layout.row_height
    grid = Table(
        rows,
        colWidths=[LABEL_WIDTH, *[DAY_WIDTH] * 7, notes_width],
        rowHeights=[None, *[height] * len(step.rows)],
    )
    grid.setStyle(
        table_style(
            sheet.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (1, 1), (7, -1), "CENTER"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ("LEFTPADDING", (8, 0), (8, -1), 10),
                ("LINEBELOW", (8, 1), (8, -1), 0.6, RULE),
            ],
        )
    )
    return grid


class TickBox(Flowable):
    """An empty square to tick by hand."""

    SIZE = 10.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.SIZE, self.SIZE

    def draw(self) -> None:
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.8)
        self.canv.rect(0, 0, self.SIZE, self.SIZE, stroke=1, fill=0)
