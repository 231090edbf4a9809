"""Page 1: the one-glance summary — who, when, where on the ladder, how each partner did,
and what to talk about."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, Paragraph, Spacer, Table, TableStyle

from reports.data import (
    DISCUSS_BARRIERS,
    READY_TO_MOVE_UP,
    PartnerSummary,
    PreSessionReportData,
    RungInfo,
    TalkingPoint,
)
from reports.formatting import (
    comfort_change,
    date_range,
    date_time,
    day_month,
    one_decimal,
    weeks,
)
from reports.styles import (
    ACCENT,
    CAUTION_EDGE,
    CAUTION_FILL,
    CONCERN,
    CONTENT_WIDTH,
    DONE_FILL,
    MUTED,
    RULE,
    ZEBRA,
    Styles,
    hex_of,
    partner_colour,
)
from reports.talking_points import counts, percent
from reports.text import fit_width, markup, text_paragraph, truncate

CAUTION = (
    "This report supports counselling and is no substitute for it. It is prepared for the "
    "treating counselor only; reflections marked “counselor only” were not shared with the "
    "other partner."
)
NAME_LIMIT = 100  # practice, counselor and couple names: page 1 stays a summary
# The couple's suggestion under its current rung, worded as on the couple page.
COUPLE_SUGGESTIONS = {
    READY_TO_MOVE_UP: "The couple: suggests moving up — the counselor decides",
    DISCUSS_BARRIERS: "The couple: suggests talking about barriers",
}
LOGO_MAX = (42 * mm, 16 * mm)


def summary_page(
    data: PreSessionReportData, points: list[TalkingPoint], s: Styles
) -> list[Flowable]:
    """The flowables of page 1, in reading order."""
    story: list[Flowable] = [
        _title_block(data, s),
        Spacer(1, 8),
        _caution(s),
        Spacer(1, 10),
        _facts(data, s),
        Paragraph("Where the couple is on the ladder", s.h2),
        _ladder_strip(data, s),
        Paragraph("This period at a glance", s.h2),
    ]
    if data.partners:
        story.append(_partner_table(data.partners, s))
    if not data.has_check_ins_this_period:
        story.append(Paragraph("No check-ins yet in this period.", s.empty))
    names = tuple(p.name for p in data.partners)
    story += [Paragraph("Talking points", s.h2), _talking_points(points, names, s)]
    if data.assignments or data.reflections:
        story += [Spacer(1, 10), Paragraph(_contents_note(data), s.muted)]
    return story


def _contents_note(data: PreSessionReportData) -> str:
    """What the following pages hold, so the reader knows what to turn to."""
    private = sum(1 for r in data.reflections if not r.shared)
    steps = len(data.assignments)
    reflections = len(data.reflections)
    return (
        f"Following pages: {steps} step{'s' * (steps != 1)} week by week, eight-week charts "
        f"of completion and comfort, {reflections} reflection{'s' * (reflections != 1)} "
        f"({private} counselor only) and the step texts as assigned."
    )


def _title_block(data: PreSessionReportData, s: Styles) -> Flowable:
    practice = markup(truncate(data.practice_name, NAME_LIMIT), s.fonts)
    left = [
        Paragraph(practice.upper() if practice.isascii() else practice, s.small),
        Paragraph("Pre-session report", s.title),
        text_paragraph(truncate(data.couple_label, NAME_LIMIT), s.subtitle, s.fonts),
    ]
    logo = _logo(data.practice_logo_png)
    if logo is None:
        table = Table([[left]], colWidths=[CONTENT_WIDTH])
    else:
        table = Table([[left, logo]], colWidths=[CONTENT_WIDTH - LOGO_MAX[0], LOGO_MAX[0]])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _logo(png: bytes | None) -> Image | None:
    """The practice's logo scaled into its box; None if absent or unreadable."""
    if not png:
        return None
    try:
        width, height = ImageReader(BytesIO(png)).getSize()
    except Exception:  # a broken logo must not cost the counselor the report
        return None
    if width <= 0 or height <= 0:
        return None
    scale = min(LOGO_MAX[0] / width, LOGO_MAX[1] / height)
    return Image(BytesIO(png), width=width * scale, height=height * scale, hAlign="RIGHT")


def _caution(s: Styles) -> Flowable:
    table = Table([[Paragraph(CAUTION, s.muted)]], colWidths=[CONTENT_WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), CAUTION_FILL),
                ("LINEBEFORE", (0, 0), (0, -1), 2.5, CAUTION_EDGE),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def _facts(data: PreSessionReportData, s: Styles) -> Flowable:
    if data.session_starts_at is None:
        session = "No session scheduled"
    else:
        session = f"{date_time(data.session_starts_at)} ({data.timezone_name})"
    period = f"{date_range(data.period_start, data.period_end)}, {data.period_description}"
    rung_title = data.rung_title(data.current_rung)
    if data.current_rung is None:
        rung = "None yet (no active steps)"
    else:
        rung = f"{data.current_rung} of {_ladder_size(data)}" + (
            f" · {rung_title}" if rung_title else ""
        )
    suggestion = COUPLE_SUGGESTIONS.get(data.readiness_signal or "")

    def fact(label: str, value: str, note: str | None = None) -> Paragraph:
        extra = f'<br/><font color="#{hex_of(ACCENT)}"><b>{note}</b></font>' if note else ""
        return Paragraph(
            f'<font size="7" color="#{hex_of(MUTED)}">{label.upper()}</font><br/>'
            f"{markup(value, s.fonts)}{extra}",
            s.body,
        )

    rows = [
        [fact("Counselor", truncate(data.counselor_name, NAME_LIMIT)), fact("Session", session)],
        [fact("Period covered", period), fact("Current rung", rung, suggestion)],
    ]
    table = Table(rows, colWidths=[CONTENT_WIDTH / 2] * 2)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _ladder_size(data: PreSessionReportData) -> int:
    """The top rung's position, from the ladder the report was given."""
    return max([r.position for r in data.rungs] + [data.current_rung or 0])


def _ladder_rungs(data: PreSessionReportData) -> list[RungInfo]:
    given = {r.position: r for r in data.rungs}
    positions = sorted(set(range(1, _ladder_size(data) + 1)) | set(given))
    return [given.get(p, RungInfo(p, "")) for p in positions]


def _ladder_strip(data: PreSessionReportData, s: Styles) -> Flowable:
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
    table.setStyle(TableStyle(style))
    return table


PARTNER_HEADERS = (
    "Partner",
    "This week",
    "This period",
    "Previous period",
    "Mean comfort (1–5)",
    "Comfort change",
    "Streak",
    "Reminders",
)
PARTNER_WIDTHS = (64, 70, 70, 70, 52, 52, 48, 64)


def _partner_table(partners: tuple[PartnerSummary, ...], s: Styles) -> Flowable:
    header = [Paragraph(h, s.cell_head) for h in PARTNER_HEADERS]
    rows = [header] + [_partner_row(i, p, s) for i, p in enumerate(partners)]
    scale = CONTENT_WIDTH / sum(PARTNER_WIDTHS)
    table = Table(rows, colWidths=[w * scale for w in PARTNER_WIDTHS], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _partner_row(index: int, p: PartnerSummary, s: Styles) -> list[Paragraph]:
    swatch = "■ " if s.fonts.covers("■") else ""
    colour = hex_of(partner_colour(index))
    room = PARTNER_WIDTHS[0] * CONTENT_WIDTH / sum(PARTNER_WIDTHS) - 24
    fitted = fit_width(p.name, s.fonts, s.fonts.bold, 8.5, room)
    name = f'<font color="#{colour}">{swatch}</font><b>{fitted}</b>'
    reminders = _reminders(p)
    return [
        Paragraph(name, s.cell),
        Paragraph(_this_week(p), s.cell),
        Paragraph(_this_period(p), s.cell),
        Paragraph(_previous_period(p), s.cell),
        Paragraph(one_decimal(p.mean_comfort), s.cell),
        Paragraph(_comfort_change(p), s.cell),
        Paragraph(weeks(p.streak_weeks), s.cell),
        Paragraph(reminders, s.cell),
    ]  # fmt: skip


def _comfort_change(p: PartnerSummary) -> str:
    change = comfort_change(p.mean_comfort, p.previous_mean_comfort)
    falling = (
        p.mean_comfort is not None
        and p.previous_mean_comfort is not None
        and (p.previous_mean_comfort - p.mean_comfort >= 0.5 - 1e-9)
    )
    return f'<font color="#{hex_of(CONCERN)}">{change}</font>' if falling else change


def _reminders(p: PartnerSummary) -> str:
    """'stopped' (the partner stopped emails), 'paused until 12 Nov' or 'on'."""
    if p.reminders_stopped:
        return f'<font color="#{hex_of(CONCERN)}">stopped</font>'
    if p.reminders_paused_until is not None:
        until = day_month(p.reminders_paused_until)
        return f'<font color="#{hex_of(CONCERN)}">paused until {until}</font>'
    return "on"


def _this_week(p: PartnerSummary) -> str:
    """This week so far: the figure the dashboard shows for the week."""
    ratio = p.weekly_completion[-1] if p.weekly_completion else None
    return _completion(p.done_this_week, p.target_this_week, ratio)


def _this_period(p: PartnerSummary) -> str:
    return _completion(p.done_this_period, p.target_this_period, p.completion_this_period)


def _previous_period(p: PartnerSummary) -> str:
    ratio = p.completion_previous_period
    return _completion(p.done_previous_period, p.target_previous_period, ratio)


def _completion(done: int, target: int, ratio: float | None) -> str:
    if target <= 0:
        return "nothing due" if done == 0 else f"{done} done, nothing due"
    return f"<b>{counts(done, target)}</b> ({percent(ratio)})"


def _talking_points(points: list[TalkingPoint], names: tuple[str, ...], s: Styles) -> Flowable:
    if not points:
        return Paragraph("No talking points for this session.", s.empty)
    rows = [
        [
            Paragraph(f"<b>{number}</b>", s.cell_bold),
            [
                Paragraph(markup(p.text, s.fonts, names), s.cell_bold),
                Paragraph(markup(p.evidence, s.fonts, names), s.small),
            ],
        ]
        for number, p in enumerate(points, start=1)
    ]  # fmt: skip
    table = Table(rows, colWidths=[18, CONTENT_WIDTH - 18])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBEFORE", (0, 0), (0, -1), 2.5, ACCENT),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table
