"""Sessions, and reports: requested (202), polled, downloaded once ready (409 before)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent
from counselor.services.reports import pre_session
from tests.support.api import API, assert_error, couple_body


def test_add_and_list_sessions(api, couple):
    later = api.post(
        f"/couples/{couple['id']}/sessions",
        json={"starts_at": "2031-03-02T15:00:00-06:00", "external_id": "appt-2"},
    )
    assert later.status_code == 201, later.get_json()
    assert later.get_json()["starts_at"] == "2031-03-02T21:00:00+00:00"
    assert later.get_json()["external_id"] == "appt-2"
    sooner = api.post(f"/couples/{couple['id']}/sessions", json={"starts_at": "2031-03-01T09:00Z"})
    assert sooner.status_code == 201, sooner.get_json()
    listed = api.get(f"/couples/{couple['id']}/sessions").get_json()
    assert [s["id"] for s in listed["items"]] == [sooner.get_json()["id"], later.get_json()["id"]]
    assert listed["total"] == 2


@pytest.mark.parametrize(
    "body",
    [
        {"starts_at": "2031-03-02T15:00:00"},  # no offset
        {"starts_at": "tomorrow"},
        {"starts_at": "0001-01-01T00:00:00+05:00"},
        {},
        {"starts_at": "2031-03-02T15:00:00Z", "external_id": "x" * 129},
    ],
)
def test_invalid_sessions_are_refused(api, couple, body):
    assert_error(api.post(f"/couples/{couple['id']}/sessions", json=body), 422)


def test_a_sessions_agenda_and_notes_are_read_and_written(api, couple):
    past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    created = api.post(
        f"/couples/{couple['id']}/sessions",
        json={"starts_at": "2031-03-02T15:00:00Z", "agenda": "  Money first  "},
    ).get_json()
    assert (created["agenda"], created["notes"]) == ("Money first", None)

    early = api.patch(f"/sessions/{created['id']}", json={"notes": "Too early"})
    assert "not started yet" in assert_error(early, 422)["errors"]["json"]["notes"][0]
    changed = api.patch(
        f"/sessions/{created['id']}", json={"starts_at": past, "notes": "Talked about money."}
    )
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["agenda"], changed.get_json()["notes"]) == (
        "Money first",  # left out: kept
        "Talked about money.",
    )
    cleared = api.patch(f"/sessions/{created['id']}", json={"agenda": None, "notes": ""})
    assert (cleared.get_json()["agenda"], cleared.get_json()["notes"]) == (None, None)
    assert api.get(f"/sessions/{created['id']}").get_json()["starts_at"].startswith(past[:16])


def session_actions(session_id: int) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.action.like("session.%"), AuditEvent.object_id == session_id)
            .order_by(AuditEvent.id)
        )
    )


def test_a_session_with_notes_does_not_move_to_a_time_still_to_come(api, couple):
    past = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    later = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    session = api.post(
        f"/couples/{couple['id']}/sessions", json={"starts_at": past, "notes": "Money."}
    ).get_json()

    moved = api.patch(f"/sessions/{session['id']}", json={"starts_at": later})

    errors = assert_error(moved, 422)["errors"]["json"]
    assert list(errors) == ["starts_at"]
    assert "has notes" in errors["starts_at"][0]
    kept = api.get(f"/sessions/{session['id']}").get_json()
    assert (kept["starts_at"][:16], kept["notes"]) == (past[:16], "Money.")
    # Earlier in the past is fine; clearing the notes in the same request lets it move.
    earlier = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert api.patch(f"/sessions/{session['id']}", json={"starts_at": earlier}).status_code == 200
    cleared = api.patch(f"/sessions/{session['id']}", json={"starts_at": later, "notes": None})
    assert cleared.status_code == 200, cleared.get_json()
    assert (cleared.get_json()["starts_at"][:16], cleared.get_json()["notes"]) == (later[:16], None)


def test_changing_only_the_agenda_records_only_the_agenda(api, couple):
    session = api.post(
        f"/couples/{couple['id']}/sessions", json={"starts_at": "2031-03-02T15:00:00Z"}
    ).get_json()

    changed = api.patch(f"/sessions/{session['id']}", json={"agenda": "Money first"})

    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["agenda"] == "Money first"
    assert session_actions(session["id"]) == ["session.create", "session.agenda_changed"]
    api.patch(f"/sessions/{session['id']}", json={"agenda": "Money first"})  # the same words
    assert session_actions(session["id"]) == ["session.create", "session.agenda_changed"]


@pytest.mark.parametrize(
    "body",
    [
        {"agenda": "x" * 4001},
        {"notes": "a\u0000b"},
        {"agenda": 7},
        {"colour": "red"},
    ],
)
def test_invalid_session_changes_are_refused(api, couple, body):
    session = api.post(
        f"/couples/{couple['id']}/sessions", json={"starts_at": "2031-03-02T15:00:00Z"}
    ).get_json()
    assert_error(api.patch(f"/sessions/{session['id']}", json=body), 422)
    assert api.get(f"/sessions/{session['id']}").get_json()["agenda"] is None


def test_request_poll_and_download_a_report(api, couple):
    session = api.post(
        f"/couples/{couple['id']}/sessions",
        json={"starts_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()},
    ).get_json()
    response = api.post(f"/couples/{couple['id']}/reports", json={"session_id": session["id"]})
    assert response.status_code == 202, response.get_json()
    report = response.get_json()
    assert (report["status"], report["session_id"], report["pdf_url"]) == (
        "pending",
        session["id"],
        None,
    )
    assert response.headers["Location"].endswith(f"{API}/reports/{report['id']}")

    assert api.get(f"/reports/{report['id']}").get_json()["status"] == "pending"
    body = assert_error(api.get(f"/reports/{report['id']}/pdf"), 409)
    assert "pending" in body["message"]

    pre_session.generate_report(report["id"])  # what the worker does
    ready = api.get(f"/reports/{report['id']}").get_json()
    assert ready["status"] == "ready"
    assert ready["pdf_url"] == f"{API}/reports/{report['id']}/pdf"
    pdf = api.get(f"/reports/{report['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert len(pdf.data) == ready["size_bytes"]


def test_a_report_without_a_body_is_for_no_particular_session(api, couple):
    response = api.client.post(API + f"/couples/{couple['id']}/reports", headers=api.headers())
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["session_id"] is None


def test_a_report_for_a_session_of_another_couple_is_refused(api, couple, other_api):
    other = api.post(
        "/couples",
        json=couple_body(
            external_id=None,
            partners=[{**p, "email": "x" + p["email"]} for p in couple_body()["partners"]],
        ),
    ).get_json()
    session = api.post(
        f"/couples/{other['id']}/sessions", json={"starts_at": "2031-01-01T10:00:00Z"}
    ).get_json()
    response = api.post(f"/couples/{couple['id']}/reports", json={"session_id": session["id"]})
    assert "session_id" in assert_error(response, 422)["errors"]["json"]
    response = api.post(f"/couples/{couple['id']}/reports", json={"session_id": 999_999})
    assert "session_id" in assert_error(response, 422)["errors"]["json"]


def test_a_report_whose_file_went_missing_is_a_conflict_not_a_crash(api, couple):
    report = api.post(f"/couples/{couple['id']}/reports", json={}).get_json()
    done = pre_session.generate_report(report["id"])
    (pre_session.reports_dir() / str(done.practice_id) / done.file_name).unlink()
    assert_error(api.get(f"/reports/{report['id']}/pdf"), 409)
