"""render_pre_session_report: a PreSessionReportData in, the PDF's bytes out.

Page 1 is the session (``reports.summary``); the pages after it hold the agenda and
notes in full when page 1 had to cut them, the ladder, the week-by-week table, the
charts, the reflections and the step texts. The page is the practice's paper
(``data.paper``). Every page carries the
couple, the confidentiality line, "Page N of M" and the generation time. The
output depends only on the data: no clock, no environment, same bytes each time.
"""

from __future__ import annotations

from reportlab.platypus import PageBreak, Spacer

from reports.data import PreSessionReportData
from reports.details import detail_pages, empty_details
from reports.fonts import report_fonts
from reports.formatting import date_time, in_zone
from reports.pages import CONFIDENTIAL, PageFurniture, PdfMetadata, build_pdf
from reports.styles import build_styles, page_geometry
from reports.summary import caution, summary_page
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
    page = page_geometry(data.paper)
    story, in_full = summary_page(data, points, styles, page.frame_height)
    if data.assignments or data.reflections:
        story += [PageBreak(), caution(styles), *in_full, *detail_pages(data, styles)]
    elif in_full:
        story += [PageBreak(), caution(styles), *in_full, *empty_details(data, styles)]
    else:  # a couple with nothing yet: one page
        story += [Spacer(1, 8), caution(styles), *empty_details(data, styles)]

    furniture = PageFurniture(
        fonts=fonts,
        header_left=one_line(data.couple_label, fonts),
        header_right=CONFIDENTIAL,
        header_right_bold=True,
        footer_left=(
            f"{one_line(data.practice_name, fonts)} · Generated "
            f"{date_time(in_zone(data.generated_at, data.timezone_name))}"
        ),
        generated_at=data.generated_at,
    )
    metadata = PdfMetadata(
        title=f"Pre-session report — {one_line(data.couple_label, fonts)}",
        author=one_line(data.practice_name, fonts),
        subject=CONFIDENTIAL,
    )
    pdf, _ = build_pdf(story, page, furniture, metadata)
    return pdf
