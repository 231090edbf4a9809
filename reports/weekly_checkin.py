"""The report's weekly check-in section: each partner's mean per week as a chart, the latest
week item by item with its change, and the items the partners scored far apart — all as
the service decided them (``WeeklyCheckinData``), under the practice-tool note."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table

from reports.charts import Scale, Series, has_values, weekly_chart
from reports.data import PRACTICE_TOOL_NOTE, WeeklyCheckinData, WeeklyPartnerSeries
from reports.formatting import day_month
from reports.styles import (
    CONCERN,
    CONTENT_WIDTH,
    MUTED,
    RULE,
    ZEBRA,
    Styles,
    hex_of,
    partner_colour,
    table_style,
)
from reports.text import markup, one_line, truncate

HEADING = "Weekly check-in: healthy dependence"
NO_ANSWERS = "The check-in is on; neither partner has answered it yet."
MEAN_SCALE = Scale(1, 5, 1, "%d", "Mean score (5 = more shared)")
DIVERGENCES_SHOWN = 12


def weekly_checkin_section(data: WeeklyCheckinData | None, s: Styles) -> list[Flowable]:
    """The section, or nothing when the check-in is off and was never answered."""
    if data is None or not data.shown:
        return []
    story: list[Flowable] = [
        CondPageBreak(230),
        Paragraph(HEADING, s.h2),
        Paragraph(
            f"{PRACTICE_TOOL_NOTE} Each partner rates short statements about their week from "
            "1 to 5; 5 is always the more shared, trusted, valued or included end.",
            s.muted,
        ),
        Spacer(1, 6),
    ]
    if data.latest_week is None:
        return [*story, Paragraph(NO_ANSWERS, s.empty)]
    return [*story, *_chart(data, s), *_latest_week(data, s), *_divergences(data, s)]


def _names(data: WeeklyCheckinData, s: Styles) -> list[str]:
    return [truncate(one_line(p.name, s.fonts), 28) for p in data.partners]


def _chart(data: WeeklyCheckinData, s: Styles) -> list[Flowable]:
    series = [
        Series(name, p.means, partner_colour(i))
        for i, (name, p) in enumerate(zip(_names(data, s), data.partners, strict=True))
    ]
    if not has_values(series):
        return []
    labels = [day_month(w) for w in data.weeks]
    chart = weekly_chart(series, labels, MEAN_SCALE, s.fonts, CONTENT_WIDTH)
    note = "Each partner's mean score per week; gaps are weeks unanswered."
    return [Paragraph(note, s.muted), Spacer(1, 6), chart, Spacer(1, 8)]


def signed_change(change: float | None) -> str:
    """A week-to-week change as the couple page and the report write it: a mean's to one
    decimal, as the means show ("+0.5", "+1.0"), a statement's whole ("−1"); "±0"; "–"
    when there is none to show (either week unanswered)."""
    if change is None:
        return "–"
    if change == 0:
        return "±0"
    shown = f"{change:+.1f}" if isinstance(change, float) else f"{change:+d}"
    return shown.replace("-", "−")


WORDING_CHANGED = "wording changed"
# A row the partners rated in different words in the same week: not compared.
DIFFERENT_WORDS = "rated in different words"


def mean_change(p: WeeklyPartnerSeries) -> str:
    """The partner's change in the mean, in words: "+0.5", or "– (wording changed)" when a
    statement was reworded between the two weeks (scores in other words are not compared)."""
    if p.wording_changed:
        return f"{signed_change(None)} ({WORDING_CHANGED})"
    return signed_change(p.change)


def item_change(p: WeeklyPartnerSeries, row: int) -> str:
    """One statement's change for the partner: "+1", "–", or "wording changed"."""
    if row < len(p.item_reworded) and p.item_reworded[row]:
        return WORDING_CHANGED
    return signed_change(p.item_changes[row])


def _latest_week(data: WeeklyCheckinData, s: Styles) -> list[Flowable]:
    assert data.latest_week is not None
    index = data.weeks.index(data.latest_week)
    names = _names(data, s)
    changes = ", ".join(
        f"{markup(name, s.fonts)} {mean_change(p)}"
        for name, p in zip(names, data.partners, strict=True)
    )
    header: list[object] = [Paragraph("Statement", s.cell_head)]
    header += [Paragraph(f"{markup(n, s.fonts)} (change)", s.cell_head) for n in names]
    rows: list[list[object]] = [header]
    apart = f' <font color="#{hex_of(CONCERN)}"><b>· {data.divergence_points}+ apart</b></font>'
    for number, item in enumerate(data.items):
        mark = ""
        if data.wording_differs(data.latest_week, item.key):
            mark = f" <i>· {DIFFERENT_WORDS}</i>"
        elif data.is_divergent(data.latest_week, item.key):
            mark = apart
        cells: list[object] = [Paragraph(markup(truncate(item.text, 160), s.fonts) + mark, s.cell)]
        for p in data.partners:
            score = p.scores[number][index]
            shown = "–" if score is None else f"{score} ({item_change(p, number)})"
            cells.append(Paragraph(shown, s.cell))
        rows.append(cells)
    score_width = 82.0
    table = Table(
        rows,
        colWidths=[CONTENT_WIDTH - score_width * len(names), *([score_width] * len(names))],
        repeatRows=1,
    )
    commands: list[tuple[object, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]),
    ]
    table.setStyle(table_style(s.fonts, commands))
    return [
        CondPageBreak(140),
        Paragraph(
            f"<b>Week of {day_month(data.latest_week)}</b>, each score with its change from the "
            f"week before. Change in the mean: {changes}.",
            s.body,
        ),
        Spacer(1, 4),
        table,
        Spacer(1, 6),
    ]


def _divergences(data: WeeklyCheckinData, s: Styles) -> list[Flowable]:
    names = _names(data, s)
    title = f"Where the partners differ by {data.divergence_points} points or more"
    if not data.divergences:
        return [
            Paragraph(f"<b>{title}</b>", s.body),
            Paragraph("No statement in these weeks.", s.empty),
        ]
    lines = [
        f"Week of {day_month(d.week_start)}: {markup(truncate(d.item_text, 120), s.fonts)} — "
        + ", ".join(
            f"{markup(n, s.fonts)} {score}" for n, score in zip(names, d.scores, strict=True)
        )
        for d in data.divergences[:DIVERGENCES_SHOWN]
    ]
    more = len(data.divergences) - DIVERGENCES_SHOWN
    if more > 0:
        lines.append(f"{more} earlier not shown.")
    return [
        CondPageBreak(80),
        Paragraph(f'<font color="#{hex_of(CONCERN)}"><b>{title}</b></font>', s.body),
        *[Paragraph(line, s.small) for line in lines],
    ]
