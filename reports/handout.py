"""render_handout: a couple's active steps on one sheet to take home and tick by hand.

For couples who would rather use paper. The practice and the couple at the top, the
week's dates and a friendly line; then each step: its title, who does it and how often,
its instructions, and a row of seven tick boxes (Mon–Sun, dated) for each partner who
does it — one joint row for a together step — beside a line for notes. Nothing else goes
home: no reflections, no ratings, no counselor's agenda or notes.

Made with the pre-session report's fonts, styles, text helpers and page furniture, on the
practice's paper (``reports/paper.py``). Up to six steps fit one page: the sheet is laid
out roomy first and then tighter — spacing only, no text under 9 pt — and more steps than
fit continue on a second page. Pure: the same data gives the same bytes.
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
from reports.formatting import date_range, day_month, short_date
from reports.pages import PageFurniture, PdfMetadata, build_pdf
from reports.paper import page_size
from reports.styles import INK, MARGIN_X, RULE, PageGeometry, Styles, build_styles, table_style
from reports.text import client_paragraphs, fit_width, markup, one_line, text_paragraph

# HandoutStep.assignee: the values of the service's Assignee.
EACH = "each"
TOGETHER = "together"
ONE_PARTNER = "partner"

FRIENDLY_LINE = "Tick a box each day you do the step. Bring this sheet to your next session."
NO_STEPS = "No steps are active this week. Your counselor will give you new ones."
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SMALLEST_TEXT = 9  # points: no text on the sheet is smaller

MARGIN_TOP = 19 * mm  # the furniture's header and footer sit in the margins
MARGIN_BOTTOM = 16 * mm
LABEL_WIDTH = 72  # the column naming a row's partner ("Together" for a joint row)
DAY_WIDTH = 40  # one day's column: "Wed 12" in 9 pt with room either side, and its box


@dataclass(frozen=True)
class HandoutStep:
    """One active step as the couple knows it.

    ``title`` is the step's title as listed (told apart from a same-titled step by its
    start date). ``assignee`` is EACH, TOGETHER or ONE_PARTNER; ``rows`` label its rows of
    tick boxes: each partner who does it, or one joint row ("Together"). ``first_day`` and
    ``last_day`` are the days the step counts (``last_day`` None: open-ended); a day of the
    week outside them gets no box.
    """

    title: str
    instructions: str
    assignee: str
    rows: tuple[str, ...]
    times_per_week: int
    first_day: date
    last_day: date | None

    def counts_on(self, day: date) -> bool:
        """Whether ``day`` is one of the step's days (it has a tick box)."""
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)


@dataclass(frozen=True)
class HandoutData:
    """A couple's sheet for one week (``week_start`` is its Monday), printed on
    ``printed_on`` (the practice's date), on ``paper`` ("letter" or "a4")."""

    practice_name: str
    couple_label: str
    week_start: date
    printed_on: date
    paper: str
    steps: tuple[HandoutStep, ...]

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


def who_and_how_often(step: HandoutStep) -> str:
    """'Each of you, 3 times a week', 'Together, once a week', 'Only Zoë, twice a week'."""
    if step.assignee == TOGETHER:
        who = "Together"
    elif step.assignee == ONE_PARTNER and step.rows:
        who = f"Only {step.rows[0]}"
    else:
        who = "Each of you"
    times = {1: "once", 2: "twice"}.get(step.times_per_week, f"{step.times_per_week} times")
    return f"{who}, {times} a week"


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
        story += [_step(step, data.days, sheet) for step in data.steps]
    else:
        story.append(Paragraph(NO_STEPS, sheet.empty))
    return build_pdf(story, geometry, _furniture(data, fonts), _metadata(data, fonts))


def _furniture(data: HandoutData, fonts: FontFamily) -> PageFurniture:
    """The report's header and footer, worded for a sheet that goes home: the couple and
    the practice above, the week, the printing date and "Page N of M" below. No
    "Confidential — prepared for the treating counselor": the couple keeps this one."""
    week = date_range(data.days[0], data.days[-1])
    return PageFurniture(
        fonts=fonts,
        header_left=one_line(data.couple_label, fonts),
        header_right=one_line(data.practice_name, fonts),
        footer_left=f"Steps for the week of {week} · Printed {short_date(data.printed_on)}",
        generated_at=datetime.combine(data.printed_on, time(), UTC),
        size=SMALLEST_TEXT,
        header_from_top=12 * mm,  # the sheet's margins are narrower than the report's
        footer_from_bottom=10 * mm,
    )


def _metadata(data: HandoutData, fonts: FontFamily) -> PdfMetadata:
    week = date_range(data.days[0], data.days[-1])
    return PdfMetadata(
        title=f"Steps for {one_line(data.couple_label, fonts)}, {week}",
        author=one_line(data.practice_name, fonts),
        subject=f"Steps for the week of {week}",
    )


def _heading(data: HandoutData, sheet: _Sheet) -> list[Flowable]:
    # The practice's name heads every page (the furniture), so the sheet opens with the couple.
    week = date_range(data.days[0], data.days[-1])
    return [
        text_paragraph(data.couple_label, sheet.title, sheet.fonts),
        Paragraph(f"Your steps for the week of {week}", sheet.week),
        Paragraph(FRIENDLY_LINE, sheet.intro),
        Spacer(1, sheet.layout.head_gap),
    ]


def _step(step: HandoutStep, days: tuple[date, ...], sheet: _Sheet) -> Flowable:
    """A step's block, kept on one page: title and who beside it, text, tick boxes."""
    who = markup(_who_line(step, days), sheet.fonts, step.rows)
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
            _tick_grid(step, days, sheet),
            Spacer(1, sheet.layout.step_gap),
        ]
    )


def _who_line(step: HandoutStep, days: tuple[date, ...]) -> str:
    """Who and how often, and the step's first or last day when it falls in the week."""
    line = who_and_how_often(step)
    if days[0] < step.first_day <= days[-1]:
        line += f" · from {DAY_NAMES[step.first_day.weekday()]} {day_month(step.first_day)}"
    if step.last_day is not None and days[0] <= step.last_day < days[-1]:
        line += f" · until {DAY_NAMES[step.last_day.weekday()]} {day_month(step.last_day)}"
    return line


def _tick_grid(step: HandoutStep, days: tuple[date, ...], sheet: _Sheet) -> Table:
    """The step's rows: a name, a box for each of its days, and a line for notes."""
    label_room = LABEL_WIDTH - 6
    font = sheet.label.fontName
    header: list[Any] = [""]
    header += [Paragraph(f"{DAY_NAMES[d.weekday()]} {d.day}", sheet.day) for d in days]
    header.append(Paragraph("Notes", sheet.label))
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
