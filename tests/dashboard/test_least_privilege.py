"""Least privilege on the dashboard: with the practice keeping counselors to the couples
they treat (the default), a counselor who is not an owner gets 404 on every route for a
colleague's couple and its partners, steps, check-ins, sessions and reports — exactly as
for another practice's — and finds none of it in the lists. Owners, and everyone once the
practice lets counselors see every couple, open the same pages."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from counselor.extensions import db
from counselor.models import Counselor, CounselorRole, Couple, Report
from counselor.services.reports import pre_session
from tests.dashboard.test_tenancy import dashboard_rules_with_ids
from tests.support import factories
from tests.support.helpers import login, row_counts

COUPLE_ARGUMENTS = {"couple_id", "assignment_id", "session_id", "partner_id", "report_id"}


@pytest.fixture
def staff(counselor: Counselor) -> Counselor:
    return factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)


@pytest.fixture
def colleague(counselor: Counselor) -> Counselor:
    return factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)


def objects_of(counselor: Counselor, label: str) -> dict[str, Any]:
    couple = factories.CoupleFactory(counselor=counselor, label=label)
    assignment = factories.AssignmentFactory(couple=couple)
    factories.CheckInFactory(assignment=assignment, reflection=f"Reflection of {label}")
    return {
        "couple_id": couple.id,
        "assignment_id": assignment.id,
        "session_id": factories.SessionFactory(couple=couple).id,
        "partner_id": couple.partners[0].id,
        "report_id": _generated_report(couple),
    }


def _generated_report(couple: Couple) -> int:
    """A report whose PDF was made, as the worker makes it."""
    report = Report(practice_id=couple.practice_id, couple_id=couple.id, requested_by="test")
    db.session.add(report)
    db.session.commit()
    pre_session.generate_report(report.id)
    return report.id


@pytest.fixture
def colleagues(colleague: Counselor) -> dict[str, Any]:
    return objects_of(colleague, "Colleague's couple")


@pytest.fixture
def staff_client(app: Flask, staff: Counselor) -> FlaskClient:
    client = app.test_client()
    login(client, staff.email, factories.PASSWORD)
    return client


def couple_rules(app: Flask) -> list:
    rules = [r for r in dashboard_rules_with_ids(app) if set(r.arguments) <= COUPLE_ARGUMENTS]
    assert len(rules) >= 20, "expected every page about a couple, step, session or report"
    return rules


def get_urls(app: Flask, ids: dict[str, Any]) -> list[str]:
    return [
        r.build({arg: ids[arg] for arg in r.arguments})[1]
        for r in couple_rules(app)
        if "GET" in r.methods
    ]


def test_every_dashboard_route_answers_404_for_a_colleagues_couple(
    app, staff_client, colleagues, actor
):
    before = row_counts()
    visited = []
    for rule in couple_rules(app):
        url = rule.build({arg: colleagues[arg] for arg in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = staff_client.open(url, method=method, data={"status": "completed"})
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            visited.append((method, rule.rule))
    db.session.expire_all()
    assert row_counts() == before
    assert ("GET", "/reports/<int:report_id>/pdf") in visited
    assert ("POST", "/partners/<int:partner_id>/send-link") in visited


def test_the_lists_leave_a_colleagues_couples_out(staff_client, staff, colleagues, actor):
    mine = objects_of(staff, "My own couple")
    page = staff_client.get("/couples").get_data(as_text=True)
    assert "My own couple" in page and "Colleague&#39;s couple" not in page
    detail = staff_client.get(f"/couples/{mine['couple_id']}").get_data(as_text=True)
    assert "Reflection of My own couple" in detail
    assert "Reflection of Colleague" not in detail


def test_a_staff_counselor_opens_their_own_couples_pages(app, staff_client, staff, actor):
    mine = objects_of(staff, "My own couple")
    for url in get_urls(app, mine):
        assert staff_client.get(url).status_code == 200, url


def test_owners_open_every_couples_pages(app, logged_in, colleagues):
    for url in get_urls(app, colleagues):
        assert logged_in.get(url).status_code == 200, url
    assert "Colleague&#39;s couple" in logged_in.get("/couples").get_data(as_text=True)


def test_when_counselors_see_every_couple_the_pages_open(app, staff_client, staff, colleagues):
    staff.practice.staff_see_all_couples = True
    db.session.commit()
    for url in get_urls(app, colleagues):
        assert staff_client.get(url).status_code == 200, url
    assert "Colleague&#39;s couple" in staff_client.get("/couples").get_data(as_text=True)
