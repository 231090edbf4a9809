"""A session's agenda and notes, from the couple page to the PDF, in a real browser: the
counselor writes the next session's agenda, prepares the report and finds the agenda on its
page 1; writes notes on the session just held, prepares the next report and finds them in
its "Last time" box. No email of the flow carries either."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from counselor import task_names, tenancy, timeutil
from counselor.extensions import db
from counselor.models import EmailKind, OutboxEmail, Report
from counselor.services.delivery import mail
from counselor.services.reports import pre_session
from tests.support import factories
from tests.support.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.committed_db]

AGENDA = "Agenda marker: the chores list, who does what"
NOTES = "Notes marker: Sam asked for help twice and it went well"


def first_page_text(page, link_name: str) -> str:
    """Download the report behind the first link called ``link_name``; its page 1's text."""
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name).first.click()
    reader = PdfReader(BytesIO(download.value.path().read_bytes()))
    return " ".join(reader.pages[0].extract_text().split())


def prepare_report(page, send_task) -> None:
    """Press *Prepare report now* and do what the worker does with the task it hands over."""
    send_task.forget()
    page.get_by_role("button", name="Prepare report now").first.click()
    page.wait_for_load_state("load")
    (report_id,) = [args[0] for name, args in send_task.calls if name == task_names.GENERATE_REPORT]
    db.session.expire_all()  # what the browser's requests wrote; a worker starts afresh too
    pre_session.generate_report(report_id)
    db.session.commit()
    page.reload()


def test_the_agenda_reaches_page_1_and_the_notes_reach_the_next_report(
    page, app, counselor, send_task
):
    tenancy.enter_practice(counselor.practice_id)
    now = timeutil.utcnow()
    couple = factories.CoupleFactory(
        counselor=counselor,
        label="Alex & Sam R.",
        partners=[{"first_name": "Alex"}, {"first_name": "Sam"}],
    )
    factories.AssignmentFactory(couple=couple, starts_on=now.date() - timedelta(days=20))
    held = factories.SessionFactory(couple=couple, starts_at=now - timedelta(days=6))
    factories.SessionFactory(couple=couple, starts_at=now + timedelta(days=2))
    emails_before = db.session.scalar(sa.select(sa.func.max(OutboxEmail.id))) or 0

    log_in(page, counselor.email, factories.PASSWORD)
    page.goto(f"/couples/{couple.id}")
    page.get_by_role("link", name=re.compile("^Edit agenda")).click()
    page.get_by_label("Agenda").fill(AGENDA)
    page.get_by_role("button", name=re.compile("Save")).click()
    page.wait_for_url(re.compile(rf"/couples/{couple.id}"))
    assert AGENDA in page.locator("#next-session").inner_text()

    prepare_report(page, send_task)
    assert AGENDA in first_page_text(page, "Download PDF")

    page.get_by_role("link", name=re.compile("^Write notes")).first.click()
    page.get_by_label(re.compile("Notes")).fill(NOTES)
    page.get_by_role("button", name="Save notes").click()
    page.wait_for_url(re.compile(rf"/couples/{couple.id}"))
    assert NOTES in page.locator("#history").inner_text()

    prepare_report(page, send_task)
    text = first_page_text(page, "Download PDF")
    assert "Last time" in text, text
    assert NOTES in text, text
    assert held.id  # the notes are the held session's, the last earlier one with notes

    # The emails around a session: a partner's link (sent from the page) and the counselor's
    # "report ready" for the report just made.
    page.get_by_role("button", name=re.compile("^Send Alex a link")).click()
    page.wait_for_load_state("load")
    report = db.session.scalars(sa.select(Report).order_by(Report.id.desc())).first()
    ready = mail.queue_counselor_email(counselor, EmailKind.REPORT_READY)
    ready.report_id = report.id
    db.session.commit()
    new_emails = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.id > emails_before)
    ).all()
    assert {e.kind for e in new_emails} >= {EmailKind.LINK, EmailKind.REPORT_READY}
    for email in new_emails:
        message = mail.build_message(email)
        whole = message.as_string() + "".join(
            part.get_content() for part in message.walk() if not part.is_multipart()
        )
        assert "marker" not in whole, email.kind
