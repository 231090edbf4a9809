"""Tenancy in one place: every ORM query runs inside one practice's scope.

The edge that knows who is acting — the dashboard's login, the API key, a partner's link,
a host launch, a task or command working for one practice — calls ``enter_practice``.
From then on every ORM SELECT, UPDATE and DELETE of the session gets
``practice_id = <that practice>`` added to each practice-owned entity it touches, in
subqueries too (SQLAlchemy's ``with_loader_criteria``, applied in a ``do_orm_execute``
hook), so a service cannot read or change another practice's rows, whatever it forgets
to filter.

Work that deliberately spans practices — finding which practice a login, key or link
belongs to, the beat's sweeps and planners — says so on the statement with
``across_practices(statement)``. A statement on a practice's tables with neither a scope
nor that mark — or written in Core, which the criteria do not reach — is refused
(``UnscopedQuery``) when ``TENANCY_REQUIRE_SCOPE`` is on (the default, and the test
suite's setting), so a forgotten scope fails loudly instead of silently reading every
practice.

Who sets the scope:

- a dashboard request, once the login is checked (``dashboard/auth.py``); the host launch,
  once its token names the counselor (``services/accounts/launch.py``);
- an API request, once its key is checked (``api/guard.py``);
- a partner's page, once the link resolves (``partner/views.py``);
- a task or command working for one practice: ``with practice_scope(practice_id):``.

Loading one row by id goes through ``get_in_practice``: always a SELECT, so the criteria
apply — ``db.session.get`` answers from the identity map without asking the database, and
is used only for deliberate cross-practice look-ups
(``execution_options={ACROSS_PRACTICES: True}``).

Least privilege inside a practice. When the practice limits its counselors to the couples
they treat (``Practice.staff_see_all_couples`` off, the default), ``enter_as_counselor``
also narrows the scope to one counselor's couples for a counselor who is not an owner:
``Couple`` rows whose ``counselor_id`` is theirs, and every row that belongs to a couple —
each entity with a ``couple_id`` column (partners, assignments, sessions, reports, weekly
progress), and each with a ``partner_id`` (check-ins, client links, the partners' emails
in the outbox) through its partner's couple. The criteria are added by the same hook, the
same way, so they reach subqueries, counts, updates and deletes, and keep the statement
cache warm (lambdas whose only free values are the two ids). Another counselor's couple
then answers 404 exactly as another practice's does; owners, and everyone when the
practice lets counselors see every couple, keep the whole practice. An API key limited to
a counselor (``ApiKey.counselor_id``) enters the same way (``api/guard.py``).

What the narrowing leaves practice-wide, because it is not client data: the practice, its
counselors, API keys, webhooks and their deliveries (whose page shows no payload), audit
events (read by owners only), the outbox's emails to counselors, and figures on the
settings pages. Work that runs for the practice rather than for a counselor — tasks,
commands, the outbox, reports rendering, the Monday digest (which lists only the
recipient's own couples, ``services/delivery/digest.py``) — enters with
``enter_practice``/``practice_scope``, which never narrow (and ``practice_scope`` lifts a
narrowing for its block, giving it back afterwards).

How it is proved: ``tests/test_tenancy.py`` shows the criteria in the compiled SQL and
another practice's rows invisible to selects, updates, deletes and ``get_in_practice``; the
whole suite runs with ``TENANCY_REQUIRE_SCOPE`` on, so a service test, route or task that
queries a practice's rows without a scope or a mark fails; and the walks over every
dashboard and API route with another practice's ids (``tests/dashboard/test_tenancy.py``,
``tests/api/test_tenancy.py``) answer 404. The narrowing: ``tests/test_tenancy_counselor.py``
(the criteria in the SQL, every couple-owned entity covered) and the same walks run by a
staff counselor, and a key limited to one, on a colleague's couple
(``tests/dashboard/test_least_privilege.py``, ``tests/api/test_least_privilege.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, with_loader_criteria
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables

from counselor.extensions import Model, db
from counselor.models import ClientLink, Counselor, CounselorRole, Couple, Partner, Practice
from counselor.models.mixins import PracticeOwned
from counselor.services.errors import NotFound

SCOPE_KEY = "counselor.practice_id"
# The counselor whose couples alone are visible, when the scope is narrowed to them.
COUPLES_OF_KEY = "counselor.couples_of"
ACROSS_PRACTICES = "across_practices"  # the execution option that marks deliberate spans

Statement = TypeVar("Statement", bound=sa.Executable)
Row = TypeVar("Row")


class UnscopedQuery(RuntimeError):
    """A practice-owned entity was queried with no practice scope and no deliberate mark."""


def enter_practice(practice_id: int) -> None:
    """Scope the current session to the whole of one practice until ``leave_practice`` (or
    the end of the request, task or command)."""
    db.session.info[SCOPE_KEY] = practice_id
    db.session.info.pop(COUPLES_OF_KEY, None)


def enter_as_counselor(counselor: Counselor) -> None:
    """Scope the current session to what this counselor may see: their practice, and only
    their own couples when ``sees_only_own_couples``."""
    enter_practice(counselor.practice_id)
    if sees_only_own_couples(counselor):
        db.session.info[COUPLES_OF_KEY] = counselor.id


def sees_only_own_couples(counselor: Counselor) -> bool:
    """Whether the practice limits this counselor to the couples they treat: a counselor
    who is not an owner, in a practice that keeps counselors to their own couples."""
    return counselor.role != CounselorRole.OWNER and not counselor.practice.staff_see_all_couples


def leave_practice() -> None:
    db.session.info.pop(SCOPE_KEY, None)
    db.session.info.pop(COUPLES_OF_KEY, None)


def current_practice_id() -> int | None:
    return db.session.info.get(SCOPE_KEY)


def couples_limited_to() -> int | None:
    """The counselor whose couples alone the scope shows, or None (the whole practice)."""
    return db.session.info.get(COUPLES_OF_KEY)


def _current_scope() -> tuple[int | None, int | None]:
    return current_practice_id(), couples_limited_to()


def _restore_scope(scope: tuple[int | None, int | None]) -> None:
    practice_id, counselor_id = scope
    leave_practice()
    if practice_id is not None:
        enter_practice(practice_id)
        if counselor_id is not None:
            db.session.info[COUPLES_OF_KEY] = counselor_id


@contextmanager
def practice_scope(practice_id: int) -> Iterator[None]:
    """Work for the whole of one practice inside a block (a task or command looping over
    practices); the scope before it, narrowed or not, comes back afterwards."""
    previous = _current_scope()
    enter_practice(practice_id)
    try:
        yield
    finally:
        _restore_scope(previous)


def across_practices(statement: Statement) -> Statement:
    """Mark a statement that deliberately reads or writes more than one practice's rows."""
    return statement.execution_options(**{ACROSS_PRACTICES: True})


def get_in_practice(model: type[Row], ident: Any) -> Row:
    """The ``model`` row with this id if the current practice may see it, else the services'
    ``NotFound`` — another practice's row and a missing one look the same. The one way to
    load a practice's row by id (a SELECT, so the scope applies)."""
    row = db.session.scalar(sa.select(model).filter_by(id=ident))
    if row is None:
        raise NotFound(f"{_kind(model)} {ident}")
    return row


def _kind(model: type) -> str:
    """``CoupleSession`` → ``couple session``: how a ``NotFound`` names what was missing."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()


def install(app: Flask) -> None:
    """Hook the scope into every ORM execution. A request starts unscoped and leaves the
    session's scope as it found it (the test client's requests share the test's session)."""
    if not event.contains(db.session, "do_orm_execute", _apply_scope):
        event.listen(db.session, "do_orm_execute", _apply_scope)

    @app.before_request
    def start_request_unscoped() -> None:
        g.practice_outside_request = _current_scope()
        leave_practice()

    @app.teardown_request
    def end_request_unscoped(_error: BaseException | None) -> None:
        if "practice_outside_request" not in g:
            return  # refused before any hook ran (e.g. CSRF): the scope was never touched
        _restore_scope(g.pop("practice_outside_request"))


def _owned(mapper: sa.orm.Mapper) -> bool:
    return issubclass(mapper.class_, PracticeOwned | Practice | Partner | ClientLink)


@cache
def _owned_tables() -> frozenset[sa.Table]:
    mapped = (m.local_table for m in Model.registry.mappers if _owned(m))
    return frozenset(t for t in mapped if isinstance(t, sa.Table))  # every model maps a Table


def _apply_scope(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # loads of objects already fetched through a scoped (or marked) query
    if state.execution_options.get(ACROSS_PRACTICES):
        return
    practice_id = current_practice_id()
    if practice_id is not None and state.is_orm_statement:
        # Every ORM statement, not only those naming a practice's entity at the top: the
        # criteria also reach entities inside subqueries (a count over a page, EXISTS).
        state.statement = state.statement.options(*_criteria(practice_id))
        counselor_id = couples_limited_to()
        if counselor_id is not None:
            state.statement = state.statement.options(*_couple_criteria(counselor_id))
        return
    if current_app.config["TENANCY_REQUIRE_SCOPE"]:
        touched = _owned_tables().intersection(
            # A SELECT, UPDATE or DELETE (checked above): a ClauseElement.
            find_tables(
                cast(ClauseElement, state.statement), include_aliases=True, include_joins=True
            )
        )
        if touched:
            raise UnscopedQuery(
                f"query on {', '.join(sorted(t.name for t in touched))} outside any practice's "
                "scope (or in Core, which the scope does not reach): call "
                "tenancy.enter_practice at the edge, or mark a deliberate cross-practice "
                "statement with tenancy.across_practices"
            )


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


@cache
def _couple_owned() -> tuple[list[type], list[type], list[type]]:
    """The entities that belong to a couple: those with a ``couple_id`` column, those
    reached through a ``partner_id`` (required), and those whose ``partner_id`` may be
    empty (a row for no partner, e.g. an email to a counselor, is not a couple's)."""
    by_couple: list[type] = []
    by_partner: list[type] = []
    by_optional_partner: list[type] = []
    for mapper in Model.registry.mappers:
        columns = mapper.columns
        if mapper.class_ is Couple:
            continue
        if "couple_id" in columns:
            by_couple.append(mapper.class_)
        elif "partner_id" in columns:
            nullable = columns["partner_id"].nullable
            (by_optional_partner if nullable else by_partner).append(mapper.class_)
    return by_couple, by_partner, by_optional_partner


def _couple_criteria(counselor_id: int) -> tuple:
    """The WHERE criteria that keep a counselor to their own couples (lambdas, as above:
    the counselor's id is their only free value)."""
    by_couple, by_partner, by_optional_partner = _couple_owned()
    return (
        with_loader_criteria(
            Couple, lambda cls: cls.counselor_id == counselor_id, include_aliases=True
        ),
        *(
            with_loader_criteria(
                entity,
                lambda cls: cls.couple_id.in_(
                    sa.select(Couple.id).where(Couple.counselor_id == counselor_id)
                ),
                include_aliases=True,
            )
            for entity in by_couple
        ),
        *(
            with_loader_criteria(
                entity,
                lambda cls: cls.partner_id.in_(
                    sa.select(Partner.id)
                    .join(Couple, Partner.couple_id == Couple.id)
                    .where(Couple.counselor_id == counselor_id)
                ),
                include_aliases=True,
            )
            for entity in by_partner
        ),
        *(
            with_loader_criteria(
                entity,
                lambda cls: sa.or_(
                    cls.partner_id.is_(None),
                    cls.partner_id.in_(
                        sa.select(Partner.id)
                        .join(Couple, Partner.couple_id == Couple.id)
                        .where(Couple.counselor_id == counselor_id)
                    ),
                ),
                include_aliases=True,
            )
            for entity in by_optional_partner
        ),
    )
