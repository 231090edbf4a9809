"""Paged lists of a practice's records, for the REST API (a page costs a fixed number of
queries whatever its size)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from counselor.extensions import db
from counselor.models import Assignment, CheckIn, Couple, CoupleSession
from counselor.tenancy import get_in_practice

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    page_size: int
    total: int


def paginate(query: sa.Select[Any], page: int, page_size: int) -> Page[Any]:
    """One page of an ordered query, and the total number of rows it matches."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return Page(list(items), page, page_size, total)


def couples_page(page: int, page_size: int) -> Page[Couple]:
    query = (
        sa.select(Couple)
        .order_by(Couple.id)
        .options(selectinload(Couple.partners), selectinload(Couple.counselor))
    )
    return paginate(query, page, page_size)


def assignments_page(couple_id: int, page: int, page_size: int) -> Page[Assignment]:
    """A couple's assignments, oldest first; ``NotFound`` for another practice's couple."""
    couple = get_in_practice(Couple, couple_id)
    query = (
        sa.select(Assignment)
        .where(Assignment.couple_id == couple.id)
        .order_by(Assignment.id)
        .options(selectinload(Assignment.rung), selectinload(Assignment.template))
    )
    return paginate(query, page, page_size)


def checkins_page(assignment_id: int, page: int, page_size: int) -> Page[CheckIn]:
    """An assignment's check-ins, the latest day first."""
    assignment = get_in_practice(Assignment, assignment_id)
    query = (
        sa.select(CheckIn)
        .where(CheckIn.assignment_id == assignment.id)
        .order_by(CheckIn.occurred_on.desc(), CheckIn.id.desc())
    )
    return paginate(query, page, page_size)


def sessions_page(couple_id: int, page: int, page_size: int) -> Page[CoupleSession]:
    """A couple's sessions, soonest first."""
    couple = get_in_practice(Couple, couple_id)
    query = (
        sa.select(CoupleSession)
        .where(CoupleSession.couple_id == couple.id)
        .order_by(CoupleSession.starts_at, CoupleSession.id)
    )
    return paginate(query, page, page_size)
