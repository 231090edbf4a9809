"""Keyset paging for the couples list (``dashboard_query``): an order of keys, the ORDER BY
it reads in either direction, and the WHERE that keeps the rows beyond a cursor's keys.

A key that can be NULL sorts NULLs last in the list's order; read backwards (the page
before a cursor, nearest first) every direction flips and NULLs come first. Rows beyond the
cursor are those after it on the first key, or equal on it and after on the next, and so
on: the order ends with the couple's id, so it is total and no row is listed twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True)
class Key:
    """One key of the list's order: its value for each couple (in the inner SELECT), its
    value for the cursor's couple, and its direction; a key that can be NULL sorts NULLs
    last in both directions."""

    value: sa.ColumnElement
    cursor: sa.ColumnElement
    descending: bool = False
    nullable: bool = False


def ordering(keys: list[Key], forward: bool) -> list[sa.ColumnElement]:
    """ORDER BY the keys; backwards (``forward`` false: the page before a cursor, read
    nearest first) every direction flips, NULLs coming first."""
    order: list[sa.ColumnElement] = []
    for key in keys:
        ascending = key.descending != forward
        term = key.value.asc() if ascending else key.value.desc()
        if key.nullable:
            term = sa.nulls_last(term) if forward else sa.nulls_first(term)
        order.append(term)
    return order


def beyond(keys: list[Key], forward: bool) -> sa.ColumnElement[bool]:
    """The couples after the cursor's in the order (``forward``), or before it: after on
    the first key, or equal on it and after on the next, and so on."""
    terms = []
    equal_so_far: list[sa.ColumnElement[bool]] = []
    for key in keys:
        terms.append(sa.and_(*equal_so_far, _past(key, forward)))
        equal_so_far.append(_same(key))
    return sa.or_(*terms)


def _past(key: Key, forward: bool) -> sa.ColumnElement[bool]:
    value, cursor = key.value, key.cursor
    later = (value < cursor) if key.descending else (value > cursor)
    earlier = (value > cursor) if key.descending else (value < cursor)
    if not key.nullable:
        return later if forward else earlier
    if forward:  # NULLs come last: after any value, and nothing is after a NULL but NULLs
        return sa.and_(cursor.is_not(None), sa.or_(later, value.is_(None)))
    return sa.and_(value.is_not(None), sa.or_(cursor.is_(None), earlier))


def _same(key: Key) -> sa.ColumnElement[bool]:
    if not key.nullable:
        return key.value == key.cursor
    return sa.or_(key.value == key.cursor, sa.and_(key.value.is_(None), key.cursor.is_(None)))
