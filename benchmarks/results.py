"""What a scenario reports: its checks against the issue's targets, how its time and
memory grow with size, and — for a missed target — the profile that shows why."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from benchmarks.measure import Figure, number

# Slack on "linear or better": t ∝ n^b with b up to this still counts as linear.
LINEAR_EXPONENT = 1.15


@dataclass
class Check:
    """One target of the issue's table, measured."""

    scenario: str
    what: str
    project: str
    floor: str
    ratio: Figure | None
    target: str
    met: bool
    informational: bool = False  # shown for context: no target, never missed

    @classmethod
    def informational_ratio(
        cls, scenario: str, what: str, project: Figure, floor: Figure, ratio: Figure
    ) -> Check:
        return cls(scenario, what, project.text(), floor.text(), ratio, "–", True, True)

    @classmethod
    def ratio_at_least(
        cls, scenario: str, what: str, project: Figure, floor: Figure, ratio: Figure, bound: float
    ) -> Check:
        return cls(
            scenario, what, project.text(), floor.text(), ratio, f"≥ {bound:g}×",
            ratio.median >= bound,
        )  # fmt: skip

    @classmethod
    def ratio_at_most(
        cls, scenario: str, what: str, project: Figure, floor: Figure, ratio: Figure, bound: float
    ) -> Check:
        return cls(
            scenario, what, project.text(), floor.text(), ratio, f"≤ {bound:g}×",
            ratio.median <= bound,
        )  # fmt: skip

    @property
    def ratio_text(self) -> str:
        if self.ratio is None or not self.ratio.samples:
            return "–"
        r = self.ratio
        return f"{r.median:.2f}× ({r.low:.2f}–{r.high:.2f})"


@dataclass
class Growth:
    """Time (or time per request) and peak memory at three sizes."""

    scenario: str
    size_name: str
    time_name: str
    memory_name: str
    sizes: list[int] = field(default_factory=list)
    times: list[Figure] = field(default_factory=list)
    memory: list[Figure] = field(default_factory=list)

    def add(self, size: int, time: Figure, memory: Figure) -> None:
        self.sizes.append(size)
        self.times.append(time)
        self.memory.append(memory)

    def exponent(self, figures: list[Figure], floor_value: float = 0.0) -> float:
        """b in value ∝ size^b, from the smallest to the largest size."""
        if len(self.sizes) < 2 or self.sizes[0] == self.sizes[-1]:
            return float("nan")
        first = max(figures[0].median, floor_value)
        last = max(figures[-1].median, floor_value)
        if first <= 0 or last <= 0:
            return float("nan")
        return math.log(last / first) / math.log(self.sizes[-1] / self.sizes[0])

    @property
    def time_exponent(self) -> float:
        return self.exponent(self.times)

    @property
    def memory_exponent(self) -> float:
        # Growth below a few MiB is noise, not a trend.
        return self.exponent(self.memory, floor_value=4.0)

    def check(self) -> Check:
        bt, bm = self.time_exponent, self.memory_exponent
        ok = all(b != b or b <= LINEAR_EXPONENT for b in (bt, bm))
        sizes = " / ".join(f"{s:,}" for s in self.sizes)
        return Check(
            self.scenario,
            f"growth over {sizes} {self.size_name}",
            f"time ∝ n^{bt:.2f}, memory ∝ n^{bm:.2f}",
            "–",
            None,
            f"exponents ≤ {LINEAR_EXPONENT} (linear or better)",
            ok,
        )


@dataclass
class UserFigure:
    """A time a user sees (no floor, no target): what it is, measured n times."""

    what: str
    measure: str
    figure: Figure


@dataclass
class ScenarioResult:
    name: str
    checks: list[Check] = field(default_factory=list)
    user_figures: list[UserFigure] = field(default_factory=list)
    growth: Growth | None = None
    facts: list[str] = field(default_factory=list)
    profile: str | None = None
    seconds: float = 0.0
    skipped: str | None = None

    @property
    def all_checks(self) -> list[Check]:
        return self.checks + ([self.growth.check()] if self.growth else [])

    @property
    def missed(self) -> list[Check]:
        return [c for c in self.all_checks if not c.met]


def table(results: list[ScenarioResult]) -> str:
    """The one table: every target, measured, as Markdown (readable in a terminal too)."""
    lines = [
        "| scenario | measure | project (median, min–max, n) | floor | ratio (median, min–max) "
        "| target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        if result.skipped:
            lines.append(f"| {result.name} | – | skipped: {result.skipped} | – | – | – | – |")
            continue
        for check in result.all_checks:
            lines.append(
                f"| {check.scenario} | {check.what} | {check.project} | {check.floor} | "
                f"{check.ratio_text} | {check.target} | {_met(check)} |"
            )
    return "\n".join(lines)


def user_table(results: list[ScenarioResult]) -> str:
    """Where a user sees speed: the times of `make run` and of a report in a browser."""
    rows = [f for r in results for f in r.user_figures]
    skipped = [r for r in results if r.skipped and r.name == "make run"]
    if not rows and not skipped:
        return ""
    lines = ["| what | measure | median (min–max, n) |", "|---|---|---|"]
    lines += [f"| {f.what} | {f.measure} | {f.figure.text()} |" for f in rows]
    lines += [f"| {r.name} | – | skipped: {r.skipped} |" for r in skipped]
    return "\n".join(lines)


def _met(check: Check) -> str:
    if check.informational:
        return "–"
    return "yes" if check.met else "**no**"


def growth_tables(results: list[ScenarioResult]) -> str:
    parts = []
    for result in results:
        growth = result.growth
        if growth is None:
            continue
        parts.append(f"**{result.name}** ({growth.time_name}; {growth.memory_name})\n")
        parts.append(f"| {growth.size_name} | time | peak memory |")
        parts.append("|---|---|---|")
        for size, time, memory in zip(growth.sizes, growth.times, growth.memory, strict=True):
            parts.append(f"| {size:,} | {time.text()} | {memory.text()} |")
        parts.append(
            f"\ntime ∝ n^{number(growth.time_exponent, 2)}, "
            f"memory ∝ n^{number(growth.memory_exponent, 2)}\n"
        )
    return "\n".join(parts)
