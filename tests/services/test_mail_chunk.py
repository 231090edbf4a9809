"""A claim's emails composed together (mail._prepare_chunk, email_content.PartnerEmails):
a constant number of statements per chunk whatever it holds, each email what it would be
composed alone, in its partner's language, and none to a partner who must not get one.
Sent to the real SMTP server of tests/support."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest

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
from counselor.services.delivery import mail, outbox
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


def test_a_chunk_takes_the_same_statements_for_5_emails_as_for_20(smtp, counselor):
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
