"""The couples list's page in ONE SELECT: which couples, in which order, with their partners,
the session shown, the last check-in day and how many couples the list holds.

Order (``sort``) — every order ends with the name, then the id, so that it is total:

- default: by name (``lower(label)``);
- ``next_session``: the session the list shows, soonest first. That is the couple's next
  live session (``sessions.live_sessions``), the first that is not over
  (``sessions.is_over``); while ``when`` narrows the list, it is the couple's first
  session inside that day or week instead, over or not (the one that put the couple on
  the list: a 9:00 session today still shows at 10:00);
- ``last_checkin``: the latest check-in's day, most recent first;
- ``completion``: this week's completion of the partner who did least, lowest first. The
  list shows figures judged live, which SQL cannot sort without repeating the week rules;
  so which couples fall on which page follows the nightly compile's ``PartnerWeek`` rows
  of each partner's current week (written by those same rules), ranked by
  ``readiness.completion_sql``: the lowest share of the couple's partners that have a row
  with something due. A partner without a row — their week began since the last compile,
  or they have no step — or with nothing due is left out, so the couple ranks by the
  other partner; a couple with neither ranks last. Then the rows of the page are ranked
  again by the live figures they show (``dashboard_figures.by_live_completion``).

Couples without a key sort last. Each key is computed once per couple in an inner SELECT
(which also counts the list with a window, so the total costs no statement of its own);
the page is the couples beyond the cursor's keys (keyset), or past an OFFSET for a bare
page number. The keys and the search are correlated subqueries of ``dashboard_sql``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, aliased

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Couple, CoupleStatus, Partner
from counselor.services.pages import dashboard_keyset as keyset
from counselor.services.pages import dashboard_sql as sql
from counselor.services.pages.dashboard_keyset import Key
from counselor.services.pages.dashboard_sql import IdColumn

# ``when``: couples with a session today, or this week (Monday to Sunday), viewer's zone.
WHEN_CHOICES = ("today", "week")
# ``sort``: besides the default, by name.
SORT_CHOICES = ("next_session", "last_checkin", "completion")
# A page number past any list (its OFFSET still fits every database's integer).
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class Paging:
    """Which page: the couples after one couple (``after``, its id), before one
    (``before``), or a page number (``page``, by OFFSET). With a cursor, ``page`` is only
    the number the page is shown under."""

    page: int = 1
    per_page: int = 25
    after: int | None = None
    before: int | None = None

    @property
    def cursor(self) -> int | None:
        return self.after if self.after is not None else self.before


@dataclass(frozen=True)
class CoupleLine:
    """What the list shows of a couple: a row, not the ORM object."""

    id: int
    label: str
    status: CoupleStatus


@dataclass(frozen=True)
class PartnerLine:
    """A partner as the list and the week rules read one (``id``, ``timezone``)."""

    id: int
    first_name: str
    timezone: str


@dataclass(frozen=True)
class PageRows:
    couples: list[CoupleLine]
    partners: dict[int, list[PartnerLine]]
    session_at: dict[int, datetime | None]
    last_checkin_on: dict[int, date | None]
    total: int
    page: int
    has_previous: bool
    has_next: bool
    # Every value read, as read: what the page's fingerprint is made of.
    raw: tuple = field(default=(), repr=False)


def session_window(when: str, timezone: str, now: datetime) -> tuple[datetime, datetime]:
    """The UTC moments ``when`` ("today", else this week, Monday to Sunday) starts and ends
    on the wall clock of ``timezone``: from its first midnight to the midnight after."""
    today = timeutil.local_today(timezone, now)
    first, days = (today, 1) if when == "today" else (timeutil.week_start(today), 7)
    return (
        timeutil.local_datetime_to_utc(first, 0, 0, timezone),
        timeutil.local_datetime_to_utc(first + timedelta(days=days), 0, 0, timezone),
    )


def page_rows(
    *,
    search: str,
    status: str | None,
    when: str | None,
    sort: str | None,
    timezone: str,
    paging: Paging,
    now: datetime,
) -> PageRows:
    """The page's rows in one SELECT. Only a page that cannot be (a cursor that names no
    couple of the list any more, a page number past the last) costs more: then the first
    page, or the last, is read instead."""
    window = session_window(when, timezone, now) if when in WHEN_CHOICES else None

    def shown_session(couple_id: IdColumn) -> sa.ColumnElement:
        if window is not None:
            return sql.first_session_between(couple_id, *window)
        return sql.next_session_at(couple_id, now)

    filters = _filters(search, status, window)
    sort_key = _sort_key(sort, shown_session, now)
    page = max(1, min(paging.page, MAX_PAGE))
    rows = _read(filters, sort_key, shown_session, paging, page)
    if rows.couples or (paging.cursor is None and page == 1):
        return rows
    if paging.cursor is not None:
        return _read(filters, sort_key, shown_session, Paging(per_page=paging.per_page), 1)
    counted = sa.select(sa.func.count()).select_from(
        sa.select(Couple.id).where(*filters).subquery()
    )
    total = db.session.scalar(counted) or 0
    last = max(1, -(-total // paging.per_page))
    return _read(filters, sort_key, shown_session, paging, last)


def _filters(
    search: str, status: str | None, window: tuple[datetime, datetime] | None
) -> list[sa.ColumnElement[bool]]:
    filters: list[sa.ColumnElement[bool]] = []
    if status in {s.value for s in CoupleStatus}:
        filters.append(Couple.status == status)
    if search.strip():
        filters.append(sql.matches(search.strip()))
    if window is not None:
        filters.append(sql.first_session_between(Couple.id, *window).is_not(None))
    return filters


SortKey = tuple[Callable[[IdColumn], sa.ColumnElement], bool] | None


def _sort_key(
    sort: str | None,
    shown_session: Callable[[IdColumn], sa.ColumnElement],
    now: datetime,
) -> SortKey:
    """The first key of the order, as a function of a couple's id column, and whether it
    descends (None: by name)."""
    if sort == "next_session":
        return shown_session, False
    if sort == "last_checkin":
        return sql.last_checkin_on, True
    if sort == "completion":
        monday = sql.partner_monday(now)
        return (lambda couple_id: sql.lowest_completion(couple_id, monday)), False
    return None


def _read(
    filters: list[sa.ColumnElement[bool]],
    sort_key: SortKey,
    shown_session: Callable[[IdColumn], sa.ColumnElement],
    paging: Paging,
    page: int,
) -> PageRows:
    values: list[sa.ColumnElement | QueryableAttribute] = []
    if sort_key is not None:
        values.append(sort_key[0](Couple.id))
    values += [sa.func.lower(Couple.label), Couple.id]
    inner = sa.select(
        Couple.id.label("couple_id"),
        Couple.label,
        Couple.status,
        *(value.label(f"k{n}") for n, value in enumerate(values)),
        sa.func.count().over().label("total"),
    ).where(*filters)
    ranked = inner.subquery("ranked")
    keys = _keys(ranked, sort_key, paging.cursor)
    forward = paging.before is None
    fetch = sa.select(ranked).order_by(*keyset.ordering(keys, forward)).limit(paging.per_page + 1)
    if paging.cursor is not None:
        fetch = fetch.where(keys[-1].cursor.is_not(None), keyset.beyond(keys, forward))
    else:
        fetch = fetch.offset((page - 1) * paging.per_page)
    page_of = fetch.subquery("page_of")
    page_keys = [page_of.c[f"k{n}"] for n in range(len(keys))]
    statement = (
        sa.select(
            page_of.c.couple_id,
            page_of.c.label,
            page_of.c.status,
            page_of.c.total,
            shown_session(page_of.c.couple_id).label("session_at"),
            sql.last_checkin_on(page_of.c.couple_id).label("last_checkin_on"),
            Partner.id,
            Partner.first_name,
            Partner.timezone,
        )
        .select_from(page_of.outerjoin(Partner, Partner.couple_id == page_of.c.couple_id))
        .order_by(
            *keyset.ordering(
                [
                    Key(k, k, key.descending, key.nullable)
                    for k, key in zip(page_keys, keys, strict=True)
                ],
                forward,
            ),
            Partner.position,
        )
    )
    raw = tuple(tuple(row) for row in db.session.execute(statement))
    return _page_rows(raw, paging, page, forward)


# The cursor's couple, as the keys' subqueries read it: made once (an alias is costly to
# make, and adapting columns to a new one more so), shared by every page.
_CURSOR_COUPLE = aliased(Couple, name="cursor_couple")


def _keys(ranked: sa.Subquery, sort_key: SortKey, cursor: int | None) -> list[Key]:
    """The order's keys over the inner SELECT, each with the cursor couple's own value
    (computed by the same expression on that couple; NULL when it is no couple the viewer
    may see, which ``page_rows`` reads as "start again")."""
    at_cursor = _CURSOR_COUPLE

    def of_cursor(value: sa.ColumnElement | QueryableAttribute) -> sa.ColumnElement:
        return sa.select(value).where(at_cursor.id == cursor).scalar_subquery()

    keys: list[Key] = []
    n = 0
    if sort_key is not None:
        value_of, descending = sort_key
        keys.append(Key(ranked.c.k0, of_cursor(value_of(at_cursor.id)), descending, True))
        n = 1
    keys.append(Key(ranked.c[f"k{n}"], of_cursor(sa.func.lower(at_cursor.label))))
    keys.append(Key(ranked.c[f"k{n + 1}"], of_cursor(at_cursor.id)))
    return keys


def _page_rows(raw: tuple, paging: Paging, page: int, forward: bool) -> PageRows:
    couples: list[CoupleLine] = []
    partners: dict[int, list[PartnerLine]] = {}
    session_at: dict[int, datetime | None] = {}
    last_on: dict[int, date | None] = {}
    total = 0
    for couple_id, label, status, count, shown, last, partner_id, first_name, zone in raw:
        if couple_id not in partners:
            couples.append(CoupleLine(couple_id, label, CoupleStatus(status)))
            partners[couple_id] = []
            session_at[couple_id], last_on[couple_id], total = shown, last, count
        if partner_id is not None:
            partners[couple_id].append(PartnerLine(partner_id, first_name, zone))
    beyond = len(couples) > paging.per_page
    if beyond:
        extra = couples.pop()
        del partners[extra.id], session_at[extra.id], last_on[extra.id]
    if not forward:
        couples.reverse()
    if paging.cursor is None:
        has_previous, has_next = page > 1, beyond
    elif forward:
        has_previous, has_next = True, beyond
    else:
        has_previous, has_next = beyond, True
    pages = max(1, -(-total // paging.per_page))
    if paging.cursor is not None:  # the number the page is shown under: exact at the ends
        page = 1 if not has_previous else pages if not has_next else min(max(page, 2), pages)
    return PageRows(
        couples, partners, session_at, last_on, total, page, has_previous, has_next, raw
    )
