"""services/couples/erasure.py: a couple's client text erased, counts kept, and the canary
search — after erasing, no table, file of the instance or log line holds any value that
identified the couple or that they wrote."""

from __future__ import annotations

import email
import email.policy
import io
import logging
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from counselor import timeutil
from counselor.extensions import db
from counselor.models import (
    Assignment,
    AuditEvent,
    CheckIn,
    ClientLink,
    Couple,
    CoupleStatus,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
    OutboxStatus,
    ReplyKind,
    ReportStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from counselor.services.couples import couples, erasure, export, links
from counselor.services.couples.couples import CoupleInput, PartnerInput
from counselor.services.delivery import mail, notifications, outbox, webhook_health, webhooks
from counselor.services.errors import InvalidInput
from counselor.services.homework import assignments
from counselor.services.homework import practice_ladder_edits as edits
from counselor.services.homework.practice_ladder_input import StepInput
from counselor.services.reports import pre_session
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.clock import NOW, TODAY

TAG = "cnry" + secrets.token_hex(4)
LAST_WEEK = timeutil.week_start(TODAY) - timedelta(weeks=1)


def canary(what: str) -> str:
    return f"{TAG}{what}"


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    return caplog


@pytest.fixture
def planted(clock, actor, counselor):
    """A couple whose every client field carries the tag, with a rendered report, emails
    sent to .eml files, one still waiting, a link and a webhook waiting."""
    couple = couples.create_couple(
        actor,
        CoupleInput(
            label=canary("label"),
            external_id=canary("ext"),
            partners=[
                PartnerInput(canary("Ann"), f"{canary('ann')}@example.org", "America/Chicago"),
                PartnerInput(canary("Bob"), f"{canary('bob')}@example.org", "America/Chicago"),
            ],
        ),
    )
    ann, bob = couple.partners
    step = factories.AssignmentFactory(
        couple=couple,
        title=canary("title"),
        instructions=canary("instructions"),
        # A snapshot of the step's words in other languages: the instructions in full.
        translations={"es": {"title": canary("es title"), "instructions": canary("es text")}},
        starts_on=TODAY - timedelta(weeks=2),
    )
    check_ins = [
        factories.CheckInFactory(
            assignment=step,
            partner=partner,
            occurred_on=TODAY - timedelta(days=day),
            comfort=4,
            reflection=canary(f"reflection{day}"),
        )
        for day, partner in enumerate((ann, bob, ann))
    ]
    # What came back: Bob's acknowledgement of Ann's leaning act, his reply to her
    # reflection, the counselor's note on it, and the weekly check-in's answers.
    factories.make_acknowledgement(check_ins[0], felt_valued=5, note=canary("ack note"))
    factories.make_reflection_reply(check_ins[0], body=canary("partner reply"))
    factories.make_reflection_reply(
        check_ins[0], ReplyKind.COUNSELOR, body=canary("counselor note"), removed_at=NOW
    )
    item = factories.make_weekly_item()
    for partner, score in ((ann, 2), (bob, 4)):
        factories.make_weekly_answer(partner, item, LAST_WEEK, score)
    session = factories.SessionFactory(
        couple=couple,
        starts_at=NOW + timedelta(hours=10),
        external_id=canary("session"),
        agenda=canary("agenda"),
    )
    factories.SessionFactory(
        couple=couple, starts_at=NOW - timedelta(days=7), notes=canary("notes")
    )
    report = pre_session.request_report(actor, couple.id, session.id)
    report.requested_by = pre_session.SCHEDULED  # so the counselor is emailed too
    pre_session.generate_report(report.id)
    assert report.status == ReportStatus.READY
    sent = [notifications.send_link(actor, ann.id, send_now=True).id]
    sent += [notifications.send_link(actor, bob.id, send_now=True).id]
    sent += list(
        db.session.scalars(sa.select(OutboxEmail.id).where(OutboxEmail.report_id == report.id))
    )
    outbox.deliver(mail.EMAILS, sent)
    waiting = mail.queue_email(ann, EmailKind.REMINDER, not_before=NOW + timedelta(days=1))
    links.issue_link(bob, LinkPurpose.HOMEWORK)
    db.session.add(
        WebhookEndpoint(
            practice_id=couple.practice_id,
            url="https://example.org/hook",
            secret="whsec_" + "a" * 32,
            events="checkin.created",
        )
    )
    webhook_health.endpoints_changed(couple.practice_id)  # what create_endpoint does
    db.session.flush()
    [delivery_id] = webhooks.emit(
        couple.practice_id, "checkin.created", {"checkin_id": 1, "couple_id": couple.id}
    )
    db.session.flush()
    return {
        "couple": couple,
        "report": report,
        "waiting": waiting,
        "delivery_id": delivery_id,
        "check_ins": check_ins,
    }


def test_nothing_with_the_couple_s_text_is_left_anywhere(app, every_log, planted, actor):
    couple, report = planted["couple"], planted["report"]
    files = instance_files(app)
    assert any(TAG in text for text in files.values()), "the PDF and emails held the canaries"
    holding = tables_holding(TAG)
    assert len(holding) >= 9, "names, emails, label, ids, texts were stored"
    assert {"acknowledgements.note", "reflection_replies.body"} <= set(holding)
    assert "assignments.translations" in holding

    erasure.erase_couple(actor, couple)
    db.session.flush()
    db.session.expire_all()

    assert tables_holding(TAG) == []
    left = {path: text for path, text in instance_files(app).items() if TAG in text}
    assert left == {}
    logged = [line for line in logged_lines(every_log.records) if TAG in line]
    assert logged == []
    assert not (
        Path(app.config["REPORTS_DIR"]) / str(couple.practice_id) / report.file_name
    ).exists()


@pytest.fixture
def fresh_tag(monkeypatch: pytest.MonkeyPatch) -> str:
    """A tag no earlier test of this process wrote, even in a transaction rolled back."""
    tag = "cnry" + secrets.token_hex(4)
    monkeypatch.setattr(sys.modules[__name__], "TAG", tag)
    return tag


@pytest.mark.committed_db
def test_the_sqlite_file_itself_keeps_no_erased_bytes(fresh_tag, database_url, planted, actor):
    """The rows say nothing; the file must not either (free pages, freed cells, the WAL):
    SQLite runs with secure_delete on. PostgreSQL's own pages are the server's to vacuum
    (docs/data-export.md)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the bytes of SQLite's file; PostgreSQL's are the server's")
    db.session.commit()
    assert fresh_tag.encode() in _database_file_bytes(), "the canaries were written"

    erasure.erase_couple(actor, planted["couple"])
    db.session.commit()

    assert fresh_tag.encode() not in _database_file_bytes()


def _database_file_bytes() -> bytes:
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    path = Path(str(db.engine.url.database))
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_counts_stay_and_everything_stops(planted, actor, clock):
    couple = planted["couple"]
    check_ins_before = export.export_couple(actor, couple)["checkins"]

    result = erasure.erase_couple(actor, couple)

    db.session.expire_all()
    assert result.erased_at == clock.now and not result.already_erased
    assert couple.label == f"Erased couple #{couple.id}" and couple.external_id is None
    assert (couple.status, couple.erased_at) == (CoupleStatus.CLOSED, clock.now)
    assert couple.closed_at == clock.now
    assert [p.first_name for p in couple.partners] == ["Partner 1", "Partner 2"]
    assert all(p.email.endswith(".invalid") for p in couple.partners)
    after = export.export_couple(actor, couple)
    assert [(c["occurred_on"], c["comfort"]) for c in after["checkins"]] == [
        (c["occurred_on"], c["comfort"]) for c in check_ins_before
    ]
    assert all(c["reflection"] is None for c in after["checkins"])
    assert len(after["assignments"]) == 1 and after["assignments"][0]["instructions"] == ""
    [report] = after["reports"]
    assert report["file_purged_at"] == clock.now and report["sha256"]
    assert not db.session.scalar(
        sa.select(sa.func.count()).select_from(ClientLink).where(ClientLink.revoked_at.is_(None))
    )
    assert db.session.get(OutboxEmail, planted["waiting"].id).status == OutboxStatus.CANCELLED
    delivery = db.session.get(WebhookDelivery, planted["delivery_id"])
    assert delivery.status == OutboxStatus.CANCELLED
    sent = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.status == OutboxStatus.SENT))
    assert len(list(sent)) == 3, "the history of emails stays"
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == couple.id)
    )
    assert "couple.erase" in list(actions)


def test_a_step_keeps_the_title_of_the_ladder_step_it_was_given_from(actor, counselor, couple):
    practice_words = StepInput(
        "Tell them one small worry",
        "Once a day, name one small worry.",
        5,
        "each",
        translations={"es": {"title": "Cuenta una preocupación", "instructions": "Una."}},
    )
    edits.save_step(counselor, "share-a-minor-worry", practice_words)
    own_key = edits.add_step(
        counselor, factories.rung(1).id, StepInput("Our own step", "Do it.", 2, "each")
    ).template_key
    base = factories.template("hand-over-a-chore")

    def give(**fields):
        return assignments.assign_homework(
            actor, couple.id, assignments.AssignmentInput(notify=False, **fields)
        )

    steps = {
        "practice text": give(template_key="share-a-minor-worry"),
        "practice text reworded": give(
            template_key="share-a-minor-worry", title="Tell Sam about the biopsy",
            allow_duplicate=True,
        ),
        "own step": give(template_key=own_key),
        "base": give(template_key=base.key),
        "custom": give(
            rung_id=factories.rung(3).id, title="Call his mother", instructions="Sunday.",
            times_per_week=1,
        ),
    }  # fmt: skip
    assert steps["practice text"].translations  # given with the practice's Spanish

    erasure.erase_couple(actor, couple)

    db.session.expire_all()
    erased = {name: db.session.get(Assignment, step.id) for name, step in steps.items()}
    assert {name: step.title for name, step in erased.items()} == {
        "practice text": practice_words.title,
        "practice text reworded": practice_words.title,
        "own step": "Our own step",
        "base": base.title,
        "custom": erasure.GENERIC_STEP_TITLE,
    }
    for step in erased.values():
        assert (step.instructions, step.translations, step.words_from_ladder) == ("", None, False)


def test_what_came_back_loses_its_words_and_keeps_its_figures(planted, actor):
    """Acknowledgements keep noticed / felt valued and lose their note; replies keep their
    rows (kind, author, dates; the body is required, so it becomes ""); the weekly
    check-in's scores are figures, like comfort ratings, and stay."""
    couple = planted["couple"]
    before = export.export_couple(actor, couple)

    erasure.erase_couple(actor, couple)

    db.session.expire_all()
    after = export.export_couple(actor, couple)
    [acknowledgement] = after["acknowledgements"]
    assert acknowledgement["note"] is None
    assert (acknowledgement["noticed"], acknowledgement["felt_valued"]) == ("yes", 5)
    assert [r["body"] for r in after["reflection_replies"]] == ["", ""]
    assert [_without(r, "body") for r in after["reflection_replies"]] == [
        _without(r, "body") for r in before["reflection_replies"]
    ]
    assert after["weekly_answers"] == before["weekly_answers"]
    assert sorted(a["score"] for a in after["weekly_answers"]) == [2, 4]


def test_erasure_leaves_another_couple_s_replies_and_notes_alone(planted, actor, counselor):
    other = factories.CoupleFactory(counselor=counselor)
    check_in = factories.CheckInFactory(
        assignment=factories.AssignmentFactory(couple=other), reflection="Ours"
    )
    factories.make_acknowledgement(check_in, note="Their note")
    factories.make_reflection_reply(check_in, body="Their reply")

    erasure.erase_couple(actor, planted["couple"])

    db.session.expire_all()
    kept = export.export_couple(actor, other)
    assert [a["note"] for a in kept["acknowledgements"]] == ["Their note"]
    assert [r["body"] for r in kept["reflection_replies"]] == ["Their reply"]


def _without(row: dict, key: str) -> dict:
    return {k: v for k, v in row.items() if k != key}


def test_erasing_twice_answers_the_same_and_changes_nothing(planted, actor, clock):
    couple = planted["couple"]
    first = erasure.erase_couple(actor, couple)
    clock.advance(hours=1)

    second = erasure.erase_couple(actor, couple)

    assert second.erased_at == first.erased_at and second.already_erased
    erase_events = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "couple.erase", AuditEvent.object_id == couple.id)
    )
    assert erase_events == 1


def test_an_erased_couple_gets_no_homework_links_emails_or_reopening(planted, actor):
    couple = planted["couple"]
    erasure.erase_couple(actor, couple)

    with pytest.raises(InvalidInput, match="erased"):
        couples.set_status(actor, couple.id, CoupleStatus.ACTIVE)
    with pytest.raises(InvalidInput, match="erased"):
        couples.update_couple(
            actor,
            couple.id,
            CoupleInput(
                label="Back again",
                partners=[PartnerInput.of(p) for p in couple.partners],
            ),
        )
    with pytest.raises(InvalidInput, match="closed"):
        assignments.assign_homework(actor, couple.id, _step_input())
    with pytest.raises(InvalidInput, match="active"):
        notifications.send_link(actor, couple.partners[0].id)
    step = db.session.scalar(
        sa.select(Assignment).join(CheckIn, CheckIn.assignment_id == Assignment.id)
    )
    assert notifications.notify_new_step(step) == []
    assert db.session.get(Couple, couple.id).status == CoupleStatus.CLOSED


def _step_input():
    from counselor.services.homework.assignments import AssignmentInput

    return AssignmentInput(template_key="hand-over-a-chore")


def tables_holding(needle: str) -> list[str]:
    """``table.column`` of every text or JSON column of every table holding ``needle``
    (JSON such as a step's translations: its words in other languages)."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.JSON):
                as_text = sa.cast(column, sa.Text)
            elif isinstance(column.type, sa.String | sa.Text):
                as_text = sa.type_coerce(column, sa.String)
            else:
                continue
            hits = db.session.scalar(
                across_practices(
                    sa.select(sa.func.count()).select_from(table).where(as_text.contains(needle))
                )
            )
            if hits:
                found.append(f"{table.name}.{column.name}")
    return found


def instance_files(app) -> dict[str, str]:
    """Every file of the instance (the app's instance folder, the reports folder and the
    mail outbox), as text: emails decoded, PDFs' text extracted, raw bytes too."""
    roots = {Path(app.instance_path), Path(app.config["REPORTS_DIR"])}
    roots.add(Path(app.config["MAIL_OUTBOX_DIR"]))
    texts = {}
    for root in roots:
        for path in root.rglob("*") if root.exists() else []:
            if path.is_file():
                texts[str(path)] = readable(path)
    return texts


def readable(path: Path) -> str:
    data = path.read_bytes()
    text = data.decode("utf-8", "replace")
    if path.suffix == ".eml":
        message = email.message_from_bytes(data, policy=email.policy.default)
        parts = [str(message["To"]), str(message["Subject"])]
        parts += [
            part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
        ]
        text += "\n".join(parts)
    if path.suffix == ".pdf":
        text += " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text


def logged_lines(records: list[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in records]


def test_the_cli_erases_only_with_yes(app, clock, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    runner = app.test_cli_runner()

    refused = runner.invoke(args=["couple", "erase", "--couple", str(couple.id)])
    db.session.expire_all()
    assert refused.exit_code == 2 and "can't be undone" in refused.output
    assert couple.erased_at is None

    done = runner.invoke(args=["couple", "erase", "--couple", str(couple.id), "--yes"])
    again = runner.invoke(args=["couple", "erase", "--couple", str(couple.id), "--yes"])
    db.session.expire_all()
    assert done.exit_code == 0 and f"Erased couple #{couple.id}" in done.output
    assert again.exit_code == 0 and "already erased" in again.output
    assert couple.erased_at == clock.now


def test_a_report_rendering_while_the_couple_is_erased_keeps_no_pdf(
    actor, counselor, clock, monkeypatch
):
    """The erasure lands between the worker's render and its claim of the report: the
    report stays failed and its PDF is not kept."""
    couple = factories.CoupleFactory(counselor=counselor)
    session = factories.SessionFactory(couple=couple, starts_at=NOW + timedelta(hours=10))
    report = pre_session.request_report(actor, couple.id, session.id)
    render = pre_session.render_pre_session_report

    def erased_meanwhile(data):
        pdf = render(data)
        erasure.erase_couple(actor, couple)
        return pdf

    monkeypatch.setattr(pre_session, "render_pre_session_report", erased_meanwhile)
    pre_session.generate_report(report.id)

    assert report.status == ReportStatus.FAILED
    assert list((pre_session.reports_dir() / str(couple.practice_id)).glob("*.pdf")) == []
