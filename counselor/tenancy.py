"""Tenancy in one place: every ORM query runs inside one practice's scope.

The edge that knows who is acting — the dashboard's login, the API key, a partner's link,
a host launch, a task or command working for one practice — calls ``enter_practice``.
From then on every ORM SELECT, UPDATE and DELETE of the session gets
``practice_id = <that practice>`` added to each practice-owned entity it touches
(SQLAlchemy's ``with_loader_criteria``, applied in a ``do_orm_execute`` hook), so a
service cannot read or change another practice's rows, whatever it forgets to filter.

Work that deliberately spans practices — finding which practice a login, key or link
belongs to, the beat's sweeps and planners — says so on the statement with
``across_practices(statement)``. A query on a practice-owned entity with neither a scope
nor that mark is refused (``UnscopedQuery``) when ``TENANCY_REQUIRE_SCOPE`` is on, so a
forgotten scope fails loudly in tests instead of silently reading every practice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria

from counselor.extensions import db
from counselor.models import ClientLink, Couple, Partner, Practice
from counselor.models.mixins import PracticeOwned

SCOPE_KEY = "counselor.practice_id"
ACROSS_PRACTICES = "across_practices"  # the execution option that marks deliberate spans

Statement = TypeVar("Statement", bound=sa.Executable)


class UnscopedQuery(RuntimeError):
    """A practice-owned entity was queried with no practice scope and no deliberate mark."""


def enter_practice(practice_id: int) -> None:
    """Scope the current session to one practice until ``leave_practice`` (or the end of
    the request, task or command)."""
    db.session.info[SCOPE_KEY] = practice_id


def leave_practice() -> None:
    db.session.info.pop(SCOPE_KEY, None)


def current_practice_id() -> int | None:
    return db.session.info.get(SCOPE_KEY)


@contextmanager
def practice_scope(practice_id: int) -> Iterator[None]:
    """Work for one practice inside a block (a task or command looping over practices)."""
    previous = current_practice_id()
    enter_practice(practice_id)
    try:
        yield
    finally:
        if previous is None:
            leave_practice()
        else:
            enter_practice(previous)


def across_practices(statement: Statement) -> Statement:
    """Mark a statement that deliberately reads or writes more than one practice's rows."""
    return statement.execution_options(**{ACROSS_PRACTICES: True})


def install(app: Flask) -> None:
    """Hook the scope into every ORM execution, and clear it around every request."""
    if not event.contains(db.session, "do_orm_execute", _apply_scope):
        event.listen(db.session, "do_orm_execute", _apply_scope)

    @app.before_request
    def start_request_unscoped() -> None:
        leave_practice()

    @app.teardown_request
    def end_request_unscoped(_error: BaseException | None) -> None:
        leave_practice()


def _owned(mapper: sa.orm.Mapper) -> bool:
    return issubclass(mapper.class_, PracticeOwned | Practice | Partner | ClientLink)


def _apply_scope(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # loads of objects already fetched through a scoped (or marked) query
    if state.execution_options.get(ACROSS_PRACTICES):
        return
    if not any(_owned(mapper) for mapper in state.all_mappers):
        return
    practice_id = current_practice_id()
    if practice_id is None:
        if current_app.config["TENANCY_REQUIRE_SCOPE"]:
            entities = ", ".join(sorted(m.class_.__name__ for m in state.all_mappers))
            raise UnscopedQuery(
                f"query on {entities} with no practice scope: call tenancy.enter_practice "
                "at the edge, or mark a deliberate cross-practice statement with "
                "tenancy.across_practices"
            )
        return
    state.statement = state.statement.options(*_criteria(practice_id))


def _criteria(practice_id: int) -> tuple:
    """The WHERE criteria per entity; lambdas keep SQLAlchemy's statement cache warm."""
    return (
        with_loader_criteria(
            PracticeOwned, lambda cls: cls.practice_id == practice_id, include_aliases=True
        ),
        with_loader_criteria(Practice, lambda cls: cls.id == practice_id, include_aliases=True),
        with_loader_criteria(
            Partner,
            lambda cls: cls.couple_id.in_(
                sa.select(Couple.id).where(Couple.practice_id == practice_id)
            ),
            include_aliases=True,
        ),
        with_loader_criteria(
            ClientLink,
            lambda cls: cls.partner_id.in_(
                sa.select(Partner.id)
                .join(Couple, Partner.couple_id == Couple.id)
                .where(Couple.practice_id == practice_id)
            ),
            include_aliases=True,
        ),
    )
