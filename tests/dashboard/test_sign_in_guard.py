"""The dashboard's sign-in guard and its second-factor rules (dashboard/auth.py): a session
whose second factor is owed reaches only views marked ``open_while_second_factor_pending``
(and logout); a counselor whose practice requires a second factor they lack reaches only
views marked ``open_while_enrolment_required`` (and logout). Views of this module's own,
registered on an app built for each test, stand for the marked pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from counselor import timeutil
from counselor.dashboard.access import (
    open_while_enrolment_required,
    open_while_second_factor_pending,
)
from counselor.dashboard.auth import SESSION_KEY, mark_second_factor_done
from counselor.extensions import db
from counselor.models import CounselorSession
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.helpers import login


@pytest.fixture
def app_overrides() -> dict:
    """An app of the test's own: routes can be added to it before its first request."""
    return {"TESTING": True}


@pytest.fixture
def marked_views(app: Flask) -> None:
    def pending_page() -> str:
        return "a page open while the second factor is owed"

    def enrolment_page() -> str:
        return "a page open while enrolment is required"

    def give_the_second_factor() -> str:
        mark_second_factor_done()
        return "second factor given"

    views = [
        ("/test/pending", "test_pending", open_while_second_factor_pending(pending_page), "GET"),
        ("/test/enrol", "test_enrol", open_while_enrolment_required(enrolment_page), "GET"),
        (
            "/test/give",
            "test_give",
            open_while_second_factor_pending(give_the_second_factor),
            "POST",
        ),
        # The real pages, where they are not built yet.
        (
            "/test/challenge",
            "second_factor_challenge",
            open_while_second_factor_pending(pending_page),
            "GET",
        ),
        (
            "/test/two-factor",
            "two_factor_page",
            open_while_enrolment_required(enrolment_page),
            "GET",
        ),
    ]
    for rule, name, view, method in views:
        endpoint = f"dashboard.{name}"
        if endpoint not in app.view_functions:
            app.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=[method])


def path_of(app: Flask, endpoint: str) -> str:
    with app.test_request_context():
        return url_for(endpoint)


def the_session() -> CounselorSession:
    db.session.expire_all()
    return db.session.scalars(across_practices(sa.select(CounselorSession))).one()


@pytest.fixture
def with_a_factor(counselor):
    counselor.totp_secret = "JBSWY3DPEHPK3PXP"
    counselor.totp_confirmed_at = timeutil.utcnow()
    db.session.commit()
    return counselor


@pytest.mark.usefixtures("marked_views")
class TestSecondFactorOwed:
    def test_the_password_alone_leads_to_the_challenge(self, app, client, with_a_factor):
        response = login(client, with_a_factor.email, factories.PASSWORD)
        assert response.status_code == 302
        assert response.location.startswith(path_of(app, "dashboard.second_factor_challenge"))
        assert the_session().second_factor_at is None

    def test_only_marked_views_and_logout_are_open(self, app, client, with_a_factor):
        login(client, with_a_factor.email, factories.PASSWORD)
        challenge = path_of(app, "dashboard.second_factor_challenge")
        for path in ("/couples", "/settings", "/settings/security", "/test/enrol"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response.location.startswith(challenge), path
        assert client.get("/test/pending").status_code == 200
        assert client.post("/logout").location == "/login"
        assert the_session().ended_at is not None

    def test_the_challenge_page_offers_no_way_around_it(self, app, client, with_a_factor):
        login(client, with_a_factor.email, factories.PASSWORD)
        page = client.get(path_of(app, "dashboard.second_factor_challenge")).get_data(as_text=True)
        assert 'aria-label="Main"' not in page  # no Couples, Ladder or Settings links
        assert "Log out" in page

    def test_giving_it_opens_the_dashboard_under_a_new_id(self, client, with_a_factor):
        login(client, with_a_factor.email, factories.PASSWORD)
        with client.session_transaction() as session:
            before = session[SESSION_KEY]

        assert client.post("/test/give").status_code == 200

        with client.session_transaction() as session:
            after = session[SESSION_KEY]
        assert after != before
        assert the_session().second_factor_at is not None
        assert client.get("/couples").status_code == 200
        stale = client.application.test_client()
        with stale.session_transaction() as session:
            session[SESSION_KEY] = before  # the id from before the second factor
        assert stale.get("/couples").status_code == 302

    def test_without_a_factor_the_password_is_enough(self, client, counselor):
        assert login(client, counselor.email, factories.PASSWORD).location == "/couples"
        assert client.get("/test/pending").status_code == 200  # open, not only to these


@pytest.mark.usefixtures("marked_views")
class TestEnrolmentRequired:
    @pytest.fixture(autouse=True)
    def practice_requires_it(self, counselor):
        counselor.practice.require_second_factor = True
        db.session.commit()

    def test_a_counselor_without_a_factor_is_sent_to_set_one_up(self, app, client, counselor):
        login(client, counselor.email, factories.PASSWORD)
        two_factor_page = path_of(app, "dashboard.two_factor_page")
        for path in ("/couples", "/settings/security", "/test/pending"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response.location == two_factor_page, path
        assert client.get("/test/enrol").status_code == 200
        page = client.get("/test/enrol")
        assert page.status_code == 200
        assert client.post("/logout").location == "/login"

    def test_the_reason_is_said(self, client, counselor):
        login(client, counselor.email, factories.PASSWORD)
        client.get("/couples")
        with client.session_transaction() as session:
            flashes = session.get("_flashes", [])
        assert any("asks every counselor to sign in in two steps" in text for _, text in flashes)

    def test_a_counselor_with_a_factor_goes_about_their_work(self, client, with_a_factor):
        login(client, with_a_factor.email, factories.PASSWORD)
        client.post("/test/give")
        assert client.get("/couples").status_code == 200
