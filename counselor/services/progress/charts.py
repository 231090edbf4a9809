"""Small server-rendered charts: the geometry is computed here, a template draws the SVG."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Okabe–Ito blue and vermillion: told apart with every common colour-vision deficiency;
# lines also differ by marker shape and dash, so colour is never the only cue.
LINE_STYLES = (
    {"colour": "#0072B2", "marker": "circle", "dash": ""},
    {"colour": "#D55E00", "marker": "square", "dash": "6 4"},
)
WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40  # room for the axis labels
Y_TICKS = (0.0, 0.5, 1.0)


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    value: float  # 0–1
    label: str  # the week it belongs to

    @property
    def percent(self) -> int:
        return round(self.value * 100)


@dataclass(frozen=True)
class ChartLine:
    name: str
    values: list[float | None]  # one per week, oldest first; None: nothing due or no figure
    points: list[ChartPoint]
    path: str  # SVG path data; a week without a figure breaks the line
    colour: str
    marker: str
    dash: str


@dataclass(frozen=True)
class Tick:
    """A labelled mark on an axis, ``position`` in the chart's own coordinates."""

    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    lines: list[ChartLine]
    week_labels: list[str]

    @property
    def has_data(self) -> bool:
        return any(line.points for line in self.lines)

    @property
    def summary(self) -> str:
        """One sentence per line, for the chart's accessible name."""
        if not self.week_labels:
            return "No weeks to show."
        parts = []
        for line in self.lines:
            figures = ", ".join(
                "nothing due" if v is None else f"{round(v * 100)}%" for v in line.values
            )
            parts.append(f"{line.name}: {figures}")
        return (
            f"Weekly completion from the week of {self.week_labels[0]} "
            f"to the week of {self.week_labels[-1]}. " + "; ".join(parts) + "."
        )


def completion_chart(
    week_labels: list[str], series: list[tuple[str, list[float | None]]]
) -> LineChart:
    """A line chart of completion (0–1) per week: one line per named series."""
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    step = (right - LEFT) / max(1, len(week_labels) - 1)

    def x_at(index: int) -> float:
        return round(LEFT + index * step, 1)

    def y_at(value: float) -> float:
        return round(bottom - min(max(value, 0.0), 1.0) * (bottom - TOP), 1)

    lines = []
    for number, (name, values) in enumerate(series):
        style = LINE_STYLES[number % len(LINE_STYLES)]
        points = [
            ChartPoint(x_at(i), y_at(v), v, week_labels[i])
            for i, v in enumerate(values)
            if v is not None
        ]
        lines.append(ChartLine(name, list(values), points, _path(values, x_at, y_at), **style))
    return LineChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        x_ticks=[Tick(x_at(i), label) for i, label in enumerate(week_labels)],
        y_ticks=[Tick(y_at(v), f"{round(v * 100)}%") for v in Y_TICKS],
        lines=lines,
        week_labels=list(week_labels),
    )


def _path(
    values: list[float | None],
    x_at: Callable[[int], float],
    y_at: Callable[[float], float],
) -> str:
    commands = []
    pen_down = False
    for index, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{x_at(index)} {y_at(value)}")
        pen_down = True
    return " ".join(commands)
