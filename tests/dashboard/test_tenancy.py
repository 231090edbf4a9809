"""Another practice's couples, steps, sessions and counselors are out of reach: every such
URL is a 404. (A colleague's couple, for a counselor kept to their own:
``test_least_privilege.py``.)"""

from __future__ import annotations

import pytest

from counselor.extensions import db
from counselor.models import PasskeyCredential, ReplyKind, Report, ReportStatus
from counselor.services.accounts import sessions
from tests.support import factories
from tests.support.helpers import row_counts

ID_ARGUMENTS = {
    "couple_id",
    "assignment_id",
    "session_id",
    "partner_id",
    "report_id",
    "counselor_session_id",
    "passkey_id",
    "counselor_id",
    "checkin_id",
}


@pytest.fixture
def foreign_ids(app):
    """Ids of another practice's objects, one of each kind."""
    couple = factories.CoupleFactory()
    assignment = factories.AssignmentFactory(couple=couple)
    session = factories.SessionFactory(couple=couple)
    return {
        "couple_id": couple.id,
        "assignment_id": assignment.id,
        "session_id": session.id,
        "partner_id": couple.partners[0].id,
        "report_id": _ready_report(couple).id,
        "passkey_id": _passkey(couple.counselor).id,
        "counselor_session_id": _signed_in_session(couple.counselor).id,
        "counselor_id": couple.counselor_id,
        "checkin_id": _noted_reflection(assignment).id,
    }


def _noted_reflection(assignment):
    """Another practice's reflection with its counselor's note (the note routes)."""
    check_in = factories.CheckInFactory(assignment=assignment, reflection="Theirs")
    factories.make_reflection_reply(check_in, ReplyKind.COUNSELOR, body="Their note")
    return check_in


def _signed_in_session(counselor):
    """Another practice's counselor, signed in somewhere (Settings › Security ends it)."""
    row, _raw_id = sessions.start(counselor, ip=None, user_agent=None, second_factor_done=True)
    db.session.commit()
    return row


def _passkey(counselor):
    """Another practice's counselor's passkey (Settings › Two-step sign-in renames and
    removes one)."""
    passkey = PasskeyCredential(
        practice_id=counselor.practice_id,
        counselor_id=counselor.id,
        credential_id="another-practice-passkey",
        public_key=b"\x00",
        name="Theirs",
    )
    db.session.add(passkey)
    db.session.commit()
    return passkey


def _ready_report(couple):
    report = Report(
        practice_id=couple.practice_id,
        couple_id=couple.id,
        requested_by="test",
        status=ReportStatus.READY,
        file_name="missing.pdf",
        sha256="0" * 64,
    )
    db.session.add(report)
    db.session.commit()
    return report


def dashboard_rules_with_ids(app):
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("dashboard.") and set(rule.arguments) & ID_ARGUMENTS
    ]
    assert len(rules) >= 9, "expected the couple, step and session pages"
    return rules


def test_every_dashboard_route_answers_404_for_another_practice(app, logged_in, foreign_ids):
    before = row_counts()
    visited = []
    for rule in dashboard_rules_with_ids(app):
        url = rule.build({arg: foreign_ids[arg] for arg in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = logged_in.open(url, method=method, data={"status": "completed"})
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            visited.append((method, rule.rule))
    db.session.expire_all()
    after = row_counts()
    # The only rows a refused request may add are audit events of the counselor's own views.
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }
    assert after["audit_events"] == before["audit_events"]
    assert ("POST", "/assignments/<int:assignment_id>/end") in visited
    assert ("POST", "/settings/counselors/<int:counselor_id>/deactivate") in visited
    assert ("POST", "/couples/<int:couple_id>/reflections/<int:checkin_id>/note") in visited


def test_own_ids_work_on_the_same_routes(app, logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    own = {
        "couple_id": couple.id,
        "assignment_id": factories.AssignmentFactory(couple=couple).id,
        "session_id": factories.SessionFactory(couple=couple).id,
    }
    for rule in dashboard_rules_with_ids(app):
        if "GET" in rule.methods and set(rule.arguments) <= set(own):
            url = rule.build({arg: own[arg] for arg in rule.arguments})[1]
            assert logged_in.get(url).status_code == 200, url
