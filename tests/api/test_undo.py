"""The API's side of undo: an ended step reopens with ``status: active``; a removed session
is gone from the API (404, out of the list) but kept for the dashboard to restore."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import AuditEvent, CoupleSession
from tests.support.api import assert_error
from tests.support.helpers import count_rows


def test_an_ended_step_reopens_with_every_check_in(api, couple):
    template = api.get("/ladder").get_json()["rungs"][0]["templates"][0]["key"]
    week_ago = (timeutil.local_today("America/Chicago") - timedelta(days=7)).isoformat()
    step = api.post(
        f"/couples/{couple['id']}/assignments",
        json={"template_key": template, "assignee": "each", "notify": False, "starts_on": week_ago},
    ).get_json()
    partner = couple["partners"][0]["id"]
    for days_ago in (1, 3):
        day = (timeutil.local_today("America/Chicago") - timedelta(days=days_ago)).isoformat()
        response = api.post(
            f"/assignments/{step['id']}/checkins", json={"partner_id": partner, "occurred_on": day}
        )
        assert response.status_code == 201, response.get_json()
    path = f"/assignments/{step['id']}"

    cancelled = api.patch(path, json={"status": "cancelled"}).get_json()
    assert cancelled["status"] == "cancelled" and cancelled["ended_on"] is not None
    reopened = api.patch(path, json={"status": "active"})
    assert reopened.status_code == 200
    assert (reopened.get_json()["status"], reopened.get_json()["ended_on"]) == ("active", None)
    assert api.patch(path, json={"status": "active"}).status_code == 200  # harmless again
    checkins = api.get(f"{path}/checkins").get_json()
    assert checkins["total"] == 2
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "assignment")
    ).all()
    assert "assignment.cancelled" in actions and "assignment.reopen" in actions


def test_a_removed_session_answers_404_and_leaves_the_list(api, couple):
    sessions = f"/couples/{couple['id']}/sessions"
    kept = api.post(sessions, json={"starts_at": "2031-01-01T10:00:00Z"}).get_json()
    removed = api.post(
        sessions, json={"starts_at": "2031-01-08T10:00:00Z", "external_id": "appt-9"}
    ).get_json()
    assert api.get(f"/sessions/{removed['id']}").get_json()["external_id"] == "appt-9"

    response = api.delete(f"/sessions/{removed['id']}")

    assert response.status_code == 204
    assert_error(api.get(f"/sessions/{removed['id']}"), 404)
    assert_error(api.delete(f"/sessions/{removed['id']}"), 404)
    listed = api.get(sessions).get_json()
    assert ([s["id"] for s in listed["items"]], listed["total"]) == ([kept["id"]], 1)
    report = api.post(f"/couples/{couple['id']}/reports", json={"session_id": removed["id"]})
    assert assert_error(report, 422)["errors"]["json"] == {
        "session_id": ["This couple has no such session."]
    }
    assert count_rows(CoupleSession) == 2  # kept, so that the counselor can restore it
    # Its external id stays with it, ready for its restore.
    again = api.post(sessions, json={"starts_at": "2031-01-08T10:00:00Z", "external_id": "appt-9"})
    assert "A removed session has this external id" in str(assert_error(again, 422))
