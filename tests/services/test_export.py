"""services/couples/export.py: one document with everything stored about a couple, loaded
with a fixed number of queries, holding no token, link or PDF bytes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import (
    AuditEvent,
    ClientLink,
    EmailKind,
    LinkPurpose,
    Report,
    ReportStatus,
    Visibility,
)
from counselor.services.couples import export, links
from counselor.services.couples.links import partner_actor
from counselor.services.delivery import mail
from counselor.services.homework import checkins
from tests.support import factories
from tests.support.clock import NOW, TODAY
from tests.support.helpers import count_statements

pytestmark = pytest.mark.usefixtures("clock")


def fill(couple, steps: int = 1, check_ins_per_step: int = 2) -> None:
    """Rows of every kind for the couple: steps, check-ins, a session, a report, an email,
    a link."""
    for n in range(steps):
        step = factories.AssignmentFactory(
            couple=couple, title=f"Step {n}", starts_on=TODAY - timedelta(weeks=2)
        )
        for day in range(check_ins_per_step):
            factories.CheckInFactory(
                assignment=step,
                partner=couple.partners[day % 2],
                occurred_on=TODAY - timedelta(days=day),
                comfort=3,
                reflection=f"reflection {n}-{day}",
            )
    session = factories.SessionFactory(
        couple=couple, starts_at=NOW + timedelta(days=2), agenda="Money, then the holidays"
    )
    db.session.add(
        Report(
            practice_id=couple.practice_id,
            couple_id=couple.id,
            session_id=session.id,
            status=ReportStatus.READY,
            file_name="report-1.pdf",
            sha256="ab" * 32,
            size_bytes=1234,
            requested_by="schedule",
        )
    )
    mail.queue_email(couple.partners[0], EmailKind.NEW_STEP)
    links.issue_link(couple.partners[0], LinkPurpose.HOMEWORK)
    db.session.flush()


def test_the_document_holds_the_couple_partners_homework_and_history(actor, couple, partner):
    couple.external_id = "ehr-77"
    fill(couple)
    [check_in, *_] = sorted(
        (c for c in _check_ins(couple)), key=lambda c: (c.partner_id != partner.id, c.id)
    )
    check_in.visibility = Visibility.SHARED
    checkins.withdraw_reflection(partner_actor(partner), partner, check_in.id)

    document = export.export_couple(actor, couple)

    assert document["format_version"] == export.FORMAT_VERSION
    assert document["exported_at"] == NOW
    assert document["practice"]["id"] == couple.practice_id
    assert (
        document["couple"].items()
        >= {
            "id": couple.id,
            "label": couple.label,
            "status": "active",
            "external_id": "ehr-77",
        }.items()
    )
    assert [p["first_name"] for p in document["partners"]] == [
        p.first_name for p in couple.partners
    ]
    assert [p["email"] for p in document["partners"]] == [p.email for p in couple.partners]
    assert document["assignments"][0]["title"] == "Step 0"
    assert document["assignments"][0]["rung"]["position"] == 2
    reflections = {c["reflection"] for c in document["checkins"]}
    assert reflections == {"reflection 0-0", "reflection 0-1"}
    withdrawn = [c for c in document["checkins"] if c["reflection_withdrawn_at"]]
    assert [c["id"] for c in withdrawn] == [check_in.id]
    [session] = document["sessions"]
    assert (session["agenda"], session["notes"]) == ("Money, then the holidays", None)
    [report] = document["reports"]
    assert (report["file_name"], report["sha256"]) == ("report-1.pdf", "ab" * 32)
    [email] = document["emails"]
    assert (email["kind"], email["to"], email["status"]) == ("new_step", "partner", "pending")
    [link] = document["links"]
    assert link["purpose"] == "homework"


def test_no_token_hash_or_pdf_bytes_and_every_value_is_json(actor, couple):
    fill(couple)
    token_hashes = list(db.session.scalars(sa.select(ClientLink.token_hash)))

    text = export.to_json(export.export_couple(actor, couple))

    parsed = json.loads(text)
    assert parsed["exported_at"] == NOW.isoformat()
    assert token_hashes and not any(h in text for h in token_hashes)
    assert "token" not in text and "%PDF" not in text


def test_exporting_is_audited(actor, couple):
    export.export_couple(actor, couple)

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "couple.export"))
    assert (event.object_type, event.object_id, event.actor_id) == ("couple", couple.id, actor.id)


def test_the_number_of_queries_does_not_grow_with_the_couple(actor, counselor):
    small, large = (
        factories.CoupleFactory(counselor=counselor),
        factories.CoupleFactory(counselor=counselor),
    )
    fill(small, steps=1, check_ins_per_step=1)
    fill(large, steps=6, check_ins_per_step=10)
    db.session.expire_all()

    counts = []
    for couple in (small, large):
        db.session.refresh(couple)
        with count_statements() as counter:
            document = export.export_couple(actor, couple)
            db.session.flush()  # the audit event's INSERT counts too
        counts.append(counter.count)
    assert len(document["checkins"]) == 60
    assert counts[0] == counts[1], counts
    assert counts[1] <= 14


def _check_ins(couple):
    from counselor.models import Assignment, CheckIn

    return db.session.scalars(
        sa.select(CheckIn)
        .join(Assignment, Assignment.id == CheckIn.assignment_id)
        .where(Assignment.couple_id == couple.id)
    ).all()


def test_the_cli_writes_the_document_to_a_private_file(app, couple, tmp_path):
    output = tmp_path / "export.json"

    result = app.test_cli_runner().invoke(
        args=["couple", "export", "--couple", str(couple.id), "-o", str(output)]
    )

    assert result.exit_code == 0, result.output
    assert json.loads(output.read_text())["couple"]["label"] == couple.label
    assert output.stat().st_mode & 0o777 == 0o600
    assert couple.label not in result.output


def test_the_cli_names_a_couple_that_does_not_exist(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["couple", "export", "--couple", "999999", "-o", str(tmp_path / "x.json")]
    )

    assert result.exit_code == 2 and "no couple with id 999999" in result.output
    assert not (tmp_path / "x.json").exists()
