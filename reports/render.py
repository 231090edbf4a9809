"""render_pre_session_report: a PreSessionReportData in, the PDF's bytes out.

Page 1 is the one-glance summary; the pages after it hold the week-by-week
table, the charts, the reflections and the step texts. Every page carries the
couple, the confidentiality line, "Page N of M" and the generation time. The
output depends only on the data: no clock, no environment, same bytes each time.
"""

from __future__ import annotations

from functools import partial
from io import BytesIO

from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate

from reports.data import PreSessionReportData
from reports.details import detail_pages, empty_details
from reports.fonts import report_fonts
from reports.formatting import date_time, in_zone
from reports.pages import NumberedCanvas, PageFurniture
from reports.styles import (
    CONTENT_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_SIZE,
    build_styles,
)
from reports.summary import summary_page
from reports.talking_points import derive_talking_points
from reports.text import one_line


def render_pre_session_report(data: PreSessionReportData) -> bytes:
    """The pre-session report for ``data`` as PDF bytes."""
    fonts = report_fonts()
    styles = build_styles(fonts)
    points = (
        list(data.talking_points)
        if data.talking_points is not None
        else derive_talking_points(data)
    )
    story = summary_page(data, points, styles)
    if data.assignments or data.reflections:
        story += [PageBreak(), *detail_pages(data, styles)]
    else:
        story += empty_details(styles)

    furniture = PageFurniture(
        fonts=fonts,
        couple_label=one_line(data.couple_label, fonts),
        practice_name=one_line(data.practice_name, fonts),
        generated=date_time(in_zone(data.generated_at, data.timezone_name)),
        generated_at=data.generated_at,
    )
    buffer = BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"Pre-session report — {one_line(data.couple_label, fonts)}",
        author=one_line(data.practice_name, fonts),
        subject="Confidential — prepared for the treating counselor",
        creator="Counselor homework service",
        invariant=True,  # reproducible bytes: ReportLab would otherwise read the clock
        initialFontName=fonts.regular,  # no reference to an unembedded Helvetica
    )
    # No frame padding: tables drawn CONTENT_WIDTH wide line up with the headings.
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        CONTENT_WIDTH,
        PAGE_SIZE[1] - MARGIN_TOP - MARGIN_BOTTOM,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    document.addPageTemplates([PageTemplate(id="report", frames=[frame])])
    document.build(story, canvasmaker=partial(NumberedCanvas, furniture=furniture))
    return buffer.getvalue()
