"""Least privilege through the API: a key limited to a counselor sees what that counselor
sees. With the practice keeping counselors to the couples they treat (the default), a key
for a staff counselor gets 404 on every route for a colleague's couple and its steps,
sessions, reports and check-ins, exactly as another practice's key does; a key for the
whole practice, the colleague's own key, and every key once the practice lets counselors
see every couple, succeed."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from counselor import tenancy
from counselor.extensions import db
from counselor.models import Counselor, CounselorRole, Couple
from counselor.services.accounts import api_keys
from counselor.services.accounts.api_scopes import SCOPES
from counselor.services.audit import Actor
from counselor.services.errors import InvalidInput
from counselor.unit_of_work import unit_of_work
from tests.api.test_tenancy import call, objects_made_by, operations_with_ids
from tests.support import factories
from tests.support.api import API, ApiClient, assert_error, couple_body
from tests.support.helpers import row_counts


def key_for(app: Flask, api: ApiClient, counselor: Counselor) -> ApiClient:
    """A client whose key acts for ``counselor`` (of ``api``'s practice), every scope."""
    with tenancy.practice_scope(api.practice.id), unit_of_work():
        key, secret = api_keys.create_api_key(
            Actor.system(api.practice.id), f"For {counselor.name}", counselor.id, tuple(SCOPES)
        )
    tenancy.enter_practice(api.practice.id)  # the test's own queries see the whole practice
    return ApiClient(app.test_client(), secret, api.practice, api.owner, key.id)


@pytest.fixture
def staff(api: ApiClient) -> Counselor:
    return factories.CounselorFactory(practice=api.practice, role=CounselorRole.COUNSELOR)


@pytest.fixture
def colleague(api: ApiClient) -> Counselor:
    return factories.CounselorFactory(practice=api.practice, role=CounselorRole.COUNSELOR)


@pytest.fixture
def staff_api(app, api, staff) -> ApiClient:
    return key_for(app, api, staff)


@pytest.fixture
def colleague_api(app, api, colleague) -> ApiClient:
    return key_for(app, api, colleague)


@pytest.fixture
def colleagues_ids(colleague_api: ApiClient, colleague: Counselor) -> dict[str, Any]:
    """A couple made with the colleague's key, and so theirs, with a step, a session and a
    ready report."""
    ids = objects_made_by(colleague_api, webhook=False)
    couple = db.session.scalar(sa.select(Couple).where(Couple.id == ids["couple_id"]))
    assert couple.counselor_id == colleague.id
    return ids


def couple_operations(api: ApiClient) -> list[tuple[str, str]]:
    """Every operation with an id in its path, but the webhooks' (not a couple's)."""
    spec = api.client.get(API + "/openapi.json").get_json()
    operations = [op for op in operations_with_ids(spec) if "{webhook_id}" not in op[1]]
    assert len(operations) >= 12
    return operations


def test_a_staff_counselors_key_gets_404_for_a_colleagues_couple_everywhere(
    api, staff_api, colleague_api, colleagues_ids
):
    operations = couple_operations(api)
    before = row_counts()
    for method, template in operations:
        response = call(staff_api, method, template, colleagues_ids)
        assert response.status_code == 404, (method, template, response.get_json())
        assert_error(response, 404)
    after = row_counts()
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    # The lists leave the colleague's couple out.
    assert staff_api.get("/couples").get_json()["items"] == []

    # The colleague's own key, on the same calls, succeeds: the 404s were least privilege.
    for method, template in operations:
        response = call(colleague_api, method, template, colleagues_ids)
        assert response.status_code < 300, (method, template, response.get_json())


def test_the_practices_key_sees_every_couple(api, staff_api, colleagues_ids):
    for method, template in couple_operations(api):
        if method == "get":
            response = call(api, method, template, colleagues_ids)
            assert response.status_code == 200, (template, response.get_json())
    assert [c["id"] for c in api.get("/couples").get_json()["items"]] == [
        colleagues_ids["couple_id"]
    ]


def test_when_counselors_see_every_couple_so_do_their_keys(api, staff_api, colleagues_ids):
    api.practice.staff_see_all_couples = True
    db.session.commit()
    for method, template in couple_operations(api):
        response = call(staff_api, method, template, colleagues_ids)
        assert response.status_code < 300, (method, template, response.get_json())


def test_a_couple_made_with_a_staff_key_is_that_counselors(staff_api, staff):
    made = staff_api.post("/couples", json=couple_body(external_id="pm-9")).get_json()
    assert made["counselor_email"] == staff.email
    assert staff_api.get(f"/couples/{made['id']}").status_code == 200


def test_a_key_for_a_deactivated_counselor_is_refused(staff_api, staff):
    staff.active = False
    db.session.commit()
    response = staff_api.get("/couples")
    assert_error(response, 401)
    assert "deactivated" in response.get_json()["message"]


def test_a_staff_counselors_key_manages_no_webhooks(api, staff_api, staff):
    listed = staff_api.get("/webhooks")
    assert_error(listed, 403)
    made = staff_api.post(
        "/webhooks", json={"url": "http://127.0.0.1:9/hooks", "events": ["checkin.created"]}
    )
    assert_error(made, 403)
    staff.role = CounselorRole.OWNER  # an owner's key may
    db.session.commit()
    assert staff_api.get("/webhooks").status_code == 200


def test_a_key_for_a_counselor_of_another_practice_is_refused_at_creation(app, api):
    stranger = factories.CounselorFactory()
    with tenancy.practice_scope(api.practice.id), pytest.raises(InvalidInput) as refused:
        api_keys.create_api_key(Actor.system(api.practice.id), "Theirs", stranger.id)
    assert "counselor_id" in refused.value.errors
