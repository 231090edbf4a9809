"""GET never changes state: every GET route of the app, visited with ids of real rows (the
dashboard signed in, the partner pages through a working link, the API with a key), leaves
every table as it was — but for the two writes a read is meant to make, both said in
docs/design.md: the audit trail's record of a read (a counselor viewing the couples list, a
couple's page or a form of theirs, opening a report, reading or exporting the audit trail,
any API request), and an API key's last-used minute."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from counselor.extensions import db
from counselor.models import LinkPurpose, Report, ReportStatus, Visibility, WebhookEndpoint
from counselor.services.accounts import api_keys
from counselor.services.audit import Actor
from counselor.services.couples import calendar_feed, links
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.api import make_api_client

# What a read may write: (table, column), or a whole table's new rows of these actions.
# A dashboard session's last activity is bookkeeping the idle timeout needs, written at most
# once a minute (services/accounts/sessions.py), whatever the method: only that column.
READ_STAMPS = {("api_keys", "last_used_at"), ("counselor_sessions", "last_seen_at")}
VIEW_EVENTS = {
    "couple.view",
    "couple.list",
    "couple.view_form",
    "assignment.view_form",
    "checkin.view_form",
    "session.view_form",
    "session.view_notes",
    "calendar.feed_read",
    "report.download",
    "partner.previewed",
    "couple.handout_printed",
    "audit.view",
    "audit.export",
    "couple.export",
}


def every_row() -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, each as a tuple, ordered by primary key; read stamps left out."""
    tables = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in READ_STAMPS]
        statement = sa.select(*columns).order_by(*table.primary_key.columns)
        rows = db.session.execute(across_practices(statement))
        tables[table.name] = [tuple(row) for row in rows]
    return tables


def world(app: Flask, counselor) -> dict[str, Any]:
    """One row of every kind a GET route names, in the counselor's practice."""
    couple = factories.CoupleFactory(counselor=counselor)
    partner = couple.partners[0]
    assignment = factories.AssignmentFactory(couple=couple)
    checkin = factories.CheckInFactory(assignment=assignment, partner=partner)
    # The other partner's shared reflection, with this partner's reply (it can be taken back).
    reflection = factories.CheckInFactory(
        assignment=assignment,
        partner=couple.partners[1],
        reflection="Shared words",
        visibility=Visibility.SHARED,
    )
    factories.make_reflection_reply(reflection)
    session = factories.SessionFactory(couple=couple)
    report = Report(
        practice_id=couple.practice_id,
        couple_id=couple.id,
        session_id=session.id,
        requested_by="test",
        status=ReportStatus.READY,
        file_name="never-written.pdf",
        sha256="0" * 64,
    )
    endpoint = WebhookEndpoint(
        practice_id=couple.practice_id,
        url="https://hooks.example.org/in",
        secret="whsec_" + "A" * 43 + "=",
        events="checkin.created",
        active=False,
    )
    db.session.add_all([report, endpoint])
    db.session.flush()
    key, _secret = api_keys.create_api_key(Actor.for_counselor(counselor), "Host system")
    ids = {
        "couple_id": couple.id,
        "assignment_id": assignment.id,
        "session_id": session.id,
        "report_id": report.id,
        "checkin_id": checkin.id,
        "reflection_id": reflection.id,
        "partner_id": partner.id,
        "endpoint_id": endpoint.id,
        "key_id": key.id,
        "counselor_id": factories.CounselorFactory(practice=counselor.practice).id,
        "key": "hand-over-a-chore",  # a step of the ladder (its edit form)
        "rung_id": factories.rung(1).id,  # a rung (its new-step and note forms)
    }
    tokens = {
        "partner": links.issue_link(partner, LinkPurpose.HOMEWORK),
        "unsubscribe": links.issue_link(partner, LinkPurpose.UNSUBSCRIBE),
        "calendar": calendar_feed.create_feed(counselor),
    }
    db.session.commit()
    return {"ids": ids, "tokens": tokens}


def get_urls(app: Flask, ids: dict[str, int], tokens: dict[str, str]) -> list[tuple[str, str]]:
    """(endpoint, URL) of every GET route but static files, its arguments filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values: dict[str, Any] = {name: ids[name] for name in rule.arguments if name in ids}
        if "token" in rule.arguments:
            purpose = {"partner.unsubscribe": "unsubscribe", "calendar.feed": "calendar"}.get(
                rule.endpoint, "partner"
            )
            values["token"] = tokens[purpose]
        urls.append((rule.endpoint, rule.build(values)[1]))
    return urls


def test_no_get_route_changes_anything_but_its_view_record(
    app: Flask, logged_in: FlaskClient, counselor
):
    made = world(app, counselor)
    api = make_api_client(app, counselor.practice)
    urls = get_urls(app, made["ids"], made["tokens"])
    events_before = db.session.scalar(across_practices(sa.text("SELECT max(id) FROM audit_events")))
    before = every_row()

    answers = {}
    for endpoint, url in urls:
        client = api.client if endpoint.startswith("api.") else logged_in
        headers = api.headers() if endpoint.startswith("api.") else {}
        answers[url] = client.get(url, headers=headers).status_code

    db.session.expire_all()
    after = every_row()
    new_events = db.session.scalars(
        across_practices(
            sa.text("SELECT action FROM audit_events WHERE id > :last").bindparams(
                last=events_before or 0
            )
        )
    ).all()
    after["audit_events"] = after["audit_events"][: len(before["audit_events"])]
    assert after == before, "a GET changed a row"
    assert [a for a in new_events if a not in VIEW_EVENTS and not a.startswith("api.GET ")] == []
    assert len(urls) >= 40, "expected every GET route of the dashboard, partner pages and API"
    assert not [url for url, status in answers.items() if status >= 500], answers
