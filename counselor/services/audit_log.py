"""Reading the audit trail: one practice's events, newest first, filtered by counselor,
couple, kind of action and dates, a page at a time (keyset: the next page starts after
the last event shown, however long the trail) or all of them as CSV, streamed in chunks.

Every query runs in the practice's scope (``tenancy``), and selects columns, not objects,
so an export of a year of events keeps only one chunk in memory. Reading the trail is
itself recorded (``audit.view``, ``audit.export``) by the dashboard view that shows it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    ApiKey,
    Assignment,
    AuditEvent,
    CheckIn,
    Counselor,
    Couple,
    CoupleSession,
    Partner,
    Report,
)
from counselor.services import audit_words, validation

EXPORT_CHUNK = 500
# Cells a spreadsheet would read as a formula (OWASP, "CSV Injection"): prefixed with '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = (
    "time_utc",
    "time_practice_zone",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "action_in_words",
    "object_type",
    "object_id",
    "couple_id",
    "couple_label",
    "ip",
)
ACTOR_KINDS = {
    "counselor": "Counselor",
    "partner": "Partner",
    "api_key": "API key",
    "system": "System",
    "anonymous": "Anonymous",
}
# How an event's object leads to its couple: the object's table and its couple column.
_COUPLE_OF: dict[str, Any] = {
    "assignment": (Assignment.id, Assignment.couple_id),
    "session": (CoupleSession.id, CoupleSession.couple_id),
    "report": (Report.id, Report.couple_id),
    "partner": (Partner.id, Partner.couple_id),
}
_EVENT_COLUMNS = (
    AuditEvent.id,
    AuditEvent.at,
    AuditEvent.actor_type,
    AuditEvent.actor_id,
    AuditEvent.action,
    AuditEvent.object_type,
    AuditEvent.object_id,
    AuditEvent.ip,
)


@dataclass(frozen=True)
class AuditFilters:
    """What the reader asked for; dates are whole days in ``timezone``, both included."""

    counselor_id: int | None = None
    couple: str = ""  # a couple's id, or part of its label
    kind: str = ""  # a key of audit_words.KINDS; blank: every kind
    date_from: date | None = None
    date_to: date | None = None
    timezone: str = "UTC"


@dataclass(frozen=True)
class EventLine:
    """One event as a reader sees it."""

    id: int
    at: datetime
    actor_kind: str
    actor_id: int | None
    actor_name: str
    action: str
    words: str
    object_type: str
    object_id: int | None
    object_name: str  # "Couple A & B", "Counselor Dana Reyes", "report 12"
    couple_id: int | None  # the couple the event is about, if it is about one
    couple_label: str | None  # None once the couple is gone
    ip: str | None


@dataclass(frozen=True)
class AuditPage:
    lines: list[EventLine]
    newer: int | None  # cursor for the page of newer events (?after=), if any
    older: int | None  # cursor for the page of older events (?before=), if any


def audit_page(
    filters: AuditFilters, *, before: int | None = None, after: int | None = None, size: int = 50
) -> AuditPage:
    """Up to ``size`` events, newest first: the newest of all, those just older than event
    ``before`` or those just newer than event ``after``."""
    query = _filtered(filters)
    newest_first = (AuditEvent.at.desc(), AuditEvent.id.desc())
    if after is not None:
        query = query.where(_beyond(after, newer=True)).order_by(
            AuditEvent.at.asc(), AuditEvent.id.asc()
        )
    else:
        if before is not None:
            query = query.where(_beyond(before, newer=False))
        query = query.order_by(*newest_first)
    rows = list(db.session.execute(query.limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    if after is not None:
        rows.reverse()
    lines = describe(rows)
    newer = lines[0].id if lines and (before is not None or (after is not None and more)) else None
    older = lines[-1].id if lines and (after is not None or more) else None
    return AuditPage(lines, newer, older)


def every_event(filters: AuditFilters, chunk: int = EXPORT_CHUNK) -> Iterator[EventLine]:
    """Every event that matches, newest first, read ``chunk`` at a time."""
    last: int | None = None
    while True:
        query = _filtered(filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        if last is not None:
            query = query.where(_beyond(last, newer=False))
        rows = list(db.session.execute(query.limit(chunk)))
        if not rows:
            return
        yield from describe(rows)
        last = rows[-1].id


def csv_lines(events: Iterable[EventLine], practice_timezone: str) -> Iterator[str]:
    """The CSV export, a piece at a time: a byte-order mark (spreadsheets then read UTF-8),
    the header, one row per event; no cell a spreadsheet would run as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    yield "\ufeff" + _taken(buffer)
    for number, line in enumerate(events, 1):
        writer.writerow(
            neutralised(
                [
                    line.at.astimezone(UTC).isoformat(),
                    timeutil.to_local(line.at, practice_timezone).isoformat(),
                    line.actor_kind,
                    line.actor_id,
                    line.actor_name,
                    line.action,
                    line.words,
                    line.object_type,
                    line.object_id,
                    line.couple_id,
                    line.couple_label,
                    line.ip,
                ]
            )
        )
        if number % 100 == 0:
            yield _taken(buffer)
    yield _taken(buffer)


def neutralised(cells: Sequence[object]) -> list[str]:
    """Cells as text, those starting like a formula prefixed with a single quote."""
    texts = ["" if cell is None else str(cell) for cell in cells]
    return ["'" + text if text.startswith(FORMULA_STARTS) else text for text in texts]


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def counselor_choices() -> list[tuple[int, str]]:
    """Every counselor of the practice, deactivated ones too (their events stay)."""
    rows = db.session.execute(
        sa.select(Counselor.id, Counselor.name, Counselor.active).order_by(
            sa.func.lower(Counselor.name), Counselor.id
        )
    )
    return [(r.id, r.name if r.active else f"{r.name} (deactivated)") for r in rows]


# --- the query -------------------------------------------------------------------------


def _filtered(filters: AuditFilters) -> sa.Select:
    query = sa.select(*_EVENT_COLUMNS)
    if filters.counselor_id is not None:
        query = query.where(
            AuditEvent.actor_type == "counselor", AuditEvent.actor_id == filters.counselor_id
        )
    if filters.couple.strip():
        query = query.where(_about_couples(_matching_couples(filters.couple.strip())))
    if filters.kind:
        query = query.where(audit_words.kind_condition(filters.kind))
    zone = ZoneInfo(filters.timezone)
    if filters.date_from is not None:
        query = query.where(AuditEvent.at >= _start_of(filters.date_from, zone))
    if filters.date_to is not None:
        query = query.where(AuditEvent.at < _start_of(filters.date_to + timedelta(days=1), zone))
    return query


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _beyond(cursor: int, *, newer: bool) -> sa.ColumnElement[bool]:
    """Events after (``newer``) or before the cursor event in newest-first order."""
    cursor_at = sa.select(AuditEvent.at).where(AuditEvent.id == cursor).scalar_subquery()
    if newer:
        return sa.or_(
            AuditEvent.at > cursor_at, sa.and_(AuditEvent.at == cursor_at, AuditEvent.id > cursor)
        )
    return sa.or_(
        AuditEvent.at < cursor_at, sa.and_(AuditEvent.at == cursor_at, AuditEvent.id < cursor)
    )


def _matching_couples(text: str) -> sa.Select:
    """The couples whose id is ``text``, or whose label contains it."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    named = Couple.label.ilike(pattern, escape="\\")
    number = validation.parse_id(text)
    return sa.select(Couple.id).where(sa.or_(named, Couple.id == number) if number else named)


def _about_couples(couples: sa.Select) -> sa.ColumnElement[bool]:
    """Events about these couples: the couple itself, anything of theirs, their partners'
    own acts."""
    partners = sa.select(Partner.id).where(Partner.couple_id.in_(couples))
    assignments = sa.select(Assignment.id).where(Assignment.couple_id.in_(couples))
    objects = {
        "couple": couples,
        "partner": partners,
        "assignment": assignments,
        "checkin": sa.select(CheckIn.id).where(CheckIn.assignment_id.in_(assignments)),
        "session": sa.select(CoupleSession.id).where(CoupleSession.couple_id.in_(couples)),
        "report": sa.select(Report.id).where(Report.couple_id.in_(couples)),
    }
    return sa.or_(
        *(
            sa.and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids))
            for kind, ids in objects.items()
        ),
        sa.and_(AuditEvent.actor_type == "partner", AuditEvent.actor_id.in_(partners)),
    )


# --- names, a few queries per page -----------------------------------------------------


def describe(rows: Sequence[Any]) -> list[EventLine]:
    """Events (rows of ``_EVENT_COLUMNS``) with who, what and which couple in words."""
    counselor_ids = {r.actor_id for r in rows if r.actor_type == "counselor"}
    counselor_ids |= {r.object_id for r in rows if r.object_type == "counselor"}
    counselor_names = _names(Counselor.id, Counselor.name, counselor_ids)
    key_names = _names(
        ApiKey.id, ApiKey.name, {r.actor_id for r in rows if r.actor_type == "api_key"}
    )
    partner_couples = _couple_ids(
        "partner", {r.actor_id for r in rows if r.actor_type == "partner"}
    )
    object_couples = _object_couples(rows)
    labels = _names(
        Couple.id, Couple.label, set(partner_couples.values()) | set(object_couples.values())
    )
    lines = []
    for row in rows:
        couple_id = object_couples.get((row.object_type, row.object_id))
        if couple_id is None and row.actor_type == "partner":
            couple_id = partner_couples.get(row.actor_id)
        actor = _actor_name(row, counselor_names, key_names, partner_couples, labels)
        lines.append(
            EventLine(
                id=row.id,
                at=row.at,
                actor_kind=row.actor_type,
                actor_id=row.actor_id,
                actor_name=actor,
                action=row.action,
                words=audit_words.action_words(row.action),
                object_type=row.object_type,
                object_id=row.object_id,
                object_name=_object_name(row, counselor_names, labels),
                couple_id=couple_id,
                couple_label=labels.get(couple_id) if couple_id is not None else None,
                ip=row.ip,
            )
        )
    return lines


def _actor_name(
    row: Any,
    counselors: dict[int, str],
    keys: dict[int, str],
    partner_couples: dict[int, int],
    labels: dict[int, str],
) -> str:
    kind, ident = row.actor_type, row.actor_id
    if kind == "counselor":
        return counselors.get(ident, f"Counselor #{ident}")
    if kind == "api_key":
        return f"API key “{keys[ident]}”" if ident in keys else f"API key #{ident}"
    if kind == "partner":
        couple_id = partner_couples.get(ident)
        if couple_id in labels:
            return f"A partner of {labels[couple_id]}"
        return f"A partner of couple {couple_id}" if couple_id else f"Partner #{ident}"
    if kind == "system":
        return "The system"
    if kind == "anonymous":
        return "Someone not signed in"
    return kind


def _object_name(row: Any, counselors: dict[int, str], labels: dict[int, str]) -> str:
    kind, ident = row.object_type, row.object_id
    if ident is None:
        return ""
    if kind == "couple":
        return labels.get(ident, f"couple {ident}")
    if kind == "counselor" and ident in counselors:
        return counselors[ident]
    return f"{kind.replace('_', ' ')} {ident}"


def _names(id_column: Any, name_column: Any, ids: set[Any]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(id_column, name_column).where(id_column.in_(ids))).all()
    )


def _couple_ids(object_type: str, ids: set[Any]) -> dict[int, int]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    if object_type == "couple":
        existing = db.session.scalars(sa.select(Couple.id).where(Couple.id.in_(ids)))
        return {i: i for i in existing}
    if object_type == "checkin":
        query = sa.select(CheckIn.id, Assignment.couple_id).join(
            Assignment, Assignment.id == CheckIn.assignment_id
        )
        return dict(db.session.execute(query.where(CheckIn.id.in_(ids))).all())
    id_column, couple_column = _COUPLE_OF[object_type]
    return dict(
        db.session.execute(sa.select(id_column, couple_column).where(id_column.in_(ids))).all()
    )


def _object_couples(rows: Sequence[Any]) -> dict[tuple[str, int], int]:
    by_type: dict[str, set[int]] = {}
    for row in rows:
        if row.object_id is not None and (
            row.object_type in _COUPLE_OF or row.object_type in ("couple", "checkin")
        ):
            by_type.setdefault(row.object_type, set()).add(row.object_id)
    found = {}
    for object_type, ids in by_type.items():
        for object_id, couple_id in _couple_ids(object_type, ids).items():
            found[(object_type, object_id)] = couple_id
    return found
