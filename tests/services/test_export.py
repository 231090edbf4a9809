"""services/couples/export.py: one document with everything stored about a couple, loaded
with a fixed number of queries, holding no token, link or PDF bytes."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    AuditEvent,
    ClientLink,
    EmailKind,
    LinkPurpose,
    Noticed,
    ReminderEffect,
    ReplyKind,
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
THIS_WEEK = timeutil.week_start(TODAY)


def fill(couple, steps: int = 1, check_ins_per_step: int = 2) -> None:
    """Rows of every kind for the couple: steps, check-ins with an acknowledgement and a
    reply each, weekly answers and reminder figures (one week and weekday per step), a
    session, a report, an email, a link."""
    item = factories.make_weekly_item()
    for n in range(steps):
        step = factories.AssignmentFactory(
            couple=couple, title=f"Step {n}", starts_on=TODAY - timedelta(weeks=2)
        )
        for day in range(check_ins_per_step):
            check_in = factories.CheckInFactory(
                assignment=step,
                partner=couple.partners[day % 2],
                occurred_on=TODAY - timedelta(days=day),
                comfort=3,
                reflection=f"reflection {n}-{day}",
            )
            factories.make_acknowledgement(check_in, note=f"noticed {n}-{day}")
            factories.make_reflection_reply(check_in, body=f"reply {n}-{day}")
        for partner in couple.partners:
            factories.make_weekly_answer(partner, item, THIS_WEEK - timedelta(weeks=n), 3)
            reminder_effect(partner, weekday=n)
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


def reminder_effect(partner, weekday: int) -> ReminderEffect:
    row = ReminderEffect(
        practice_id=partner.couple.practice_id,
        couple_id=partner.couple_id,
        partner_id=partner.id,
        weekday=weekday,
        window_start=TODAY - timedelta(weeks=8),
        window_end=TODAY,
        reminders=6,
        reminders_followed=4,
        quiet_days=10,
        quiet_days_followed=3,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_what_came_back_from_the_couple_is_in_the_document(actor, couple, counselor):
    """Acknowledgements with their note, both kinds of reply with their words (a removed
    one too), the weekly answers by item key and version, and the reminder figures."""
    ann, bob = couple.partners
    step = factories.AssignmentFactory(couple=couple, starts_on=TODAY - timedelta(weeks=2))
    leaned = factories.CheckInFactory(assignment=step, partner=ann, reflection="Asked Bob")
    acknowledgement = factories.make_acknowledgement(
        leaned, Noticed.NOT_SURE, felt_valued=4, note="I liked being asked"
    )
    partner_reply = factories.make_reflection_reply(leaned, body="Glad you did")
    counselor_note = factories.make_reflection_reply(
        leaned, ReplyKind.COUNSELOR, body="Let's talk about this on Thursday", removed_at=NOW
    )
    item = factories.make_weekly_item(version=2)
    factories.make_weekly_answer(bob, item, THIS_WEEK, score=5)
    reminder_effect(ann, weekday=2)

    document = export.export_couple(actor, couple)

    assert document["acknowledgements"] == [
        {
            "id": acknowledgement.id,
            "checkin_id": leaned.id,
            "partner_id": bob.id,
            "noticed": "not_sure",
            "felt_valued": 4,
            "note": "I liked being asked",
            "visibility": "counselor",
            "created_at": acknowledgement.created_at,
        }
    ]
    replies = {r["kind"]: r for r in document["reflection_replies"]}
    assert (
        replies["partner"].items()
        >= {
            "id": partner_reply.id,
            "checkin_id": leaned.id,
            "partner_id": bob.id,
            "counselor_id": None,
            "body": "Glad you did",
            "removed_at": None,
        }.items()
    )
    assert (
        replies["counselor"].items()
        >= {
            "id": counselor_note.id,
            "partner_id": None,
            "counselor_id": counselor.id,
            "body": "Let's talk about this on Thursday",
            "removed_at": NOW,
        }.items()
    )
    [answer] = document["weekly_answers"]
    assert (
        answer.items()
        >= {
            "partner_id": bob.id,
            "week_start": THIS_WEEK,
            "item_key": item.key,
            "item_version": 2,
            "score": 5,
        }.items()
    )
    [effect] = document["progress"]["reminder_effects"]
    assert (
        effect.items()
        >= {
            "partner_id": ann.id,
            "weekday": 2,
            "reminders": 6,
            "reminders_followed": 4,
            "quiet_days": 10,
            "quiet_days_followed": 3,
        }.items()
    )
    assert document["couple"]["weekly_checkin"] is False
    assert document["couple"]["reveal_together"] is None
    assert [p["reminder_cadence"] for p in document["partners"]] == [None, None]
    assert document["assignments"][0]["leans_on_partner"] is False


def test_another_couple_s_replies_and_answers_are_not_in_the_document(actor, couple, counselor):
    other = factories.CoupleFactory(counselor=counselor)
    fill(other)

    document = export.export_couple(actor, couple)

    assert document["acknowledgements"] == document["reflection_replies"] == []
    assert document["weekly_answers"] == document["progress"]["reminder_effects"] == []


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
    assert len(document["checkins"]) == len(document["reflection_replies"]) == 60
    assert len(document["weekly_answers"]) == len(document["progress"]["reminder_effects"]) == 12
    assert counts[0] == counts[1], counts
    # 14, and one each for acknowledgements, replies, weekly answers and reminder figures
    assert counts[1] <= 18


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
