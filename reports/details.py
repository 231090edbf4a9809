"""The pages after the summary: week-by-week table, charts, reflections and step texts."""

from __future__ import annotations

from datetime import date

from reportlab.lib import colors
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table

from reports.charts import Scale, Series, has_values, weekly_chart
from reports.data import AssignmentRow, PreSessionReportData, ReflectionItem, WeekCell
from reports.formatting import day_month, short_date
from reports.ladder_strip import ladder_strip
from reports.leaning import leaning_section
from reports.styles import (
    CONCERN,
    CONTENT_WIDTH,
    GOOD,
    MUTED,
    PRIVATE_FILL,
    RULE,
    SHARED_FILL,
    WITHDRAWN_FILL,
    ZEBRA,
    Styles,
    hex_of,
    partner_colour,
    table_style,
)
from reports.text import client_paragraphs, fit_width, markup, one_line, text_paragraph, truncate
from reports.weekly_checkin import weekly_checkin_section

MAX_WEEK_COLUMNS = 10
NO_STEPS = "No steps assigned yet."
NO_CHECK_INS = "No check-ins yet in this period."
NO_REFLECTIONS = "No reflections yet."
NO_COMFORT = "No comfort ratings in the last 8 weeks."
COMPLETION_SCALE = Scale(0, 100, 25, "%d%%", "Completion (% of weekly target)")
COMFORT_SCALE = Scale(1, 5, 1, "%d", "Mean comfort (1 = hard, 5 = easy)")


def empty_details(data: PreSessionReportData, s: Styles) -> list[Flowable]:
    """The short version for a couple with nothing assigned and nothing logged."""
    return [
        *_ladder(data, s),
        Paragraph("Steps", s.h2),
        Paragraph(
            f"{NO_STEPS} The week-by-week table and the charts start with the first step.",
            s.empty,
        ),
        *weekly_checkin_section(data.weekly_checkin, s),
        Paragraph("Reflections", s.h2),
        Paragraph(NO_REFLECTIONS, s.empty),
    ]


def detail_pages(data: PreSessionReportData, s: Styles) -> list[Flowable]:
    """The ladder, the week-by-week table, both charts, reflections and step texts."""
    return [
        *_ladder(data, s),
        CondPageBreak(160),  # the heading, its note and the first rows stay together
        Paragraph("Steps this period, week by week", s.h2),
        *_assignment_section(data, s),
        CondPageBreak(230),
        Paragraph("Weekly completion, last 8 weeks", s.h2),
        *_chart_section(data, s, completion=True),
        CondPageBreak(230),
        Paragraph("Comfort ratings, last 8 weeks", s.h2),
        *_chart_section(data, s, completion=False),
        *weekly_checkin_section(data.weekly_checkin, s),
        CondPageBreak(120),  # the heading never ends a page alone
        Paragraph("Recent reflections", s.h2),
        *_reflections(data.reflections, s),
        *leaning_section(data, s),
        CondPageBreak(100),  # the heading and the first step's title, kind and text
        Paragraph("Steps as assigned", s.h2),
        *_step_texts(data.assignments, s),
    ]


def _ladder(data: PreSessionReportData, s: Styles) -> list[Flowable]:
    return [
        CondPageBreak(100),
        Paragraph("Where the couple is on the ladder", s.h2),
        ladder_strip(data, s),
    ]


# --- week-by-week table -------------------------------------------------------------


def _assignment_section(data: PreSessionReportData, s: Styles) -> list[Flowable]:
    if not data.assignments:
        return [Paragraph(NO_STEPS, s.empty)]
    all_weeks = sorted({c.week_start for a in data.assignments for _, cs in a.cells for c in cs})
    shown = all_weeks[-MAX_WEEK_COLUMNS:]
    story: list[Flowable] = [
        Paragraph(
            "Check-offs per partner against the weekly target (done/target), by week starting. "
            f'<font color="#{hex_of(GOOD)}">Green</font>: target met; '
            f'<font color="#{hex_of(CONCERN)}">red</font>: none done.',
            s.muted,
        ),
        Spacer(1, 4),
    ]
    if len(shown) < len(all_weeks):
        story.append(Paragraph(f"Earliest {len(all_weeks) - len(shown)} weeks not shown.", s.muted))
    story.append(_assignment_table(data.assignments, shown, s))
    return story


def _assignment_table(rows: tuple[AssignmentRow, ...], week_starts: list[date], s: Styles) -> Table:
    who_width, total_width = 62.0, 44.0
    week_width = min(
        44.0, (CONTENT_WIDTH - who_width - total_width - 140) / max(len(week_starts), 1)
    )
    step_width = CONTENT_WIDTH - who_width - total_width - week_width * len(week_starts)
    header = [Paragraph(h, s.cell_head) for h in ("Step", "Who")]
    header += [Paragraph(_week_heading(w, len(week_starts)), s.cell_head) for w in week_starts]
    header.append(Paragraph("Period", s.cell_head))
    body = [_assignment_row(a, week_starts, who_width - 8, s) for a in rows]
    table = Table(
        [header, *body],
        colWidths=[step_width, who_width, *([week_width] * len(week_starts)), total_width],
        repeatRows=1,
    )
    table.setStyle(
        table_style(
            s.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (2, 0), (-2, -1), 2),  # week columns can be narrow
                ("RIGHTPADDING", (2, 0), (-2, -1), 2),
            ],
        )
    )
    return table


def _week_heading(week_start: date, columns: int) -> str:
    """'Wk of 27 Oct' while there is room; '27<br/>Oct' for many narrow columns."""
    day, month = day_month(week_start).split(" ")
    return f"Wk of {day} {month}" if columns <= 5 else f"{day}<br/>{month}"


def _assignment_row(
    row: AssignmentRow, week_starts: list[date], name_room: float, s: Styles
) -> list[object]:
    ended = f" {day_month(row.ended_on)}" if row.ended_on else ""
    meta = (
        f"Rung {row.rung_position} · {row.assignee_label} · "
        f"{row.times_per_week}× a week · {row.status}{ended}"
    )
    step = [
        text_paragraph(truncate(row.title, 120), s.cell_bold, s.fonts),
        Paragraph(markup(truncate(meta, 120), s.fonts), s.small),
    ]
    names = [fit_width(name, s.fonts, s.fonts.regular, 8.5, name_room) for name, _ in row.cells]
    who = Paragraph("<br/>".join(names) or "–", s.cell)
    by_partner = [{c.week_start: c for c in cells} for _, cells in row.cells]
    weeks = [
        Paragraph("<br/>".join(_cell(by_week.get(w)) for by_week in by_partner) or "–", s.cell)
        for w in week_starts
    ]
    totals = [  # what counted each week, as in each partner's period figure
        _cell(WeekCell(week_starts[0], sum(c.counted for c in cs), sum(c.target for c in cs)))
        for _, cs in row.cells
    ] if week_starts else []  # fmt: skip
    return [step, who, *weeks, Paragraph("<br/>".join(totals) or "–", s.cell)]


def _cell(cell: WeekCell | None) -> str:
    """'1/2'; a met target in green, 'none done' in red; check-ins past the target apart:
    '1/1 +1' (a step ended mid-week has a pro-rata target), never '2/1'."""
    if cell is None or cell.target <= 0:
        return "–" if cell is None or cell.done == 0 else str(cell.done)
    text = f"{cell.counted}/{cell.target}"
    beyond = f" +{cell.beyond}" if cell.beyond else ""
    if cell.done >= cell.target:
        return f'<font color="#{hex_of(GOOD)}"><b>{text}</b></font>{beyond}'
    if cell.done == 0:
        return f'<font color="#{hex_of(CONCERN)}">{text}</font>'
    return text


# --- charts ------------------------------------------------------------------------


def _chart_section(data: PreSessionReportData, s: Styles, completion: bool) -> list[Flowable]:
    series = [
        Series(
            truncate(one_line(p.name, s.fonts), 28),
            tuple(
                None if v is None else v * 100 if completion else v
                for v in (p.weekly_completion if completion else p.weekly_mean_comfort)
            ),
            partner_colour(i),
        )
        for i, p in enumerate(data.partners)
    ]
    if not has_values(series):
        return [Paragraph(NO_CHECK_INS if completion else NO_COMFORT, s.empty)]
    labels = [day_month(w) for w in data.chart_weeks] or [str(i) for i in range(1, 9)]
    scale = COMPLETION_SCALE if completion else COMFORT_SCALE
    note = (
        "Share of each partner's weekly target checked off; gaps are weeks with nothing due."
        if completion
        else "Mean comfort rating per week; gaps are weeks without a rating."
    )
    chart = weekly_chart(series, labels, scale, s.fonts, CONTENT_WIDTH)
    return [Paragraph(note, s.muted), Spacer(1, 6), chart]


# --- reflections and step texts ----------------------------------------------------------


def _reflections(items: tuple[ReflectionItem, ...], s: Styles) -> list[Flowable]:
    if not items:
        return [Paragraph(NO_REFLECTIONS, s.empty)]
    story: list[Flowable] = []
    for item in items:
        story += [CondPageBreak(70), reflection_header(item, s), Spacer(1, 3)]
        story += client_paragraphs(item.text, s.reflection, s.fonts)
        story.append(Spacer(1, 8))
    return story


def reflection_header(item: ReflectionItem, s: Styles) -> Table:
    """A reflection's line: date, partner, comfort, rung and step, and who may read it."""
    comfort = f" · comfort {item.comfort}/5" if item.comfort is not None else ""
    about = markup(truncate(f"Rung {item.rung_position} · {item.step_title}", 110), s.fonts)
    who = markup(truncate(item.partner_name, 40), s.fonts)
    left = Paragraph(f"<b>{short_date(item.occurred_on)} · {who}</b>{comfort} · {about}", s.cell)
    tag = "Shared with partner" if item.shared else "Counselor only"
    if item.withdrawn_on is not None:
        tag = f"Withdrawn by {who} on {day_month(item.withdrawn_on)}"
    table = Table(
        [[left, Paragraph(f"<b>{tag}</b>", s.cell_right)]], colWidths=[CONTENT_WIDTH - 118, 118]
    )
    table.setStyle(
        table_style(
            s.fonts,
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, 0), ZEBRA),
                ("BACKGROUND", (1, 0), (1, 0), _tag_fill(item)),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ],
        )
    )
    return table


def _tag_fill(item: ReflectionItem) -> colors.Color:
    if item.withdrawn_on is not None:
        return WITHDRAWN_FILL
    return SHARED_FILL if item.shared else PRIVATE_FILL


def _step_texts(rows: tuple[AssignmentRow, ...], s: Styles) -> list[Flowable]:
    if not rows:
        return [Paragraph(NO_STEPS, s.empty)]
    story: list[Flowable] = []
    for number, row in enumerate(rows):
        until = f" until {short_date(row.due_on)}" if row.due_on else ""
        ended = f" on {short_date(row.ended_on)}" if row.ended_on else ""
        meta = (
            f"Rung {row.rung_position} ({row.rung_title}) · {row.assignee_label} · "
            f"{row.times_per_week}× a week · from {short_date(row.starts_on)}{until} · "
            f"{row.status}{ended}"
        )
        # Not before the first: a break there would part it from the heading above it.
        story += [CondPageBreak(60)] if number else []
        story += [
            text_paragraph(row.title, s.h3, s.fonts),
            Paragraph(markup(meta, s.fonts), s.muted),
            Spacer(1, 2),
            *client_paragraphs(row.instructions, s.body, s.fonts),
        ]
    return story
