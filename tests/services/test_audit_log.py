"""Reading the audit trail (services/audit_log.py): the request's address on each event,
pages newest first, the filters, who and what in words, and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent
from counselor.services import audit_log, audit_words
from counselor.services.audit import Actor, record_event
from tests.support import factories
from tests.support.api import make_api_client

pytestmark = pytest.mark.usefixtures("actor")

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
# Actions of sign-in, sessions, second factors, the team, the practice's settings, a
# couple's data and the trail itself: each must have words and a kind (audit_words).
SECURITY_ACTIONS = [
    "auth.login",
    "auth.login_failed",
    "auth.logout",
    "session.end",
    "session.end_all",
    "password.change",
    "password.reset_requested",
    "password.reset",
    "two_factor.totp_enrolled",
    "two_factor.totp_removed",
    "two_factor.passkey_added",
    "two_factor.passkey_removed",
    "two_factor.recovery_codes_made",
    "auth.second_factor",
    "auth.second_factor_failed",
    "counselor.invite",
    "counselor.join",
    "counselor.deactivate",
    "counselor.reactivate",
    "counselor.role",
    "practice.access_settings",
    "practice.retention_settings",
    "couple.export",
    "couple.erase",
    "retention.purge",
    "audit.export",
    "audit.view",
]


def event(actor: Actor, action: str, object_type: str, object_id, at: datetime) -> None:
    record_event(actor, action, object_type, object_id, at=at)
    db.session.flush()


def actions(page: audit_log.AuditPage) -> list[str]:
    return [line.action for line in page.lines]


def test_an_event_in_a_request_carries_its_address_and_one_outside_none(app, actor):
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        record_event(actor, "couple.list", "couple", None)
    record_event(actor, "retention.purge", "practice", actor.practice_id)
    db.session.flush()
    rows = db.session.execute(sa.select(AuditEvent.action, AuditEvent.ip).order_by(AuditEvent.id))
    assert [tuple(r) for r in rows] == [("couple.list", "203.0.113.9"), ("retention.purge", None)]


def test_pages_go_newest_first_and_back_without_gaps_or_repeats(actor):
    for minute in range(7):
        event(actor, "couple.view", "couple", minute + 1, START + timedelta(minutes=minute))
    # Two events in the same instant keep their order by id.
    event(actor, "couple.list", "couple", None, START + timedelta(minutes=6))
    everything = audit_log.AuditFilters()

    first = audit_log.audit_page(everything, size=3)
    assert [line.object_id for line in first.lines] == [None, 7, 6]
    assert first.newer is None and first.older == first.lines[-1].id
    second = audit_log.audit_page(everything, before=first.older, size=3)
    assert [line.object_id for line in second.lines] == [5, 4, 3]
    third = audit_log.audit_page(everything, before=second.older, size=3)
    assert [line.object_id for line in third.lines] == [2, 1]
    assert third.older is None and third.newer == third.lines[0].id
    back = audit_log.audit_page(everything, after=third.newer, size=3)
    assert back.lines == second.lines
    assert back.newer is not None and back.older is not None
    assert audit_log.audit_page(everything, after=back.newer, size=3).lines == first.lines
    assert audit_log.audit_page(everything, after=back.newer, size=3).newer is None


def test_filters_by_counselor_kind_and_dates_in_the_readers_zone(actor, counselor):
    other = factories.CounselorFactory(practice=counselor.practice, name="Other")
    theirs = Actor.for_counselor(other)
    # 05:30 UTC on 3 March is still 2 March in Chicago (UTC-6).
    event(actor, "auth.login", "counselor", counselor.id, datetime(2026, 3, 3, 5, 30, tzinfo=UTC))
    event(theirs, "couple.view", "couple", 1, datetime(2026, 3, 3, 6, 30, tzinfo=UTC))
    event(actor, "password.change", "counselor", counselor.id, datetime(2026, 3, 4, 12, tzinfo=UTC))
    event(actor, "api.GET /couples/{couple_id}", "couple", 1, datetime(2026, 3, 5, 12, tzinfo=UTC))

    def shown(**filters) -> list[str]:
        found = audit_log.audit_page(audit_log.AuditFilters(timezone="America/Chicago", **filters))
        return actions(found)

    assert shown(counselor_id=other.id) == ["couple.view"]
    assert shown(kind="sign_in") == ["auth.login"]
    assert shown(kind="account") == ["password.change"]
    assert shown(kind="reads") == ["api.GET /couples/{couple_id}", "couple.view"]
    assert shown(kind="writes") == []
    assert shown(date_to=date(2026, 3, 2)) == ["auth.login"]
    assert shown(date_from=date(2026, 3, 3), date_to=date(2026, 3, 4)) == [
        "password.change",
        "couple.view",
    ]
    assert shown(kind="no-such-kind") == []


def test_the_couple_filter_finds_everything_about_a_couple_by_label_or_number(actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor, label="Rivera & Chen")
    elsewhere = factories.CoupleFactory(counselor=counselor, label="Okafor")
    assignment = factories.AssignmentFactory(couple=couple)
    checkin = factories.CheckInFactory(assignment=assignment, partner=couple.partners[0])
    session = factories.SessionFactory(couple=couple)
    partner = couple.partners[1]
    at = START
    for action, object_type, object_id in [
        ("couple.view", "couple", couple.id),
        ("assignment.view_form", "assignment", assignment.id),
        ("checkin.edit", "checkin", checkin.id),
        ("session.update", "session", session.id),
        ("partner.send_link", "partner", partner.id),
        ("couple.view", "couple", elsewhere.id),
        ("auth.login", "counselor", counselor.id),
    ]:
        at += timedelta(minutes=1)
        event(actor, action, object_type, object_id, at)
    event(
        Actor("partner", partner.id, counselor.practice_id), "partner.snooze", "partner", None, at
    )

    expected = [
        "partner.snooze",
        "partner.send_link",
        "session.update",
        "checkin.edit",
        "assignment.view_form",
        "couple.view",
    ]
    for asked in ("rivera", "Chen", str(couple.id)):
        page = audit_log.audit_page(audit_log.AuditFilters(couple=asked))
        assert actions(page) == expected, asked
        assert {line.couple_label for line in page.lines} == {"Rivera & Chen"}
    # LIKE's wildcards are plain characters here.
    assert actions(audit_log.audit_page(audit_log.AuditFilters(couple="%"))) == []


def test_who_and_what_in_words(app, actor, counselor):
    couple = factories.CoupleFactory(counselor=counselor, label="Park & Lee")
    partner = couple.partners[0]
    key = factories.CounselorFactory(practice=counselor.practice)  # a second counselor
    practice_id = counselor.practice_id
    api = make_api_client(app, counselor.practice)
    at = START
    for who, action, object_type, object_id in [
        (actor, "couple.view", "couple", couple.id),
        (Actor("partner", partner.id, practice_id), "partner.unsubscribe", "partner", partner.id),
        (
            Actor("api_key", api.key_id, practice_id),
            "api.GET /couples/{couple_id}",
            "couple",
            couple.id,
        ),
        (Actor.system(practice_id), "retention.purge", "practice", practice_id),
        (Actor("anonymous", None, practice_id), "auth.login_failed", "counselor", None),
        (actor, "counselor.deactivate", "counselor", key.id),
        (actor, "couple.view", "couple", 2_000_000_000),  # a couple that is gone
        (actor, "widget.frobnicate", "widget", 3),  # an action nobody has named yet
    ]:
        at += timedelta(minutes=1)
        event(who, action, object_type, object_id, at)
    page = audit_log.audit_page(audit_log.AuditFilters())
    lines = [line for line in page.lines[::-1] if line.action != "api_key.create"]
    described = [
        (line.actor_name, line.words, line.couple_label, line.object_name) for line in lines
    ]
    assert described == [
        (counselor.name, "Viewed the couple page", "Park & Lee", "Park & Lee"),
        (
            "A partner of Park & Lee",
            "Unsubscribed from emails",
            "Park & Lee",
            f"partner {partner.id}",
        ),
        ("API key “Host system”", "API: read a couple", "Park & Lee", "Park & Lee"),
        ("The system", "Purged data past its retention period", None, f"practice {practice_id}"),
        ("Someone not signed in", "Failed sign-in", None, ""),
        (counselor.name, "Deactivated a counselor", None, key.name),
        (counselor.name, "Viewed the couple page", None, "couple 2000000000"),
        (counselor.name, "Widget: frobnicate", None, "widget 3"),
    ]


@pytest.mark.parametrize("action", SECURITY_ACTIONS)
def test_every_security_action_has_words_and_a_kind(action):
    assert action in audit_words.ACTIONS
    assert audit_words.kind_of(action) in audit_words.KINDS


def test_api_requests_read_in_words():
    assert audit_words.action_words("api.GET /couples") == "API: read the couples"
    assert (
        audit_words.action_words("api.PATCH /assignments/{assignment_id}") == "API: changed a step"
    )
    assert audit_words.action_words("api.GET /nowhere") == "API: read /nowhere"
    assert audit_words.kind_of("api.GET /couples/{couple_id}/export") == "exports"
    assert audit_words.kind_of("api.POST /couples") == "writes"


def test_another_practices_events_never_show(actor, counselor):
    stranger = factories.CounselorFactory()
    event(Actor.for_counselor(stranger), "auth.login", "counselor", stranger.id, START)
    event(actor, "auth.login", "counselor", counselor.id, START)
    page = audit_log.audit_page(audit_log.AuditFilters())
    assert [line.actor_id for line in page.lines] == [counselor.id]
    assert [line.actor_id for line in audit_log.every_event(audit_log.AuditFilters())] == [
        counselor.id
    ]
    stranger_event = db.session.scalar(
        sa.select(AuditEvent.id)
        .execution_options(across_practices=True)
        .where(AuditEvent.actor_id == stranger.id)
    )
    # A cursor naming another practice's event leads nowhere.
    assert audit_log.audit_page(audit_log.AuditFilters(), before=stranger_event).lines == []


def test_the_export_reads_in_chunks_and_misses_nothing(actor):
    for minute in range(11):
        event(actor, "couple.view", "couple", minute + 1, START + timedelta(minutes=minute // 2))
    ids = [line.object_id for line in audit_log.every_event(audit_log.AuditFilters(), chunk=3)]
    assert ids == list(range(11, 0, -1))


def test_csv_cells_that_start_like_formulas_are_quoted_and_read_back_as_text(app, actor, counselor):
    counselor.name = '=HYPERLINK("http://x","y")'
    couple = factories.CoupleFactory(counselor=counselor, label="+cmd|' /C calc'!A0")
    event(actor, "couple.view", "couple", couple.id, START)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "::1"}):
        record_event(actor, "couple.update", "couple", couple.id, at=START + timedelta(hours=1))
    db.session.flush()

    text = "".join(
        audit_log.csv_lines(audit_log.every_event(audit_log.AuditFilters()), "Asia/Tokyo")
    )
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == list(audit_log.CSV_HEADER)
    assert len(rows) == 3
    newest = dict(zip(rows[0], rows[1], strict=True))
    assert newest == {
        "time_utc": "2026-03-02T16:00:00+00:00",
        "time_practice_zone": "2026-03-03T01:00:00+09:00",
        "actor_kind": "counselor",
        "actor_id": str(counselor.id),
        "actor_name": '\'=HYPERLINK("http://x","y")',
        "action": "couple.update",
        "action_in_words": "Changed a couple's details",
        "object_type": "couple",
        "object_id": str(couple.id),
        "couple_id": str(couple.id),
        "couple_label": "'+cmd|' /C calc'!A0",
        "ip": "::1",
    }
    for row in rows[1:]:
        assert not any(cell.startswith(audit_log.FORMULA_STARTS) for cell in row), row


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start):
    assert audit_log.neutralised([f"{start}1+1", "plain", None, 7]) == [
        f"'{start}1+1",
        "plain",
        "",
        "7",
    ]
