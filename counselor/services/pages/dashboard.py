"""The couples list the dashboard opens on: one page of the practice's couples in a fixed
number of statements, whatever their number (a couple's own page is ``couple_page``).

Two statements read a page, both rows rather than ORM objects:

1. the page (``dashboard_query.page_rows``): the couples of the page in order with their
   partners, the session shown, the last check-in day, and how many couples the list holds
   — one SELECT;
2. what this week's figures and the readiness suggestions are judged on
   (``dashboard_figures.load_evidence``): the couples' steps and their rungs, the ladder's
   top rung, then the check-ins of the weeks read per step, partner and day — two SELECTs.

The figures themselves are the week rules' (``week_rules.partner_week`` for this week,
``week_rules.couple_readiness`` for the suggestions) run on those rows, the same functions
the couple page, the API and the report call, so the list cannot disagree with them.
``fingerprint`` names everything a page is built from, so a view can tell that a page is
the one a browser already has (an ETag) before any rule runs or any HTML is rendered.

Paging is by keyset: a page's *Next* and *Previous* links name the couple at its edge
(``after`` / ``before``: a couple id, never a name, so that no client text reaches a
URL or a log), and the next page is the couples after it in the list's order, found by
comparison, not by counting past the ones before. A bare page number (``page``, the links
of old) is still served, by OFFSET.

The list narrows to couples with a session today or this week, in the viewer's zone
(``when``), and sorts (``sort``) in SQL before it pages (``dashboard_query``, which says
how each order is built).
"""

from __future__ import annotations

from dataclasses import dataclass

from counselor import timeutil
from counselor.services.pages import dashboard_figures, dashboard_query
from counselor.services.pages.dashboard_figures import CoupleRow, PageEvidence
from counselor.services.pages.dashboard_query import (
    SORT_CHOICES,
    WHEN_CHOICES,
    Paging,
    session_window,
)

__all__ = [
    "SORT_CHOICES",
    "WHEN_CHOICES",
    "CoupleRow",
    "CouplesPage",
    "Paging",
    "read_page",
    "session_window",
]


@dataclass(frozen=True)
class CouplesPage:
    rows: list[CoupleRow]
    page: int
    per_page: int
    total: int
    # The couples at the page's edges in the list's order (``after``/``before`` of the
    # links), and whether there are couples beyond each edge.
    first_id: int | None = None
    last_id: int | None = None
    has_previous: bool = False
    has_next: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class PageRead:
    """A page as read from the database, before any rule runs: its ``fingerprint`` tells
    whether it is the page a browser already has; ``page()`` builds the rows shown."""

    paging: Paging
    sort: str | None
    rows: dashboard_query.PageRows
    evidence: PageEvidence

    @property
    def fingerprint(self) -> str:
        return dashboard_figures.fingerprint(self.rows, self.evidence, self.sort)

    def page(self) -> CouplesPage:
        listed = dashboard_figures.couple_rows(self.rows, self.evidence)
        if self.sort == "completion":
            listed = dashboard_figures.by_live_completion(listed)
        rows = self.rows
        return CouplesPage(
            rows=listed,
            page=rows.page,
            per_page=self.paging.per_page,
            total=rows.total,
            first_id=rows.couples[0].id if rows.couples else None,
            last_id=rows.couples[-1].id if rows.couples else None,
            has_previous=rows.has_previous,
            has_next=rows.has_next,
        )


def read_page(
    *,
    search: str = "",
    status: str | None = None,
    when: str | None = None,
    sort: str | None = None,
    timezone: str = "UTC",
    paging: Paging | None = None,
) -> PageRead:
    """Read one page of the practice's couples (three statements) without judging it yet.
    ``when`` and ``sort`` take the values of ``WHEN_CHOICES`` and ``SORT_CHOICES``
    (anything else: all couples, by name); ``timezone`` is the viewer's, which says when
    today and this week are."""
    paging = paging or Paging()
    now = timeutil.utcnow()
    rows = dashboard_query.page_rows(
        search=search,
        status=status,
        when=when,
        sort=sort,
        timezone=timezone,
        paging=paging,
        now=now,
    )
    evidence = dashboard_figures.load_evidence(rows, now)
    return PageRead(paging, sort if sort in SORT_CHOICES else None, rows, evidence)
