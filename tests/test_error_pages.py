"""A request that fails in the database still gets the friendly error page (issue 12,
finding 2): the failed transaction is rolled back before the page renders, so the page's
own queries (who is logged in, their practice) work instead of raising
``PendingRollbackError`` and leaving a bare 500."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from counselor.dashboard import couples as couple_views
from counselor.extensions import db
from counselor.models import Practice
from tests.dashboard.test_couples import couple_form
from tests.support.helpers import row_counts


@pytest.fixture
def failing_flush(app, monkeypatch, counselor):
    """Adding a couple flushes a row the database refuses (a second practice with the
    counselor's practice's slug): an ``IntegrityError`` mid-request, as a bug would raise."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as production does, not re-raise
    slug = counselor.practice.slug

    def create_couple(actor, data):
        db.session.add(Practice(name="Twin", slug=slug, timezone="UTC"))
        db.session.flush()

    monkeypatch.setattr(couple_views.couples, "create_couple", create_couple)
    return slug


def test_a_database_error_mid_request_renders_the_friendly_500_page(
    logged_in, counselor, failing_flush
):
    practice_name = counselor.practice.name
    before = row_counts()

    response = logged_in.post("/couples/new", data=couple_form(counselor_id=str(counselor.id)))

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert practice_name in page  # the page's own query ran, after the rollback
    assert row_counts() == before
    same_slug = sa.select(sa.func.count()).where(Practice.slug == failing_flush)
    assert db.session.scalar(same_slug) == 1


def test_an_error_page_offers_each_reader_their_own_way_on(app, client, logged_in):
    """A partner's error page points back to their page (they have no other); a counselor
    signed in gets their couples, one signed out the login."""
    too_much = {"data": {"reflection": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}}
    partner_page = app.test_client().post("/p/any-token/steps/1/done", **too_much)
    signed_in = logged_in.get("/couples/1099511627776")
    signed_out = app.test_client().get("/no-such-page")

    assert partner_page.status_code == 413
    assert signed_in.status_code == signed_out.status_code == 404
    assert "Back button returns to your page" in partner_page.get_data(as_text=True)
    assert "Go to your couples" not in partner_page.get_data(as_text=True)
    assert "Go to your couples" in signed_in.get_data(as_text=True)
    assert 'href="/login"' in signed_out.get_data(as_text=True)
