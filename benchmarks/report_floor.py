"""The report's floor: a bare Platypus document with the same pages, tables and charts
as the pre-session report of the same data — plain paragraphs, the same TrueType font,
no text cleaning, bidi, fitting or "page N of M" second pass."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reports import PreSessionReportData, derive_talking_points

FONT = "BenchFloorSans"
WIDTH = A4[0] - 36 * mm
GRID = TableStyle(
    [("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
)


def accelerated() -> bool:
    """Whether ReportLab runs its C accelerator (rl-accel) in this process: the floor and
    the report render in the same process, so both run with it or both without."""
    from reportlab.lib import rl_accel

    return not rl_accel._py_funcs


def register_font(path: str) -> None:
    """The same TrueType file the report embeds, under a name of the floor's own."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, path))


def _style(size: float) -> ParagraphStyle:
    return ParagraphStyle(f"floor{size}", fontName=FONT, fontSize=size, leading=size * 1.3)


def _p(text: object, size: float = 8.5) -> Paragraph:
    return Paragraph(escape(str(text)), _style(size))


def _table(rows: list[list[object]], widths: list[float] | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(GRID)
    return table


def _chart(data: PreSessionReportData, completion: bool) -> Drawing:
    drawing = Drawing(WIDTH, 175)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 46, 30, WIDTH - 58, 110
    chart.data = [
        tuple(
            None if v is None else (v * 100 if completion else v)
            for v in (p.weekly_completion if completion else p.weekly_mean_comfort)
        )
        for p in data.partners
    ] or [(None,)]
    chart.categoryAxis.categoryNames = [w.strftime("%d %b") for w in data.chart_weeks]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = FONT
    drawing.add(chart)
    return drawing


def bare_document(data: PreSessionReportData, talking_points: int) -> bytes:
    """Page 1 (title, caution, facts, ladder, partners, talking points), then the
    week-by-week table, two charts, the reflections and the step texts."""
    rungs = [[_p(f"Rung {r.position}\n{r.title}", 7.5) for r in data.rungs]]
    partners = [[_p(h, 8) for h in ("Partner", "This", "Before", "Comfort", "Δ", "Streak", "Rem.")]]
    partners += [
        [_p(x) for x in (p.name, p.done_this_period, p.done_previous_period, p.mean_comfort,
                         p.previous_mean_comfort, p.streak_weeks, p.reminders_stopped)]
        for p in data.partners
    ]  # fmt: skip
    title = [
        [_p(data.practice_name, 8)],
        [_p("Pre-session report", 19)],
        [_p(data.couple_label, 13)],
    ]
    story: list[object] = [
        _table(title),
        _table([[_p("This report supports counselling and is no substitute for it.")]]),
        _table([[_p(data.counselor_name), _p(data.session_starts_at)],
                [_p(data.period_description), _p(data.current_rung)]]),
        _p("Where the couple is on the ladder", 12.5),
        _table(rungs),
        _p("This period at a glance", 12.5),
        _table(partners),
        _p("Talking points", 12.5),
        _table([[_p(n + 1), _p("A talking point and the figures behind it.")]
                for n in range(talking_points)]),
    ]  # fmt: skip
    if data.assignments or data.reflections:
        weeks = sorted({c.week_start for a in data.assignments for _, cs in a.cells for c in cs})
        header = [_p("Step"), _p("Who"), *(_p(w.strftime("%d %b")) for w in weeks), _p("Period")]
        body = [
            [_p(a.title), _p(a.assignee_label),
             *(_p(" ".join(f"{c.done}/{c.target}" for _, cs in a.cells for c in cs
                           if c.week_start == w)) for w in weeks),
             _p(a.times_per_week)]
            for a in data.assignments
        ]  # fmt: skip
        story += [PageBreak(), _p("Steps this period, week by week", 12.5), _table([header, *body])]
        story += [_p("Weekly completion, last 8 weeks", 12.5), _chart(data, completion=True)]
        story += [_p("Comfort ratings, last 8 weeks", 12.5), _chart(data, completion=False)]
        story.append(_p("Recent reflections", 12.5))
        for item in data.reflections:
            story += [
                _table([[_p(f"{item.occurred_on} · {item.partner_name} · {item.step_title}"),
                         _p("Shared" if item.shared else "Counselor only")]]),
                _p(item.text, 9.5),
                Spacer(1, 8),
            ]  # fmt: skip
        story.append(_p("Steps as assigned", 12.5))
        for a in data.assignments:
            story += [
                _p(a.title, 10),
                _p(f"Rung {a.rung_position} · {a.status}"),
                _p(a.instructions),
            ]
    buffer = BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm)

    def furniture(canvas, doc) -> None:
        canvas.setFont(FONT, 8)
        canvas.drawString(18 * mm, 12 * mm, f"Confidential · page {doc.page}")

    document.build(story, onFirstPage=furniture, onLaterPages=furniture)
    return buffer.getvalue()


def talking_point_count(data: PreSessionReportData) -> int:
    points = data.talking_points if data.talking_points is not None else None
    return len(points) if points is not None else len(derive_talking_points(data))
