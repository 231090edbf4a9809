"""The integration a host builds from the OpenAPI document and docs/api.md alone, over real HTTP:
create a couple, add a session, assign two ladder steps, record check-ins for both
partners, read progress, request a report, poll it to ready, download a valid PDF."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from counselor.services.reports import pre_session
from counselor.unit_of_work import unit_of_work
from tests.support.api import API


class Host:
    """A host system's HTTP client: JSON in and out, the practice's key on every call."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url, self.key = base_url, key

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, Any]:
        request = urllib.request.Request(  # noqa: S310 - the test's own server
            self.base_url + API + path,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={
                "Authorization": f"Bearer {self.key}",
                **({"Content-Type": "application/json"} if body is not None else {}),
                **{k.replace("_", "-"): v for k, v in headers.items()},
            },
        )
        try:
            with urllib.request.build_opener().open(request, timeout=30) as response:
                raw, status, kind = response.read(), response.status, response.headers
        except urllib.error.HTTPError as error:
            raw, status, kind = error.read(), error.code, error.headers
        if kind.get_content_type() == "application/json":
            return status, json.loads(raw)
        return status, raw


# A live server's threads handle the requests.
@pytest.mark.committed_db
def test_a_host_runs_the_whole_homework_cycle(api, live_server):
    host = Host(live_server, api.key)
    status, spec = host.call("GET", "/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")

    status, couple = host.call(
        "POST",
        "/couples",
        {
            "label": "Alex & Sam R.",
            "external_id": "pm-123",
            "counselor_email": api.owner.email,
            "partners": [
                {"first_name": "Alex", "email": "alex@example.org", "timezone": "America/Chicago"},
                {"first_name": "Sam", "email": "sam@example.org", "timezone": "America/Chicago"},
            ],
        },
        Idempotency_Key="host-couple-1",
    )
    assert status == 201, couple
    assert {"id", "status", "created_at"} <= set(couple) and couple["status"] == "active"
    alex, sam = (p["id"] for p in couple["partners"])

    starts_at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0).isoformat()
    status, session = host.call(
        "POST", f"/couples/{couple['id']}/sessions", {"starts_at": starts_at, "external_id": "a1"}
    )
    assert status == 201, session
    assert datetime.fromisoformat(session["starts_at"]) == datetime.fromisoformat(starts_at)

    status, ladder = host.call("GET", "/ladder")
    assert status == 200
    first_two = [rung["templates"][0]["key"] for rung in ladder["rungs"][:2]]
    steps = []
    for template_key in first_two:
        status, step = host.call(
            "POST",
            f"/couples/{couple['id']}/assignments",
            {"template_key": template_key, "assignee": "each", "times_per_week": 2},
        )
        assert status == 201, step
        assert {"id", "rung", "status", "created_at"} <= set(step)
        assert (step["template_key"], step["status"]) == (template_key, "active")
        steps.append(step)

    for partner_id, comfort in ((alex, 4), (sam, 2)):
        status, check_in = host.call(
            "POST",
            f"/assignments/{steps[0]['id']}/checkins",
            {"partner_id": partner_id, "comfort": comfort, "reflection": "Small but real."},
            Idempotency_Key=f"checkin-{partner_id}",
        )
        assert status == 201, check_in
        assert (check_in["partner_id"], check_in["source"]) == (partner_id, "api")
    status, listed = host.call("GET", f"/assignments/{steps[0]['id']}/checkins")
    assert (status, listed["total"], listed["page"], listed["page_size"]) == (200, 2, 1, 20)

    status, progress = host.call("GET", f"/couples/{couple['id']}/progress?weeks=4")
    assert status == 200, progress
    assert progress["current_rung"]["position"] == 2
    for partner in progress["partners"]:
        this_week = partner["weeks"][-1]
        assert len(partner["weeks"]) == 4
        assert this_week["done"] == 1 and this_week["target"] >= 1
        assert 0 < this_week["completion"] <= 1
        assert {a["assignment_id"] for a in partner["assignments"]} == {s["id"] for s in steps}
        assert "streak_weeks" in partner and partner["mean_comfort"] in (4.0, 2.0)

    status, report = host.call(
        "POST", f"/couples/{couple['id']}/reports", {"session_id": session["id"]}
    )
    assert (status, report["status"]) == (202, "pending")
    status, early = host.call("GET", f"/reports/{report['id']}/pdf")
    assert (status, early["code"]) == (409, 409)

    with unit_of_work():  # the worker's part, one unit of work as its task runs it
        pre_session.generate_report(report["id"])
    for _ in range(10):
        status, polled = host.call("GET", f"/reports/{report['id']}")
        assert status == 200
        if polled["status"] != "pending":
            break
    assert polled["status"] == "ready"
    status, pdf = host.call("GET", f"/reports/{report['id']}/pdf")
    assert status == 200
    document = PdfReader(io.BytesIO(pdf))
    assert len(document.pages) >= 1
    assert "Alex" in "".join(page.extract_text() for page in document.pages)
