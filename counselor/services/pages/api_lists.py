"""Paged lists of a practice's records, for the REST API (a page costs a fixed number of
queries whatever its size)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, selectinload

from counselor.extensions import db
from counselor.models import Assignment, CheckIn, Couple, CoupleSession
from counselor.models.mixins import PracticeOwned
from counselor.services.couples.sessions import NOT_REMOVED
from counselor.services.homework import step_origin
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
    query = _children_of(Couple, couple_id, Assignment.couple_id).order_by(Assignment.id)
    eager = (selectinload(Assignment.rung), *step_origin.ORIGIN_LOADS)
    return paginate(query.options(*eager), page, page_size)


def checkins_page(assignment_id: int, page: int, page_size: int) -> Page[CheckIn]:
    """An assignment's check-ins, the latest day first."""
    query = _children_of(Assignment, assignment_id, CheckIn.assignment_id)
    latest_first = (CheckIn.occurred_on.desc(), CheckIn.id.desc())
    return paginate(query.order_by(*latest_first), page, page_size)


def sessions_page(couple_id: int, page: int, page_size: int) -> Page[CoupleSession]:
    """A couple's sessions, soonest first; removed ones left out."""
    query = _children_of(Couple, couple_id, CoupleSession.couple_id).where(NOT_REMOVED)
    return paginate(query.order_by(CoupleSession.starts_at, CoupleSession.id), page, page_size)


def _children_of(
    parent: type[PracticeOwned], parent_id: int, link: QueryableAttribute[int]
) -> sa.Select[Any]:
    """The rows whose ``link`` names the parent: ``NotFound`` when the parent is not the
    practice's, so that a list of another practice's records looks like a missing one."""
    get_in_practice(parent, parent_id)
    return sa.select(link.class_).where(link == parent_id)
