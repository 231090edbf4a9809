"""Line charts of the last eight weeks, one line per partner, drawn with reportlab.graphics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.charts.legends import LineLegend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib.colors import Color

from reports.fonts import FontFamily
from reports.styles import INK as INK_COLOUR
from reports.styles import MUTED, RULE

_MARKERS = ("FilledCircle", "FilledSquare", "FilledDiamond", "FilledTriangle")
_DASHES: tuple[tuple[float, ...] | None, ...] = (None, (4, 2), (1, 2), (6, 2, 1, 2))


@dataclass(frozen=True)
class Series:
    """One partner's line: a label, a value per week (None = gap) and a colour."""

    label: str
    values: tuple[float | None, ...]
    colour: Color


@dataclass(frozen=True)
class Scale:
    """The value axis: its range, tick step, tick format and title."""

    low: float
    high: float
    step: float
    tick_format: str
    title: str


def weekly_chart(
    series: Sequence[Series],
    week_labels: Sequence[str],
    scale: Scale,
    fonts: FontFamily,
    width: float,
    height: float = 175,
) -> Drawing:
    """A line chart with one line per series over ``week_labels``, a legend and axis titles."""
    # The drawing's own starting font: ReportLab's graphics state would otherwise begin in
    # its default Helvetica, named (and not embedded) in the PDF. Every label and string
    # below names the font as well.
    drawing = Drawing(width, height, initialFontName=fonts.regular, initialFontSize=7.5)
    chart = HorizontalLineChart()
    chart.x, chart.y = 46, 30
    # The stubs type a chart's size as int; ReportLab draws at any number.
    chart.width, chart.height = width - chart.x - 12, height - chart.y - 36  # type: ignore[assignment]
    chart.data = [_fit(s.values, len(week_labels)) for s in series]
    # Joined per series: ReportLab cannot draw a line through a single point (a partner
    # with one week of figures), so such a series shows its marker alone.
    chart.joinedLines = 0
    _style_axes(chart, week_labels, scale, fonts)
    for i, line in enumerate(series):
        plotted = sum(value is not None for value in chart.data[i])
        chart.lines[i].lineStyle = "joinedLine" if plotted >= 2 else None
        chart.lines[i].strokeColor = line.colour
        chart.lines[i].strokeWidth = 1.8
        chart.lines[i].strokeDashArray = _DASHES[i % len(_DASHES)]
        chart.lines[i].symbol = makeMarker(_MARKERS[i % len(_MARKERS)], size=5)
        chart.lines[i].symbol.fillColor = line.colour
        chart.lines[i].symbol.strokeColor = line.colour
    drawing.add(chart)
    drawing.add(_legend(series, fonts, chart.x, height - 4))
    drawing.add(_axis_title(scale.title, fonts, 10, chart.y + chart.height / 2, vertical=True))
    drawing.add(_axis_title("Week starting", fonts, chart.x + chart.width / 2, 4, vertical=False))
    return drawing


def has_values(series: Sequence[Series]) -> bool:
    """Whether any series has at least one value to plot."""
    return any(v is not None for s in series for v in s.values)


def _fit(values: tuple[float | None, ...], count: int) -> tuple[float | None, ...]:
    """Exactly ``count`` values: pad missing weeks at the start, keep the newest."""
    padded = (None,) * max(count - len(values), 0) + tuple(values)
    return padded[-count:] if count else ()


def _style_axes(
    chart: HorizontalLineChart, week_labels: Sequence[str], scale: Scale, fonts: FontFamily
) -> None:
    category, value = chart.categoryAxis, chart.valueAxis
    category.categoryNames = list(week_labels)
    category.labels.fontName = value.labels.fontName = fonts.regular
    category.labels.fontSize = value.labels.fontSize = 7.5
    category.labels.fillColor = value.labels.fillColor = MUTED
    category.labels.dy = -2
    category.strokeColor = value.strokeColor = RULE
    value.valueMin, value.valueMax, value.valueStep = scale.low, scale.high, scale.step
    value.labelTextFormat = scale.tick_format
    value.visibleGrid = 1
    value.gridStrokeColor = RULE
    value.gridStrokeWidth = 0.4
    value.gridStrokeDashArray = (1, 2)


def _legend(series: Sequence[Series], fonts: FontFamily, x: float, y: float) -> LineLegend:
    legend = LineLegend()
    legend.x, legend.y = x, y  # type: ignore[assignment]  # the stubs say int, as for the chart
    legend.alignment = "right"
    legend.fontName = fonts.regular
    legend.fontSize = 8
    legend.fillColor = INK_COLOUR
    legend.columnMaximum = 1
    legend.deltax = 0
    legend.dx, legend.dy = 16, 2
    legend.strokeWidth = 2
    legend.dxTextSpace = 5
    legend.colorNamePairs = [(s.colour, s.label) for s in series]
    legend.boxAnchor = "nw"
    # Equal-width columns would squeeze long names; place each entry after the last.
    legend.autoXPadding = 18
    return legend


def _axis_title(text: str, fonts: FontFamily, x: float, y: float, vertical: bool) -> Group:
    label = String(0, 0, text, fontName=fonts.regular, fontSize=7.5, fillColor=MUTED)
    label.textAnchor = "middle"
    group = Group(label)
    group.transform = (0, 1, -1, 0, x, y) if vertical else (1, 0, 0, 1, x, y)
    return group
