"""A claim's emails composed together (mail._prepare_chunk, partner_emails.PartnerEmails):
a constant number of statements per chunk whatever it holds, each email what it would be
composed alone, in its partner's language, and none to a partner who must not get one.
Sent to the real SMTP server of tests/support."""

from __future__ import annotations

import dataclasses
import itertools
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from celery.exceptions import SoftTimeLimitExceeded

from counselor.extensions import db
from counselor.models import (
    Assignee,
    CoupleStatus,
    EmailDetail,
    EmailKind,
    LinkPurpose,
    OutboxEmail,
    OutboxStatus,
)
from counselor.services.couples import links
from counselor.services.delivery import mail, outbox, outbox_chunk
from tests.support import factories
from tests.support.clock import NOW, TODAY
from tests.support.helpers import count_statements
from tests.support.mailserver import LINK_PATTERN

pytestmark = pytest.mark.usefixtures("clock", "actor")

LANGUAGES = ("en", "es", "de")
SUBJECTS = {
    "en": "A gentle reminder about this week's steps",
    "es": "Un pequeño recordatorio sobre los pasos de esta semana",
    "de": "Eine kleine Erinnerung an die Schritte dieser Woche",
}
ANY_LINK = re.compile(r"https?://[^\s\"'<>]+/[pu]/[A-Za-z0-9_-]+")


def partners_with_homework(counselor, couples: int) -> list:
    """Couples with an each-step (some done this week), a together step, partners in
    English, Spanish and German; the practice lists titles, so emails name steps."""
    languages = itertools.cycle(LANGUAGES)
    made = []
    for n in range(couples):
        couple = factories.CoupleFactory(
            counselor=counselor,
            partners=[{"language": next(languages)}, {"language": next(languages)}],
        )
        each = factories.AssignmentFactory(couple=couple, title=f"Ask for a lift {n % 3}")
        factories.AssignmentFactory(
            couple=couple,
            title="Walk together",
            assignee=Assignee.TOGETHER,
            times_per_week=2,
            due_on=TODAY + timedelta(days=1),
        )
        for day in range(n % 4):
            factories.CheckInFactory(assignment=each, occurred_on=TODAY - timedelta(days=day))
        made += couple.partners
    counselor.practice.email_detail = EmailDetail.TITLES
    db.session.commit()
    return made


def reminders(partners) -> list[int]:
    ids = [mail.queue_email(p, EmailKind.REMINDER).id for p in partners]
    db.session.commit()
    return ids


def delivered(ids: list[int]) -> tuple[outbox.DeliveryReport, int]:
    """Deliver one chunk; what it reported and the statements it took."""
    with count_statements() as counter:
        report = outbox.deliver(mail.EMAILS, ids)
    return report, len(counter.statements)


def without_links(text: str) -> str:
    """The text with its links (fresh tokens in every email) marked, line ends as sent."""
    return ANY_LINK.sub("<link>", text.replace("\r\n", "\n"))


def test_a_chunk_takes_the_same_statements_for_5_emails_as_for_20(smtp, counselor, monkeypatch):
    # With the default record interval (1 s) a fast chunk is recorded once, at its end.
    # The clock is held still so a loaded machine's slow sends add no record of their
    # own; recording as the interval passes is tested below.
    monkeypatch.setattr(outbox_chunk, "monotonic", lambda: 0.0)
    partners = partners_with_homework(counselor, 13)
    few, many = reminders(partners[:5]), reminders(partners[5:25])

    report_few, statements_few = delivered(few)
    report_many, statements_many = delivered(many)

    assert (report_few.done, report_many.done) == (few, many)
    assert statements_few == statements_many
    # Claim (3), the chunk's rows (partners, steps, check-in counts, latest check-ins),
    # its links (one executemany) and its results (one executemany).
    assert statements_many <= 9
    assert len(smtp.messages) == 25


def test_each_email_of_a_chunk_is_the_one_composed_alone(smtp, counselor):
    partners = partners_with_homework(counselor, 6)
    ids = reminders(partners)

    assert outbox.deliver(mail.EMAILS, ids).done == ids
    emails = {
        e.partner_id: e for e in db.session.query(OutboxEmail).filter(OutboxEmail.id.in_(ids))
    }
    for received, partner in zip(smtp.messages, partners, strict=True):
        alone = mail.build_message(emails[partner.id])  # as the per-email path composed it
        assert received.recipients == [partner.email]
        assert received.message["Subject"] == alone["Subject"] == SUBJECTS[partner.language]
        assert received.message["Message-ID"] == alone["Message-ID"]
        text = alone.get_body(("plain",)).get_content()
        html = alone.get_body(("html",)).get_content()
        assert without_links(received.text) == without_links(text)
        assert without_links(received.html) == without_links(html)
        assert "Walk together" in received.text or partner.language != "en"
        # The links work: the homework link opens this partner's page, the unsubscribe
        # link in the header is theirs.
        token = received.homework_link.rsplit("/", 1)[1]
        link = links.resolve_link(token, LinkPurpose.HOMEWORK)
        assert link is not None and link.partner_id == partner.id
        unsubscribe = received.message["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
        link = links.resolve_link(unsubscribe, LinkPurpose.UNSUBSCRIBE)
        assert link is not None and link.partner_id == partner.id


def test_a_partner_who_must_not_get_one_does_not_and_the_rest_do(smtp, counselor):
    partners = partners_with_homework(counselor, 3)
    ids = reminders(partners)
    partners[0].unsubscribed_at = NOW  # stopped emails; their partner has not
    partners[2].couple.status = CoupleStatus.PAUSED  # both partners of the second couple
    db.session.commit()

    report = outbox.deliver(mail.EMAILS, ids)

    assert sorted(report.cancelled) == [ids[0], ids[2], ids[3]]
    assert report.done == [ids[1], ids[4], ids[5]]
    wanted = [partners[1], partners[4], partners[5]]
    assert [m.recipients for m in smtp.messages] == [[p.email] for p in wanted]
    db.session.expire_all()
    cancelled = [db.session.get(OutboxEmail, i).status for i in report.cancelled]
    assert cancelled == [OutboxStatus.CANCELLED] * 3


def test_a_chunk_writes_each_email_two_links_and_commits_them_before_sending(smtp, counselor):
    partners = partners_with_homework(counselor, 2)
    ids = reminders(partners)

    assert outbox.deliver(mail.EMAILS, ids).done == ids
    for received in smtp.messages:
        assert LINK_PATTERN.search(received.text)
    assert db.session.query(links.ClientLink).count() == 2 * len(ids)


# Recording a claim's results as it is sent (outbox_chunk.py, MAIL_RECORD_EVERY_SECONDS).


class WorkerKilled(BaseException):
    """A hard kill: no handler of the worker's runs."""


def killed_after(sends: int) -> outbox.OutboxKind:
    """The email kind, its real SMTP sender stopped dead after ``sends`` emails."""
    real = mail.EMAILS.open_sender

    @contextmanager
    def open_sender():
        with real() as send:
            count = itertools.count()

            def send_until_killed(email, message):
                if next(count) == sends:
                    raise WorkerKilled
                return send(email, message)

            yield send_until_killed

    return dataclasses.replace(mail.EMAILS, open_sender=open_sender)


def stored_statuses(ids: list[int]) -> list[OutboxStatus]:
    """What the database holds, the worker's unsaved changes dropped."""
    db.session.rollback()
    statement = sa.select(OutboxEmail.status).where(OutboxEmail.id.in_(ids))
    return list(db.session.scalars(statement.order_by(OutboxEmail.id)))


def test_with_no_interval_a_kill_after_k_sends_leaves_only_the_unsent_to_send_again(
    app, smtp, counselor
):
    app.config["MAIL_RECORD_EVERY_SECONDS"] = 0
    ids = reminders(partners_with_homework(counselor, 3))

    with pytest.raises(WorkerKilled):
        outbox.deliver(killed_after(4), ids)

    assert len(smtp.messages) == 4
    # The 4 sent are recorded (never sent again); the rest wait for the lease to run out.
    assert stored_statuses(ids) == [OutboxStatus.SENT] * 4 + [OutboxStatus.SENDING] * 2


def test_by_default_a_fast_chunk_is_recorded_once_after_its_last_send(smtp, counselor, monkeypatch):
    monkeypatch.setattr(outbox_chunk, "monotonic", lambda: 0.0)  # sends well within 1 s
    ids = reminders(partners_with_homework(counselor, 3))

    with pytest.raises(WorkerKilled):
        outbox.deliver(killed_after(4), ids)

    assert stored_statuses(ids) == [OutboxStatus.SENDING] * 6


def test_a_slow_server_has_its_sends_recorded_as_the_interval_passes(
    app, smtp, counselor, monkeypatch
):
    app.config["MAIL_RECORD_EVERY_SECONDS"] = 1.0
    ticks = itertools.count(step=0.6)  # each look at the clock: 0.6 s later
    monkeypatch.setattr(outbox_chunk, "monotonic", lambda: next(ticks))
    ids = reminders(partners_with_homework(counselor, 2))

    with pytest.raises(WorkerKilled):
        outbox.deliver(killed_after(3), ids)

    # Recorded after the 2nd send (1.2 s since the start), not yet after the 3rd.
    assert stored_statuses(ids) == [OutboxStatus.SENT] * 2 + [OutboxStatus.SENDING] * 2


def fails_once(real, *, on_call: int):
    """``real``, but its ``on_call``-th call writes what is pending and then stops at the
    task's soft limit, its commit not made."""
    calls = itertools.count(1)

    def commit():
        if next(calls) == on_call:
            db.session.flush()
            raise SoftTimeLimitExceeded
        return real()

    return commit


@pytest.mark.parametrize(
    ("where", "interval", "expected_sent"),
    [
        ("the commit before sending", 1.0, 0),
        # Stopped while recording the first email: it is recorded, the other 3 given back.
        ("the first record", 0, 1),
        ("the final record", 1.0, 4),
    ],
)
def test_a_soft_limit_while_committing_records_what_was_sent_and_gives_back_the_rest(
    app, smtp, counselor, monkeypatch, where, interval, expected_sent
):
    app.config["MAIL_RECORD_EVERY_SECONDS"] = interval
    ids = reminders(partners_with_homework(counselor, 2))
    if where == "the final record":
        # The claim's commit is the first; the final record's the second.
        monkeypatch.setattr(db.session, "commit", fails_once(db.session.commit, on_call=2))
    else:
        on_call = 1 if where == "the commit before sending" else 2
        real = outbox_chunk.commit_keeping_rows
        monkeypatch.setattr(outbox_chunk, "commit_keeping_rows", fails_once(real, on_call=on_call))

    with pytest.raises(SoftTimeLimitExceeded):
        outbox.deliver(mail.EMAILS, ids)

    assert len(smtp.messages) == expected_sent
    statuses = stored_statuses(ids)
    assert statuses == [OutboxStatus.SENT] * expected_sent + [OutboxStatus.PENDING] * (
        4 - expected_sent
    )
    # Given back, a row's claim is not counted as an attempt; nothing is left "sending".
    attempts = db.session.scalars(
        sa.select(OutboxEmail.attempts).where(OutboxEmail.id.in_(ids)).order_by(OutboxEmail.id)
    )
    assert list(attempts) == [1] * expected_sent + [0] * (4 - expected_sent)
