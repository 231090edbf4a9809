"""Reflections: what partners write with a check-in, and who may read it — the counselor
every one, a partner only what the other partner chose to share and has not taken back.

A reflection is in one of three states: counselor only (``Visibility.COUNSELOR``), shared
(``Visibility.SHARED``), or withdrawn (shared, then taken back: ``SHARED`` with
``reflection_withdrawn_at`` set). Withdrawn keeps ``SHARED`` so the counselor can still see
that the other partner may have read it once; only sharing it again explicitly (ticking
*Let my partner read this too* when editing) clears the withdrawal — editing the text
does not.

*Reveal together* (``reveal_together``: the couple's own choice, else the practice's) holds
a shared reflection back from the other partner so that neither answer is shaped by the
other (``is_held_back``, in SQL ``held_back_clause``). It applies to steps both partners
do (``each`` and ``together``), never to a step only one of them does. "The same week" is
the week rules' week (``progress/week_rules.py``): the author's local Monday to Sunday
that holds the check-in's day. While that week is the author's current week, the
reflection stays hidden from the other partner until they have written a reflection of
their own (any visibility, not empty) on the same step dated in that Monday–Sunday; once
the author's week has ended (their local Monday after it), it shows. The rule is read
live: a partner who deletes their own reflection that week hides the other's again until
the week ends. The counselor always reads every reflection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Assignee, Assignment, CheckIn, Couple, Partner, Visibility
from counselor.models.couples import other_partner
from counselor.services.audit import Actor, record_event
from counselor.services.progress import week_rules

SHARE_ACTION = "checkin.share_reflection"
WITHDRAW_ACTION = "checkin.withdraw_reflection"
REVEAL_ACTION = "couple.reveal_together"


def is_shared(check_in: CheckIn) -> bool:
    """The other partner may read this check-in's reflection (shared, not taken back)."""
    return check_in.visibility == Visibility.SHARED and check_in.reflection_withdrawn_at is None


@dataclass(frozen=True)
class HostReflection:
    """A reflection as a host system's key may read it."""

    text: str | None
    withdrawn_at: datetime | None  # taken back from the other partner then


def host_reflection(
    text: str | None, withdrawn_at: datetime | None, *, clinical_text: bool
) -> HostReflection | None:
    """What a host system may read of a reflection (its words, and when its partner took
    it back from the other partner), or None: nothing, not even that one was written.

    With the ``clinical_text`` scope, every reflection the counselor reads — a withdrawn
    one too, with the moment it was withdrawn: withdrawing hides it from the other partner
    only, and the host acts for the practice, which still reads it, marked. Without the
    scope, none. The JSON API and FHIR both ask here (``api/schemas/common.py``,
    ``services/fhir/observations.py``)."""
    if not clinical_text:
        return None
    return HostReflection(text, withdrawn_at)


def shared_clause() -> sa.ColumnElement[bool]:
    """``is_shared`` as a query condition: the same rule, for lists."""
    return sa.and_(
        CheckIn.visibility == Visibility.SHARED, CheckIn.reflection_withdrawn_at.is_(None)
    )


def set_sharing(check_in: CheckIn, share: bool, *, had_text: bool) -> str | None:
    """Apply the partner's *Let my partner read this too* box to their own check-in.

    Ticking it shares the reflection (again, if it was withdrawn). Unticking it on a
    reflection the other partner could read is a withdrawal, so the counselor keeps
    seeing that it was shared; on one nobody else could read (counselor only, or no text
    before this edit) it just stays with the counselor. ``had_text``: the reflection had
    text before this change. Returns the audit action this amounts to, if any."""
    if share:
        if is_shared(check_in):
            return None
        check_in.visibility = Visibility.SHARED
        check_in.reflection_withdrawn_at = None
        return SHARE_ACTION if check_in.reflection else None
    if is_shared(check_in) and had_text:
        check_in.reflection_withdrawn_at = timeutil.utcnow()
        return WITHDRAW_ACTION
    if check_in.reflection_withdrawn_at is None:
        check_in.visibility = Visibility.COUNSELOR
    return None


def recent_reflections(
    couple_id: int,
    limit: int | None = 12,
    *,
    since: date | None = None,
    before: date | None = None,
) -> list[CheckIn]:
    """The couple's latest check-ins that carry a reflection, newest first: all of them,
    for the counselor, withdrawn ones included (the page marks them). ``since`` and
    ``before`` bound the day they were done (on ``since`` or later, before ``before``);
    ``limit`` None lists every one."""
    query = _reflections(couple_id).options(
        selectinload(CheckIn.assignment), selectinload(CheckIn.partner)
    )
    if since is not None:
        query = query.where(CheckIn.occurred_on >= since)
    if before is not None:
        query = query.where(CheckIn.occurred_on < before)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def reflections_shared_with(
    partner: Partner, limit: int = 5, now: datetime | None = None
) -> list[CheckIn]:
    """Reflections the other partner chose to share, has not taken back and that are not
    held back from this partner (*reveal together*) — nothing else of theirs is shown."""
    query = _reflections(partner.couple_id).where(
        CheckIn.partner_id != partner.id,
        shared_clause(),
        sa.not_(held_back_clause(partner, now)),
    )
    return list(db.session.scalars(query.limit(limit)))


def reflections_shared_by(partner: Partner, limit: int = 5) -> list[CheckIn]:
    """This partner's own reflections the other partner can read now or once *reveal
    together* lets them (``held_back_from_other`` tells which wait), so each can be
    taken back."""
    query = _reflections(partner.couple_id).where(CheckIn.partner_id == partner.id, shared_clause())
    return list(db.session.scalars(query.options(selectinload(CheckIn.assignment)).limit(limit)))


# --- reveal together ----------------------------------------------------------------------


def reveal_together(couple: Couple) -> bool:
    """Whether *reveal together* applies to the couple: its own choice, else the practice's."""
    if couple.reveal_together is not None:
        return couple.reveal_together
    return couple.practice.reveal_together


def set_reveal_together(actor: Actor, couple: Couple, value: bool | None) -> bool:
    """The couple's own *reveal together*: on, off, or ``None`` for the practice's choice.
    Returns whether it changed (an audit event, ids only, when it did)."""
    if couple.reveal_together is value:
        return False
    couple.reveal_together = value
    db.session.flush()
    record_event(actor, REVEAL_ACTION, "couple", couple.id)
    return True


def both_do(assignment: Assignment) -> bool:
    """A step both partners do (each, or together): the only steps held back."""
    return assignment.assignee != Assignee.PARTNER


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week that holds a check-in's day (the author's local
    date, as the week rules count it)."""
    monday = timeutil.week_start(day)
    return monday, monday + timedelta(days=6)


def reveal_day(day: date) -> date:
    """The author's local day a reflection of ``day`` held back shows whatever happens:
    the Monday after its week."""
    return week_of(day)[0] + timedelta(weeks=1)


def wrote_own(reader_checkins: Iterable[CheckIn], check_in: CheckIn) -> bool:
    """Whether, among ``reader_checkins`` (the reader's own), one on the same step in the
    same Monday–Sunday carries a reflection (counselor only counts too)."""
    monday, sunday = week_of(check_in.occurred_on)
    return any(
        own.assignment_id == check_in.assignment_id
        and bool(own.reflection)
        and monday <= own.occurred_on <= sunday
        for own in reader_checkins
    )


def is_held_back(
    check_in: CheckIn, reader: Partner, reader_checkins: Iterable[CheckIn], now: datetime
) -> bool:
    """THE rule: the other partner's shared reflection is hidden from ``reader`` at
    ``now`` (see the module's docstring). ``reader_checkins``: the reader's own check-ins,
    at least those on the same step that week. ``held_back_clause`` is the same in SQL."""
    author = check_in.partner
    if check_in.partner_id == reader.id or not is_shared(check_in):
        return False
    if not reveal_together(author.couple) or not both_do(check_in.assignment):
        return False
    if week_of(check_in.occurred_on)[0] != week_rules.partner_current_week(author, now):
        return False
    return not wrote_own(reader_checkins, check_in)


def held_back_clause(reader: Partner, now: datetime | None = None) -> sa.ColumnElement[bool]:
    """``is_held_back`` as a query condition on ``CheckIn``: the other partner's shared
    reflections hidden from ``reader`` at ``now`` (default: the clock). The author is
    the couple's other partner, whose current week bounds the held-back days."""
    author = other_partner(reader)
    if author is None or not reveal_together(reader.couple):
        return sa.false()
    monday = week_rules.partner_current_week(author, now)
    sunday = monday + timedelta(days=6)
    own = aliased(CheckIn)
    return sa.and_(
        CheckIn.partner_id == author.id,
        shared_clause(),
        CheckIn.occurred_on.between(monday, sunday),
        CheckIn.assignment_id.in_(
            sa.select(Assignment.id).where(
                Assignment.couple_id == reader.couple_id, Assignment.assignee != Assignee.PARTNER
            )
        ),
        ~sa.exists().where(
            own.partner_id == reader.id,
            own.assignment_id == CheckIn.assignment_id,
            own.reflection.is_not(None),
            own.reflection != "",
            own.occurred_on.between(monday, sunday),
        ),
    )


@dataclass(frozen=True)
class HeldBack:
    """A reflection held back from the reader, as their page may tell of it: who wrote
    it, on which step, and the day it shows anyway — never its words, comfort or length."""

    checkin_id: int
    author_name: str
    assignment_id: int
    step_title: str
    shows_on: date


def held_back_from(partner: Partner, now: datetime | None = None) -> list[HeldBack]:
    """The other partner's shared reflections held back from ``partner`` now, newest
    first. Only ids, names, titles and days are read, never the reflection."""
    if not reveal_together(partner.couple):
        return []  # nothing is held back: no query
    rows = db.session.execute(
        sa.select(CheckIn.id, CheckIn.assignment_id, CheckIn.occurred_on, Assignment.title)
        .join(Assignment)
        .where(Assignment.couple_id == partner.couple_id, CheckIn.reflection.is_not(None))
        .where(held_back_clause(partner, now))
        .order_by(CheckIn.occurred_on.desc(), CheckIn.id.desc())
    ).all()
    author = other_partner(partner)
    name = author.first_name if author is not None else ""
    return [
        HeldBack(
            checkin_id=checkin_id,
            author_name=name,
            assignment_id=assignment_id,
            step_title=title,
            shows_on=reveal_day(day),
        )
        for checkin_id, assignment_id, day, title in rows
    ]


def held_back_ids(couple: Couple, now: datetime | None = None) -> dict[int, Partner]:
    """For the counselor: each reflection of the couple held back now, by check-in id,
    with the partner it is held back from."""
    if len(couple.partners) < 2 or not reveal_together(couple):
        return {}
    first, second = couple.partners[0], couple.partners[1]
    rows = db.session.execute(
        sa.select(CheckIn.id, CheckIn.partner_id)
        .join(Assignment)
        .where(Assignment.couple_id == couple.id, CheckIn.reflection.is_not(None))
        .where(sa.or_(held_back_clause(first, now), held_back_clause(second, now)))
    ).all()
    return {
        checkin_id: (second if author_id == first.id else first) for checkin_id, author_id in rows
    }


def held_back_from_other(partner: Partner, now: datetime | None = None) -> dict[int, date]:
    """This partner's own shared reflections the other partner cannot read yet, by
    check-in id, with the day they show anyway (for *What Sam can read*)."""
    other = other_partner(partner)
    if other is None:
        return {}
    return {held.checkin_id: held.shows_on for held in held_back_from(other, now)}


def _reflections(couple_id: int) -> sa.Select[CheckIn]:
    """The couple's check-ins that carry a reflection, newest first."""
    return (
        sa.select(CheckIn)
        .join(Assignment)
        .where(Assignment.couple_id == couple_id, CheckIn.reflection.is_not(None))
        .order_by(CheckIn.occurred_on.desc(), CheckIn.id.desc())
    )
