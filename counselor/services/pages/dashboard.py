"""The couples list the dashboard opens on, in a fixed number of queries (a couple's own
page is ``couple_page``).

The list narrows to couples with a session today or this week, in the viewer's zone
(``when``), and sorts (``sort``) in SQL before it pages, so a sort key is a correlated
subquery of the one SELECT of couples, never a query per couple:

- ``next_session``: the session the list shows, soonest first. That is the couple's next
  live session (``sessions.live_sessions``), the first that is not over
  (``sessions.is_over``); while ``when`` narrows the list, it is the couple's first
  session inside that day or week instead, over or not (the one that put the couple on
  the list: a 9:00 session today still shows at 10:00);
- ``last_checkin``: the latest check-in's day, most recent first; also the column shown;
- ``completion``: this week's completion of the partner who did least, lowest first. The
  list shows figures judged live (``progress.current``), which SQL cannot sort without
  repeating the week rules; so which couples fall on which page follows the nightly
  compile's ``PartnerWeek`` rows of each partner's current week (written by those same
  rules), ranked by ``readiness.completion_sql``: the lowest share of the couple's
  partners that have a row with something due. A partner without a row — their week
  began since the last compile (a Monday before the night's run), or they have no step
  — or with nothing due is left out, so the couple ranks by the other partner; a couple
  with neither ranks last. Then the rows of the page are ranked again by the live
  figures they show (``_by_live_completion``), so that the page reads in order: ordered
  by last night's figures, this week so far shown.

Couples without a key sort last; name, then id, break ties (the default order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    CheckIn,
    Couple,
    CoupleSession,
    CoupleStatus,
    LadderRung,
    Partner,
    ReadinessSignal,
)
from counselor.models import PartnerWeek as StoredPartnerWeek
from counselor.services.couples.sessions import live_sessions, over_by
from counselor.services.homework.assignments import current_rung
from counselor.services.progress import current, readiness, week_rules

# ``when``: couples with a session today, or this week (Monday to Sunday), viewer's zone.
WHEN_CHOICES = ("today", "week")
# ``sort``: besides the default, by name.
SORT_CHOICES = ("next_session", "last_checkin", "completion")


@dataclass(frozen=True)
class PartnerWeek:
    partner: Partner
    week: week_rules.WeekFigure


@dataclass(frozen=True)
class CoupleRow:
    couple: Couple
    current_rung: LadderRung | None
    partner_weeks: list[PartnerWeek]
    last_checkin_on: date | None
    # The session the list shows: the next one, or with ``when`` the first in the window.
    session_at: datetime | None
    # Each compiled suggestion (moving up, barriers) with the partners it is about.
    signals: dict[ReadinessSignal, list[Partner]] = field(default_factory=dict)


@dataclass(frozen=True)
class CouplesPage:
    rows: list[CoupleRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_couples(
    *,
    search: str = "",
    status: str | None = None,
    when: str | None = None,
    sort: str | None = None,
    timezone: str = "UTC",
    page: int = 1,
    per_page: int = 25,
) -> CouplesPage:
    """One page of the practice's couples with this week's figures for each partner; a
    page number past the last is the last page (and below 1 the first). ``when`` and
    ``sort`` take the values of ``WHEN_CHOICES`` and ``SORT_CHOICES`` (anything else: all
    couples, by name); ``timezone`` is the viewer's, which says when today and this week
    are."""
    now = timeutil.utcnow()
    query = sa.select(Couple)
    if status in {s.value for s in CoupleStatus}:
        query = query.where(Couple.status == status)
    if search.strip():
        query = query.where(_matches(search.strip()))
    if when in WHEN_CHOICES:
        first_in_window = _first_session_between(*session_window(when, timezone, now))
        query = query.where(first_in_window.is_not(None))
        session_at = first_in_window.label("session_at")
    else:
        session_at = _next_session_at(now).label("session_at")
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = min(max(1, page), CouplesPage([], 1, per_page, total).pages)
    last_on = _last_checkin_on().label("last_checkin_on")
    ordering: list[sa.ColumnElement] = []
    if sort == "next_session":
        ordering.append(sa.nulls_last(session_at.asc()))
    elif sort == "last_checkin":
        ordering.append(sa.nulls_last(last_on.desc()))
    elif sort == "completion":
        ordering.append(sa.nulls_last(_lowest_completion(now).asc()))
    rows = db.session.execute(
        query.add_columns(session_at, last_on)
        .order_by(*ordering, sa.func.lower(Couple.label), Couple.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(selectinload(Couple.partners))
    ).all()
    listed = _couple_rows([tuple(row) for row in rows])
    if sort == "completion":
        listed = _by_live_completion(listed)
    return CouplesPage(listed, page, per_page, total)


def session_window(when: str, timezone: str, now: datetime) -> tuple[datetime, datetime]:
    """The UTC moments ``when`` ("today", else this week, Monday to Sunday) starts and ends
    on the wall clock of ``timezone``: from its first midnight to the midnight after."""
    today = timeutil.local_today(timezone, now)
    first, days = (today, 1) if when == "today" else (timeutil.week_start(today), 7)
    return (
        timeutil.local_datetime_to_utc(first, 0, 0, timezone),
        timeutil.local_datetime_to_utc(first + timedelta(days=days), 0, 0, timezone),
    )


def _matches(search: str) -> sa.ColumnElement[bool]:
    pattern = f"%{_escape_like(search)}%"
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


def _first_session_between(start: datetime, end: datetime) -> sa.ScalarSelect[datetime]:
    """The couple's first live session from ``start`` to ``end``, as a correlated
    subquery."""
    return (
        live_sessions()
        .with_only_columns(sa.func.min(CoupleSession.starts_at))
        .where(
            CoupleSession.couple_id == Couple.id,
            CoupleSession.starts_at >= start,
            CoupleSession.starts_at < end,
        )
        .scalar_subquery()
    )


def _next_session_at(now: datetime) -> sa.ScalarSelect[datetime]:
    """The couple's next live session — the first that is not over (``sessions.is_over``)
    — as a correlated subquery."""
    return (
        live_sessions()
        .with_only_columns(sa.func.min(CoupleSession.starts_at))
        .where(CoupleSession.couple_id == Couple.id, sa.not_(over_by(now)))
        .scalar_subquery()
    )


def _last_checkin_on() -> sa.ScalarSelect[date]:
    """The local day of the couple's latest check-in, as a correlated subquery."""
    return (
        sa.select(sa.func.max(CheckIn.occurred_on))
        .join(Assignment, CheckIn.assignment_id == Assignment.id)
        .where(Assignment.couple_id == Couple.id)
        .scalar_subquery()
    )


def _lowest_completion(now: datetime) -> sa.ScalarSelect[float]:
    """This week's completion of the couple's partner who did least, from the stored
    ``PartnerWeek`` rows (see the module's docstring), as a correlated subquery: NULL when
    no partner has a row with something due."""
    share = readiness.completion_sql(StoredPartnerWeek.done, StoredPartnerWeek.target)
    return (
        sa.select(sa.func.min(share))
        .join(Partner, Partner.id == StoredPartnerWeek.partner_id)
        .where(
            StoredPartnerWeek.couple_id == Couple.id,
            StoredPartnerWeek.week_start == _partner_monday(now),
        )
        .scalar_subquery()
    )


def _partner_monday(now: datetime) -> sa.ColumnElement[date]:
    """The Monday of each partner's current week, by their zone, for the zones the
    practice's partners live in (one query): each zone's Monday is computed here as
    ``week_rules.partner_current_week`` computes it, not repeated in SQL (which SQLite could
    not do anyway); at any moment they are at most two Mondays."""
    zones = db.session.scalars(sa.select(Partner.timezone).distinct()).all()
    by_monday: dict[date, list[str]] = {}
    for zone in zones:
        monday = timeutil.week_start(timeutil.local_today(zone, now))
        by_monday.setdefault(monday, []).append(zone)
    if not by_monday:
        return sa.type_coerce(sa.null(), sa.Date)
    return sa.case(*((Partner.timezone.in_(named), monday) for monday, named in by_monday.items()))


def _by_live_completion(rows: list[CoupleRow]) -> list[CoupleRow]:
    """The page's rows ranked by the live figures they show: the lowest completion of the
    couple's partners with something due, lowest first, couples with none last; ties keep
    the order of the nightly figures."""

    def lowest(row: CoupleRow) -> tuple[bool, float]:
        shares = [pw.week.completion for pw in row.partner_weeks]
        known = [share for share in shares if share is not None]
        return (not known, min(known, default=0.0))

    return sorted(rows, key=lowest)


def _couple_rows(rows: list[tuple[Couple, datetime | None, date | None]]) -> list[CoupleRow]:
    """The rows of a page from (couple, session shown, last check-in day)."""
    if not rows:
        return []
    standing = current.couples_now([couple for couple, _, _ in rows])
    listed = []
    for couple, session_at, last_checkin_on in rows:
        now = standing[couple.id]
        listed.append(
            CoupleRow(
                couple=couple,
                current_rung=current_rung(now.assignments),
                partner_weeks=[PartnerWeek(p, now.this_week[p.id]) for p in couple.partners],
                last_checkin_on=last_checkin_on,
                session_at=session_at,
                signals=_signals(couple.partners, now.readiness),
            )
        )
    return listed


def _signals(
    partners: list[Partner], verdict: readiness.CoupleReadiness
) -> dict[ReadinessSignal, list[Partner]]:
    """Each partner's current suggestion, grouped by suggestion (moving up first)."""
    by_signal: dict[ReadinessSignal, list[Partner]] = {signal: [] for signal in ReadinessSignal}
    for partner in partners:
        signal = verdict.of(partner.id)
        if signal is not None:
            by_signal[signal].append(partner)
    return {signal: named for signal, named in by_signal.items() if named}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
