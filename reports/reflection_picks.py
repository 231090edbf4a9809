"""The two or three reflections most worth reading before the session, and why each.

One rule, pure, for page 1 of the report (the couple page lists the period's reflections
newest first and picks none):

1. **Most recent** — the newest reflection of the period.
2. **Lowest comfort** — the lowest-rated one (the newest of equals); only when it is
   rated 3 or lower, since a "lowest" of 5 tells nothing.
3. **Counselor only** — the newest one its partner kept from the other partner (or
   withdrew after sharing): what only the counselor knows.

A reflection picked for two reasons is listed once, with both; the picks keep the order
above and never exceed ``PICKS_SHOWN``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reports.data import ReflectionItem

PICKS_SHOWN = 3
LOW_COMFORT_AT_MOST = 3
MOST_RECENT = "most recent"
LOWEST_COMFORT = "lowest comfort"
COUNSELOR_ONLY = "counselor only"


@dataclass(frozen=True)
class PickedReflection:
    """A reflection chosen for page 1 and the reasons it was chosen, in rule order."""

    item: ReflectionItem
    reasons: tuple[str, ...]


def telling_reflections(
    reflections: Iterable[ReflectionItem], limit: int = PICKS_SHOWN
) -> tuple[PickedReflection, ...]:
    """The reflections the rules above pick, each once, at most ``limit``."""
    newest_first = sorted(reflections, key=lambda r: r.occurred_on, reverse=True)
    if not newest_first or limit <= 0:
        return ()
    candidates: list[tuple[str, ReflectionItem | None]] = [
        (MOST_RECENT, newest_first[0]),
        (LOWEST_COMFORT, _lowest_comfort(newest_first)),
        (COUNSELOR_ONLY, next((r for r in newest_first if _kept_private(r)), None)),
    ]
    picks: list[tuple[ReflectionItem, list[str]]] = []
    for reason, item in candidates:
        if item is None:
            continue
        same = next((reasons for picked, reasons in picks if picked is item), None)
        if same is not None:
            same.append(reason)
        elif len(picks) < limit:
            picks.append((item, [reason]))
    return tuple(PickedReflection(item, tuple(reasons)) for item, reasons in picks)


def _lowest_comfort(newest_first: list[ReflectionItem]) -> ReflectionItem | None:
    rated = [r for r in newest_first if r.comfort is not None]
    if not rated:
        return None
    lowest = min(rated, key=lambda r: r.comfort or 0)  # min keeps the first: the newest
    return lowest if (lowest.comfort or 0) <= LOW_COMFORT_AT_MOST else None


def _kept_private(item: ReflectionItem) -> bool:
    return not item.shared or item.withdrawn_on is not None
