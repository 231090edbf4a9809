"""counselor/tenancy.py: every query on a practice's rows runs in one practice's scope.

Inside a scope another practice's rows are out of reach of every way the code reads or
changes them; outside any scope such a query fails (``TENANCY_REQUIRE_SCOPE``, on for the
whole suite, so that every test of a service, route, task or command is also a test that
the service queries within a scope).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import template_rendered

from counselor import tenancy
from counselor.config import Defaults
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AuditEvent,
    ClientLink,
    Couple,
    LadderRung,
    LinkPurpose,
    Partner,
    Practice,
    Report,
)
from counselor.services.couples import links
from counselor.services.errors import NotFound
from tests.support import factories
from tests.support.helpers import count_statements, stored


@pytest.fixture
def ours(counselor):
    """One row of each kind in the counselor's practice."""
    return _rows_of(factories.CoupleFactory(counselor=counselor))


@pytest.fixture
def theirs(app):
    """The same kinds of rows in another practice."""
    return _rows_of(factories.CoupleFactory())


def _rows_of(couple: Couple) -> dict[type, Any]:
    links.issue_link(couple.partners[0], LinkPurpose.HOMEWORK)
    report = Report(practice_id=couple.practice_id, couple_id=couple.id, requested_by="test")
    db.session.add(report)
    db.session.commit()
    link = db.session.scalar(
        tenancy.across_practices(
            sa.select(ClientLink).where(ClientLink.partner_id == couple.partners[0].id)
        )
    )
    return {
        Couple: couple,
        Partner: couple.partners[0],
        ClientLink: link,
        Assignment: factories.AssignmentFactory(couple=couple),
        Report: report,
    }


KINDS = [Couple, Partner, ClientLink, Assignment, Report]
NAMES = {Couple: "couple", Partner: "partner", ClientLink: "client link"}


# --- outside any scope --------------------------------------------------------------------


UNSCOPED_STATEMENTS: dict[str, Callable[[], sa.Executable]] = {
    "select": lambda: sa.select(Couple),
    "select a column": lambda: sa.select(Partner.first_name),
    "count": lambda: sa.select(sa.func.count()).select_from(Assignment),
    "count over a subquery": lambda: sa.select(sa.func.count()).select_from(
        sa.select(Report).subquery()
    ),
    "exists": lambda: sa.select(sa.literal(1)).where(sa.select(ClientLink.id).exists()),
    "update": lambda: sa.update(Couple).values(label="x"),
    "delete": lambda: sa.delete(AuditEvent),
    "core": lambda: sa.select(Couple.__table__),
}


@pytest.mark.parametrize("name", list(UNSCOPED_STATEMENTS))
def test_a_query_on_a_practices_rows_outside_any_scope_is_refused(app, name):
    with pytest.raises(tenancy.UnscopedQuery):
        db.session.execute(UNSCOPED_STATEMENTS[name]())


def test_a_look_up_by_id_outside_any_scope_is_refused(theirs):
    db.session.expunge_all()  # from the database, not from what the session holds
    with pytest.raises(tenancy.UnscopedQuery):
        db.session.get(Couple, theirs[Couple].id)
    with pytest.raises(tenancy.UnscopedQuery):
        tenancy.get_in_practice(Couple, theirs[Couple].id)


def test_a_marked_statement_spans_practices(ours, theirs):
    both = {ours[Couple].id, theirs[Couple].id}
    assert set(db.session.scalars(tenancy.across_practices(sa.select(Couple.id)))) == both
    assert stored(Couple, theirs[Couple].id) is theirs[Couple]


def test_rows_that_belong_to_no_practice_need_no_scope(app):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LadderRung)) > 0


def test_without_the_setting_an_unscoped_query_reads_every_practice(app, ours, theirs):
    app.config["TENANCY_REQUIRE_SCOPE"] = False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Couple)) == 2


def test_the_suite_and_production_both_refuse_unscoped_queries(app):
    assert app.config["TENANCY_REQUIRE_SCOPE"] is True
    assert Defaults.TENANCY_REQUIRE_SCOPE is True


# --- inside a scope -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_another_practices_row_is_not_found_by_id(actor, ours, theirs, kind):
    assert tenancy.get_in_practice(kind, ours[kind].id) is ours[kind]
    name = NAMES.get(kind, kind.__name__.lower())  # what the API's 404 message names
    with pytest.raises(NotFound, match=f"^{name} {theirs[kind].id}$"):
        tenancy.get_in_practice(kind, theirs[kind].id)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_another_practices_rows_are_not_selected(actor, ours, theirs, kind):
    mine = {p.id for p in ours[Couple].partners} if kind is Partner else {ours[kind].id}
    db.session.expunge_all()  # from the database, not from what the session holds
    assert db.session.get(kind, theirs[kind].id) is None
    assert set(db.session.scalars(sa.select(kind.id))) == mine
    assert db.session.scalar(sa.select(sa.func.count()).select_from(kind)) == len(mine)
    both = sa.select(kind).where(kind.id.in_([ours[kind].id, theirs[kind].id])).subquery()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(both)) == 1


CHANGES = {
    Couple: {"label": "Changed"},
    Partner: {"first_name": "Changed"},
    ClientLink: {"revoked_at": None},
    Assignment: {"title": "Changed"},
    Report: {"error": "Changed"},
}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_another_practices_rows_are_not_updated_or_deleted(actor, ours, theirs, kind):
    row_id = theirs[kind].id
    changed = db.session.execute(sa.update(kind).where(kind.id == row_id).values(CHANGES[kind]))
    deleted = db.session.execute(sa.delete(kind).where(kind.id == row_id))
    assert (changed.rowcount, deleted.rowcount) == (0, 0)
    db.session.expire_all()
    assert stored(kind, row_id) is not None


def test_the_practice_criterion_is_in_the_sql_sent(actor, ours):
    def sql_of(statement: sa.Executable) -> str:
        with count_statements() as sent:
            db.session.execute(statement)
        return " ".join(sent.statements)

    # A count over a page of couples, as the API's lists take it.
    counted = sql_of(sa.select(sa.func.count()).select_from(sa.select(Couple).subquery()))
    assert "couples.practice_id = " in counted
    # Partners and links have no practice column: they are reached through their couple.
    partners = sql_of(sa.select(Partner.id))
    assert "partners.couple_id IN (SELECT couples.id" in partners
    assert "couples.practice_id = " in partners
    assert "client_links.partner_id IN (SELECT partners.id" in sql_of(sa.select(ClientLink.id))
    renamed = sql_of(sa.update(Assignment).values(title="Renamed"))
    assert "UPDATE assignments" in renamed and "assignments.practice_id = " in renamed


def test_the_practice_itself_is_the_only_one_visible(actor, counselor, theirs):
    assert list(db.session.scalars(sa.select(Practice.id))) == [counselor.practice_id]


def test_core_statements_on_a_practices_tables_need_the_mark_even_in_a_scope(actor):
    # The criteria reach ORM statements only: a Core one would read every practice.
    for statement in (sa.select(Couple.__table__), sa.update(Couple.__table__).values(label="x")):
        with pytest.raises(tenancy.UnscopedQuery):
            db.session.execute(statement)
    assert db.session.execute(tenancy.across_practices(sa.select(Couple.__table__))).all() == []


def test_a_scope_within_a_scope_gives_the_outer_one_back(actor, counselor, theirs):
    with tenancy.practice_scope(theirs[Couple].practice_id):
        assert tenancy.get_in_practice(Couple, theirs[Couple].id) is theirs[Couple]
    assert tenancy.current_practice_id() == counselor.practice_id


def test_a_request_starts_unscoped_and_leaves_the_scope_it_found(app, client, actor, counselor):
    seen: list[int | None] = []

    def while_rendering(_sender: object, **_extra: object) -> None:
        seen.append(tenancy.current_practice_id())

    with template_rendered.connected_to(while_rendering, app):
        assert client.get("/login").status_code == 200

    assert seen == [None]  # the login page acts for nobody
    assert tenancy.current_practice_id() == counselor.practice_id
