"""*Print steps* (dashboard/handout.py, services/reports/handout.py): the couple's active
steps for this week or the next as a PDF download, audited as a read, holding nothing the
couple wrote and nothing of the counselor's; another practice's couple, or a colleague's
for a counselor kept to their own, is a 404."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from counselor.extensions import db
from counselor.models import (
    Assignee,
    AssignmentStatus,
    AuditEvent,
    Counselor,
    CounselorRole,
    Couple,
)
from counselor.services.reports.handout import file_name
from reports.paper import A4_NAME, LETTER_NAME, page_size
from tests.support import factories
from tests.support.clock import TODAY
from tests.support.helpers import login, row_counts
from tests.support.pdf_text import squashed

MONDAY = TODAY - timedelta(days=TODAY.weekday())  # Mon 11 May 2026


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def handout_events(couple_id: int) -> list[tuple[str, int | None]]:
    return [
        (event.action, event.object_id)
        for event in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "couple.handout_printed")
        )
        if event.object_id == couple_id
    ]


@pytest.fixture
def busy_couple(clock, counselor: Counselor) -> Couple:
    """Three active steps (each partner, together, one partner), a finished, a cancelled
    and a later one, and what must never go home: a reflection, an agenda, notes."""
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="Zoë & José M.",
        partners=[{"first_name": "Zoë"}, {"first_name": "José"}],
    )
    started = MONDAY - timedelta(weeks=2)
    worry = factories.AssignmentFactory(
        couple=couple, title="Share a minor worry", starts_on=started
    )
    factories.AssignmentFactory(
        couple=couple,
        title="Plan a shared evening",
        instructions="Choose one evening together and protect it.",
        assignee=Assignee.TOGETHER,
        times_per_week=1,
        starts_on=started,
    )
    factories.AssignmentFactory(
        couple=couple,
        title="Ask for a lift",
        assignee=Assignee.PARTNER,
        assignee_partner_id=couple.partners[1].id,
        times_per_week=2,
        starts_on=started,
    )
    for title, status in (
        ("Finished step", AssignmentStatus.COMPLETED),
        ("Cancelled step", AssignmentStatus.CANCELLED),
    ):
        factories.AssignmentFactory(
            couple=couple, title=title, status=status, starts_on=started, ended_on=TODAY
        )
    factories.AssignmentFactory(couple=couple, title="Later step", starts_on=MONDAY + timedelta(9))
    factories.CheckInFactory(
        assignment=worry, occurred_on=TODAY, comfort=2, reflection="Private reflection words"
    )
    factories.SessionFactory(couple=couple, agenda="Agenda words", notes="Session notes words")
    db.session.commit()
    return couple


def test_prints_this_weeks_active_steps_as_a_pdf_download(logged_in, busy_couple):
    before = row_counts()
    response = logged_in.get(f"/couples/{busy_couple.id}/handout.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="steps-zoe-jose-m-2026-05-11.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    for expected in (
        "Zoë & José M.",
        "Your steps for the week of 11 – 17 May 2026",
        "Share a minor worry",
        "Each of you, 3 times a week",
        "Plan a shared evening",
        "Together, once a week",
        "Choose one evening together and protect it.",
        "Ask for a lift",
        "Only José, twice a week",
        "Mon 11",
        "Sun 17",
    ):
        assert expected in text, expected
    for absent in (
        "Finished step",
        "Cancelled step",
        "Later step",
        "Private reflection words",
        "Agenda words",
        "Session notes words",
    ):
        assert absent not in text, absent
    assert len(PdfReader(BytesIO(response.data)).pages) == 1

    db.session.expire_all()
    after = row_counts()
    assert after.pop("audit_events") == before.pop("audit_events") + 1
    assert after == before  # the read's audit event is the only write
    assert handout_events(busy_couple.id) == [("couple.handout_printed", busy_couple.id)]


def test_next_week_on_request(logged_in, busy_couple):
    response = logged_in.get(f"/couples/{busy_couple.id}/handout.pdf?week=next")
    assert response.status_code == 200
    assert "steps-zoe-jose-m-2026-05-18.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    assert "Your steps for the week of 18 – 24 May 2026" in text
    assert "Later step" in text  # it starts that week, on the Wednesday
    assert squashed("Each of you, 3 times a week · from Wed 20 May") in squashed(text)
    # Anything but "next" is this week, as without the argument.
    other = logged_in.get(f"/couples/{busy_couple.id}/handout.pdf?week=later")
    assert "2026-05-11" in other.headers["Content-Disposition"]


def test_same_titled_steps_are_told_apart_as_on_the_couple_page(clock, logged_in, couple):
    for weeks_ago in (3, 1):
        factories.AssignmentFactory(
            couple=couple, title="Ask for a lift", starts_on=MONDAY - timedelta(weeks=weeks_ago)
        )
    db.session.commit()
    text = squashed(pdf_text(logged_in.get(f"/couples/{couple.id}/handout.pdf").data))
    assert squashed("Ask for a lift (from 20 Apr)") in text
    assert squashed("Ask for a lift (from 4 May)") in text


@pytest.mark.parametrize(
    ("choice", "timezone", "paper"),
    [
        (None, "America/Chicago", LETTER_NAME),
        (None, "Europe/Berlin", A4_NAME),
        ("a4", "America/Chicago", A4_NAME),
        ("letter", "Europe/Berlin", LETTER_NAME),
    ],
)
def test_the_paper_follows_the_practice(clock, logged_in, couple, choice, timezone, paper):
    couple.practice.paper_size, couple.practice.timezone = choice, timezone
    factories.AssignmentFactory(couple=couple, starts_on=MONDAY)
    db.session.commit()
    response = logged_in.get(f"/couples/{couple.id}/handout.pdf")
    box = PdfReader(BytesIO(response.data)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(page_size(paper))


def test_another_practices_couple_is_not_found(clock, logged_in):
    theirs = factories.CoupleFactory()
    factories.AssignmentFactory(couple=theirs, title="Their step")
    db.session.commit()
    response = logged_in.get(f"/couples/{theirs.id}/handout.pdf")
    assert response.status_code == 404
    assert b"Their step" not in response.data
    assert handout_events(theirs.id) == []


def test_a_counselor_kept_to_their_own_couples_cannot_print_a_colleagues(
    app, clock, counselor, actor
):
    staff, colleague = (
        factories.CounselorFactory(practice=counselor.practice, role=CounselorRole.COUNSELOR)
        for _ in range(2)
    )
    mine = factories.CoupleFactory(counselor=staff)
    theirs = factories.CoupleFactory(counselor=colleague)
    factories.AssignmentFactory(couple=theirs, title="Colleague's step")
    db.session.commit()
    client = app.test_client()
    login(client, staff.email, factories.PASSWORD)

    assert client.get(f"/couples/{mine.id}/handout.pdf").status_code == 200
    refused = client.get(f"/couples/{theirs.id}/handout.pdf")
    assert refused.status_code == 404 and b"Colleague" not in refused.data

    counselor.practice.staff_see_all_couples = True
    db.session.commit()
    shown = client.get(f"/couples/{theirs.id}/handout.pdf")
    assert shown.status_code == 200 and "Colleague's step" in pdf_text(shown.data)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Zoë & José M.", "steps-zoe-jose-m-2026-05-11.pdf"),
        ("יוסף ושרה", "steps-couple-2026-05-11.pdf"),
        ('Sam "x"; filename=evil.exe\r\n', "steps-sam-x-filename-evil-exe-2026-05-11.pdf"),
        ("a" * 120, f"steps-{'a' * 60}-2026-05-11.pdf"),
    ],
)
def test_the_file_name_is_ascii_and_safe(label: str, expected: str):
    assert file_name(label, date(2026, 5, 11)) == expected
