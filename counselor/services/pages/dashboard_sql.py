"""The couples list's correlated subqueries, each a function of a couple's id column (the
couples' own, the cursor couple's, a page's): the search (``matches``), the session shown
(``first_session_between`` a window, else ``next_session_at``), the last check-in's day
(``last_checkin_on``) and the completion sort's key (``lowest_completion`` of each
partner's current week, ``partner_monday``). ``dashboard_query`` puts them in its one
SELECT, as filters, keys of the order and columns of the page."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute

from counselor import timeutil
from counselor.models import Assignment, CheckIn, Couple, CoupleSession, Partner
from counselor.models import PartnerWeek as StoredPartnerWeek
from counselor.services.couples.sessions import live_sessions, over_by
from counselor.services.progress import readiness

# A couple's id as the keys are computed on it: the couples' own, the cursor couple's, the
# page's.
IdColumn = sa.ColumnElement[int] | QueryableAttribute[int]


def matches(search: str) -> sa.ColumnElement[bool]:
    pattern = f"%{escape_like(search)}%"
    partner_match = (
        sa.select(Partner.id)
        .where(
            Partner.couple_id == Couple.id,
            sa.or_(
                Partner.first_name.ilike(pattern, escape="\\"),
                Partner.email.ilike(pattern, escape="\\"),
            ),
        )
        .exists()
    )
    return sa.or_(
        Couple.label.ilike(pattern, escape="\\"),
        Couple.external_id.ilike(pattern, escape="\\"),
        partner_match,
    )


def first_session_between(
    couple_id: IdColumn, start: datetime, end: datetime
) -> sa.ScalarSelect[datetime]:
    """The couple's first live session from ``start`` to ``end``, as a correlated
    subquery."""
    return (
        live_sessions()
        .with_only_columns(sa.func.min(CoupleSession.starts_at))
        .where(
            CoupleSession.couple_id == couple_id,
            CoupleSession.starts_at >= start,
            CoupleSession.starts_at < end,
        )
        .scalar_subquery()
    )


def next_session_at(couple_id: IdColumn, now: datetime) -> sa.ScalarSelect[datetime]:
    """The couple's next live session — the first that is not over (``sessions.is_over``)
    — as a correlated subquery."""
    return (
        live_sessions()
        .with_only_columns(sa.func.min(CoupleSession.starts_at))
        .where(CoupleSession.couple_id == couple_id, sa.not_(over_by(now)))
        .scalar_subquery()
    )


def last_checkin_on(couple_id: IdColumn) -> sa.ScalarSelect[date]:
    """The local day of the couple's latest check-in, as a correlated subquery."""
    return (
        sa.select(sa.func.max(CheckIn.occurred_on))
        .join(Assignment, CheckIn.assignment_id == Assignment.id)
        .where(Assignment.couple_id == couple_id)
        .scalar_subquery()
    )


def lowest_completion(
    couple_id: IdColumn, monday: sa.ColumnElement[date]
) -> sa.ScalarSelect[float]:
    """This week's completion of the couple's partner who did least, from the stored
        ``PartnerWeek`` rows (see ``dashboard_query``'s docstring: the list ranks its pages by
    it), as a correlated subquery: NULL when
        no partner has a row with something due."""
    share = readiness.completion_sql(StoredPartnerWeek.done, StoredPartnerWeek.target)
    return (
        sa.select(sa.func.min(share))
        .join(Partner, Partner.id == StoredPartnerWeek.partner_id)
        .where(StoredPartnerWeek.couple_id == couple_id, StoredPartnerWeek.week_start == monday)
        .scalar_subquery()
    )


def partner_monday(now: datetime) -> sa.ColumnElement[date]:
    """The Monday of each partner's current week, by their zone: each zone's Monday is
    computed here as ``week_rules.partner_current_week`` computes it (not in SQL, which
    SQLite could not do), for every zone a partner may have (``timeutil.known_timezones``),
    so that no query asks which zones the practice's partners live in. At any moment they
    are at most two Mondays: the CASE names the zones of the rarer one."""
    by_monday = _zone_mondays(_quarter_hour(now))
    usual = max(by_monday, key=lambda monday: len(by_monday[monday]))
    others = [(Partner.timezone.in_(zones), m) for m, zones in by_monday.items() if m != usual]
    if not others:
        return sa.literal(usual, sa.Date)
    return sa.case(*others, else_=sa.literal(usual, sa.Date))


def _quarter_hour(now: datetime) -> datetime:
    """``now`` down to its quarter hour: every zone's midnight falls on one (zones are
    whole quarter hours from UTC), so each zone's date is the same all through it."""
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


@lru_cache(maxsize=4)
def _zone_mondays(moment: datetime) -> dict[date, list[str]]:
    by_monday: dict[date, list[str]] = {}
    for zone in sorted(timeutil.known_timezones()):
        monday = timeutil.week_start(timeutil.local_today(zone, moment))
        by_monday.setdefault(monday, []).append(zone)
    return by_monday


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
