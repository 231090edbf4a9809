"""The ladder as a strip of boxes, rung 1 to the top: passed rungs tinted, the current one
filled."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, Paragraph, Table

from reports.data import PreSessionReportData, RungInfo
from reports.styles import ACCENT, CONTENT_WIDTH, DONE_FILL, RULE, Styles, hex_of, table_style
from reports.text import markup, truncate


def ladder_size(data: PreSessionReportData) -> int:
    """The top rung's position, from the ladder the report was given."""
    return max([r.position for r in data.rungs] + [data.current_rung or 0])


def _ladder_rungs(data: PreSessionReportData) -> list[RungInfo]:
    given = {r.position: r for r in data.rungs}
    positions = sorted(set(range(1, ladder_size(data) + 1)) | set(given))
    return [given.get(p, RungInfo(p, "")) for p in positions]


def ladder_strip(data: PreSessionReportData, s: Styles) -> Flowable:
    """One box per rung, from rung 1 to the top: passed rungs tinted, the current one filled."""
    rungs = _ladder_rungs(data)
    if not rungs:
        return Paragraph("The ladder has no rungs yet.", s.empty)
    current = data.current_rung or 0
    cells = []
    for rung in rungs:
        colour = "#FFFFFF" if rung.position == current else f"#{hex_of(ACCENT)}"
        mark = " · now" if rung.position == current else ""
        title = markup(truncate(rung.title, 70), s.fonts)
        cells.append(
            Paragraph(
                f'<font color="{colour}"><b>Rung {rung.position}{mark}</b><br/>'
                f'<font size="7.5">{title}</font></font>',
                s.cell,
            )
        )
    table = Table([cells], colWidths=[CONTENT_WIDTH / len(rungs)] * len(rungs))
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BOX", (0, 0), (-1, -1), 0.6, RULE),
        ("INNERGRID", (0, 0), (-1, -1), 0.6, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]
    for i, rung in enumerate(rungs):
        if rung.position < current:
            style.append(("BACKGROUND", (i, 0), (i, 0), DONE_FILL))
        elif rung.position == current:
            style.append(("BACKGROUND", (i, 0), (i, 0), ACCENT))
    table.setStyle(table_style(s.fonts, style))
    return table
