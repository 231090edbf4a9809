"""Settings › Audit trail: owners only; reads of client data recorded with the address they
came from; the page in words, filtered and paged; the CSV export streamed and safe to open."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, CounselorRole
from counselor.services.audit import Actor, record_event
from tests.support import factories
from tests.support.api import make_api_client
from tests.support.helpers import login

ADDRESS = {"REMOTE_ADDR": "198.51.100.23"}


def events() -> list[tuple[str, str, int | None, str | None]]:
    rows = db.session.execute(
        sa.select(
            AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id, AuditEvent.ip
        ).order_by(AuditEvent.id)
    )
    return [tuple(row) for row in rows]


def csv_rows(body: bytes) -> list[dict[str, str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "a byte-order mark, for spreadsheets to read UTF-8"
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.fixture
def staff(counselor):
    return factories.CounselorFactory(
        practice=counselor.practice, role=CounselorRole.COUNSELOR, name="Sam Staff"
    )


def test_reads_of_client_data_are_recorded_once_each_with_the_address(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple)
    session = factories.SessionFactory(couple=couple)
    before = len(events())
    for url in [
        "/couples",
        f"/couples/{couple.id}",
        f"/couples/{couple.id}/edit",
        f"/assignments/{assignment.id}/edit",
        f"/assignments/{assignment.id}/checkins/new",
        f"/couples/{couple.id}/sessions/new",
        f"/sessions/{session.id}/edit",
    ]:
        assert logged_in.get(url, environ_base=ADDRESS).status_code == 200, url
    ip = ADDRESS["REMOTE_ADDR"]
    assert events()[before:] == [
        ("couple.list", "couple", None, ip),
        ("couple.view", "couple", couple.id, ip),
        ("couple.view_form", "couple", couple.id, ip),
        ("assignment.view_form", "assignment", assignment.id, ip),
        ("checkin.view_form", "assignment", assignment.id, ip),
        ("session.view_form", "couple", couple.id, ip),
        ("session.view_form", "session", session.id, ip),
    ]


def test_a_refused_form_records_no_view(logged_in, counselor):
    """A POST that fails re-shows the form; only a GET is a view, a successful POST its write."""
    couple = factories.CoupleFactory(counselor=counselor)
    before = len(events())
    response = logged_in.post(f"/couples/{couple.id}/sessions/new", data={"day": "x"})
    assert response.status_code == 422
    assert len(events()) == before


def test_api_reads_are_recorded_with_the_address(app, actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    api = make_api_client(app, counselor.practice)
    assert api.get(f"/couples/{couple.id}", environ_base=ADDRESS).status_code == 200
    assert events()[-1] == (
        "api.GET /couples/{couple_id}",
        "couple",
        couple.id,
        ADDRESS["REMOTE_ADDR"],
    )


def test_owners_see_the_trail_in_words_and_viewing_it_is_recorded(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor, label="Rivera & Chen")
    logged_in.get(f"/couples/{couple.id}", environ_base=ADDRESS)
    settings = logged_in.get("/settings").get_data(as_text=True)
    assert 'href="/settings/audit"' in settings
    response = logged_in.get("/settings/audit", environ_base=ADDRESS)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Viewed the couple page" in page
    assert f'<a href="/couples/{couple.id}">Rivera &amp; Chen</a>' in page
    assert counselor.name in page
    assert ADDRESS["REMOTE_ADDR"] in page
    assert events()[-1] == ("audit.view", "practice", counselor.practice_id, "198.51.100.23")
    # The next reader sees that reading.
    assert "Viewed the audit trail" in logged_in.get("/settings/audit").get_data(as_text=True)


def test_counselors_who_are_not_owners_are_refused(client, actor, staff):
    assert login(client, staff.email, factories.PASSWORD).status_code == 302
    assert 'href="/settings/audit"' not in client.get("/settings").get_data(as_text=True)
    before = len(events())
    assert client.get("/settings/audit").status_code == 403
    assert client.get("/settings/audit.csv").status_code == 403
    assert len(events()) == before


def test_filters_and_pages(logged_in, counselor, staff, app):
    couple = factories.CoupleFactory(counselor=counselor, label="Okafor")
    other = factories.CoupleFactory(counselor=counselor, label="Lindqvist")
    theirs = Actor.for_counselor(staff)
    for _ in range(60):
        record_event(theirs, "couple.view", "couple", couple.id)
    record_event(theirs, "couple.view", "couple", other.id)
    record_event(Actor.for_counselor(counselor), "couple.view", "couple", couple.id)
    db.session.commit()

    first = logged_in.get(f"/settings/audit?counselor={staff.id}&couple=okafor&kind=reads")
    text = first.get_data(as_text=True)
    assert text.count("<tr>") == 1 + 50  # the header and a full page
    assert "Lindqvist" not in text and "Older →" in text and "← Newer" not in text
    older = text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "counselor=" in older and "couple=okafor" in older and "before=" in older
    second = logged_in.get(older).get_data(as_text=True)
    assert second.count("<tr>") == 1 + 10
    assert "← Newer" in second and "Older →" not in second
    nothing = logged_in.get("/settings/audit?kind=sign_in&couple=okafor").get_data(as_text=True)
    assert "No events match these filters." in nothing


def test_bad_filters_are_named_and_nothing_is_recorded(logged_in):
    before = len(events())
    response = logged_in.get("/settings/audit?date_from=2026-05-02&date_to=2026-05-01&kind=x")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The end date comes before the start date." in page
    assert "Not a valid choice" in page
    assert logged_in.get("/settings/audit.csv?date_from=someday").status_code == 400
    assert len(events()) == before


def test_the_csv_export_follows_the_filters_is_streamed_and_neutralises_formulas(
    logged_in, counselor, staff
):
    staff.name = '=HYPERLINK("http://x","y")'
    couple = factories.CoupleFactory(counselor=counselor, label="+cmd|' /C calc'!A0")
    record_event(Actor.for_counselor(staff), "couple.view", "couple", couple.id)
    record_event(Actor.for_counselor(counselor), "auth.login", "counselor", counselor.id)
    db.session.commit()

    response = logged_in.get(f"/settings/audit.csv?counselor={staff.id}", environ_base=ADDRESS)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = csv_rows(response.get_data())
    assert [(r["actor_name"], r["action"], r["couple_label"]) for r in rows] == [
        ('\'=HYPERLINK("http://x","y")', "couple.view", "'+cmd|' /C calc'!A0")
    ]
    assert rows[0]["action_in_words"] == "Viewed the couple page"
    assert rows[0]["time_utc"].endswith("+00:00")
    assert rows[0]["time_practice_zone"][-6:] in ("-05:00", "-06:00")  # Chicago
    # The export is itself recorded, and only it: the download wrote nothing else.
    assert events()[-1] == ("audit.export", "practice", counselor.practice_id, "198.51.100.23")
    everything = csv_rows(logged_in.get("/settings/audit.csv").get_data())
    assert "audit.export" in [r["action"] for r in everything]
