"""Partner emails on a couple's page: what was last sent, resend a link, resume, revoke links."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import EmailKind, LinkPurpose, OutboxEmail, OutboxStatus
from counselor.services.couples import links
from tests.support import factories
from tests.support.helpers import assign_form, row_counts

# The counselor's practice in scope; the test clock at noon in the partners' zone, where
# emails go at once unless the day already had one.
pytestmark = pytest.mark.usefixtures("actor", "clock")

# Wednesday 13 May 2026, 12:00 in Chicago (the practice's zone).
SENT_AT = datetime(2026, 5, 13, 17, 0, tzinfo=UTC)


def outbox_email(partner, **fields) -> OutboxEmail:
    email = OutboxEmail(
        practice_id=partner.couple.practice_id,
        partner_id=partner.id,
        kind=fields.pop("kind", EmailKind.NEW_STEP),
        **fields,
    )
    db.session.add(email)
    db.session.commit()
    return email


def couple_page(client, couple) -> str:
    response = client.get(f"/couples/{couple.id}")
    assert response.status_code == 200
    return " ".join(response.get_data(as_text=True).split())


def emails() -> list[tuple[int, EmailKind]]:
    return [(e.partner_id, e.kind) for e in db.session.scalars(sa.select(OutboxEmail))]


def test_couple_page_shows_each_partners_last_email_and_its_status(logged_in, couple):
    sent_to, failed_to = couple.partners
    outbox_email(sent_to, kind=EmailKind.LINK, status=OutboxStatus.FAILED, last_error="old")
    outbox_email(sent_to, status=OutboxStatus.SENT, sent_at=SENT_AT)
    outbox_email(
        failed_to, status=OutboxStatus.FAILED, attempts=1, last_error="recipient refused 550"
    )

    html = couple_page(logged_in, couple)

    assert "Last email: new step, sent Wed 13 May 12:00" in html
    assert '<strong class="danger">failed</strong> (recipient refused 550)' in html
    assert "(old)" not in html


def test_couple_page_shows_an_email_still_waiting(logged_in, couple):
    outbox_email(couple.partners[0], status=OutboxStatus.PENDING, attempts=2)

    html = couple_page(logged_in, couple)

    assert "waiting to be sent (attempt 2)" in html
    assert "No email sent yet." in html  # the other partner


def test_couple_page_does_not_call_a_cancelled_email_waiting(logged_in, couple):
    outbox_email(
        couple.partners[0],
        status=OutboxStatus.CANCELLED,
        attempts=1,
        last_error="not sent: the partner stopped emails",
    )

    html = couple_page(logged_in, couple)

    assert "Last email: new step," in html
    assert "waiting to be sent" not in html


def test_stopped_emails_show_a_badge_and_resume_turns_them_back_on(logged_in, couple):
    partner = couple.partners[0]
    partner.unsubscribed_at = timeutil.utcnow()
    db.session.commit()

    html = couple_page(logged_in, couple)
    assert "Stopped emails" in html
    assert f'action="/partners/{partner.id}/resume-emails"' in html
    assert f"Send {partner.first_name} a link" not in html

    response = logged_in.post(f"/partners/{partner.id}/resume-emails")

    assert response.status_code == 302
    db.session.expire_all()
    assert partner.unsubscribed_at is None
    html = couple_page(logged_in, couple)
    assert f"Emails to {partner.first_name} are back on." in html
    assert "Stopped emails" not in html
    assert f"Send {partner.first_name} a link" in html


def test_send_a_link_queues_a_link_email(logged_in, couple):
    partner = couple.partners[1]
    assert f"Send {partner.first_name} a link" in couple_page(logged_in, couple)

    response = logged_in.post(f"/partners/{partner.id}/send-link")

    assert response.status_code == 302
    assert response.location == f"/couples/{couple.id}"
    assert emails() == [(partner.id, EmailKind.LINK)]
    html = couple_page(logged_in, couple)
    assert f"A fresh link is on its way to {partner.first_name}." in html
    assert "Last email: link, waiting to be sent" in html


def test_send_a_link_to_a_partner_who_stopped_emails_is_refused_with_a_reason(logged_in, couple):
    partner = couple.partners[0]
    partner.unsubscribed_at = timeutil.utcnow()
    db.session.commit()

    response = logged_in.post(f"/partners/{partner.id}/send-link")

    assert response.status_code == 302
    assert emails() == []
    assert "stopped emails; resume emails first." in couple_page(logged_in, couple)


def test_revoke_links_makes_links_already_sent_stop_working(logged_in, couple):
    tokens = [links.issue_link(p, LinkPurpose.HOMEWORK) for p in couple.partners]
    db.session.commit()
    assert logged_in.get(f"/p/{tokens[0]}").status_code == 200

    response = logged_in.post(f"/couples/{couple.id}/revoke-links", data={"confirmed": "yes"})

    assert response.status_code == 302
    assert "2 links revoked." in couple_page(logged_in, couple)
    for token in tokens:
        assert logged_in.get(f"/p/{token}").status_code == 404


def test_assigning_with_the_notify_box_unchecked_queues_nothing(logged_in, couple):
    response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form(notify=None))

    assert response.status_code == 302
    assert emails() == []


def test_assigning_with_the_notify_box_checked_emails_each_partner(logged_in, couple):
    response = logged_in.post(f"/couples/{couple.id}/assign", data=assign_form())

    assert response.status_code == 302
    assert sorted(emails()) == sorted((p.id, EmailKind.NEW_STEP) for p in couple.partners)


def test_the_assign_form_has_the_notify_box_ticked(logged_in, couple):
    html = logged_in.get(f"/couples/{couple.id}/assign?template=hand-over-a-chore").get_data(
        as_text=True
    )
    assert 'checked id="notify" name="notify" type="checkbox"' in html


@pytest.mark.parametrize(
    "url",
    [
        "/partners/{partner_id}/send-link",
        "/partners/{partner_id}/resume-emails",
        "/couples/{couple_id}/revoke-links",
    ],
)
def test_another_practices_partner_or_couple_answers_404(logged_in, url):
    foreign = factories.CoupleFactory()
    partner = foreign.partners[0]
    partner.unsubscribed_at = timeutil.utcnow()
    db.session.commit()
    token = links.issue_link(partner, LinkPurpose.HOMEWORK)
    db.session.commit()
    before = row_counts()

    response = logged_in.post(url.format(partner_id=partner.id, couple_id=foreign.id))

    assert response.status_code == 404
    assert row_counts() == before
    db.session.expire_all()
    assert partner.unsubscribed_at is not None
    assert links.resolve_link(token, LinkPurpose.HOMEWORK) is not None


def test_partner_email_actions_need_a_login(client, couple):
    partner = couple.partners[0]
    for url in (
        f"/partners/{partner.id}/send-link",
        f"/partners/{partner.id}/resume-emails",
        f"/couples/{couple.id}/revoke-links",
    ):
        response = client.post(url)
        assert response.status_code == 302
        assert response.location.startswith("/login")
    assert emails() == []


# A link sent from the couple's page keeps the partner's quiet hours and daily cap, unless
# the counselor ticks *Send now*; the page says when it goes.


def quiet_over_noon(partner) -> None:
    """Quiet hours of 11:00 to 14:00: the test clock's noon is inside them."""
    partner.quiet_start_hour, partner.quiet_end_hour = 11, 14
    db.session.commit()


def test_a_link_sent_in_the_partners_quiet_hours_waits_and_the_page_says_until_when(
    logged_in, couple
):
    partner = couple.partners[0]
    quiet_over_noon(partner)

    logged_in.post(f"/partners/{partner.id}/send-link")

    [email] = db.session.scalars(sa.select(OutboxEmail)).all()
    assert email.next_attempt_at == datetime(2026, 5, 13, 19, 0, tzinfo=UTC)  # 14:00 there
    html = couple_page(logged_in, couple)
    assert (
        f"{partner.first_name}&#39;s link will go out Wed 13 May at 14:00, their time: emails "
        "wait for the end of their quiet hours, and go at most one a day. Tick Send now"
    ) in html
    assert "Last email: link, waiting until Wed 13 May 14:00" in html


def test_a_second_email_the_same_day_waits_for_the_next_morning(logged_in, couple):
    partner = couple.partners[0]
    outbox_email(partner, kind=EmailKind.REMINDER, status=OutboxStatus.SENT, sent_at=SENT_AT)

    logged_in.post(f"/partners/{partner.id}/send-link")

    assert "link will go out Thu 14 May at 08:00, their time" in couple_page(logged_in, couple)


def test_send_now_sends_the_link_at_once_even_in_quiet_hours(logged_in, couple):
    partner = couple.partners[0]
    quiet_over_noon(partner)
    assert 'name="send_now"' in couple_page(logged_in, couple)

    logged_in.post(f"/partners/{partner.id}/send-link", data={"send_now": "1"})

    [email] = db.session.scalars(sa.select(OutboxEmail)).all()
    assert email.next_attempt_at is None
    assert f"A fresh link is on its way to {partner.first_name}." in couple_page(logged_in, couple)


def test_the_partner_card_shows_the_hour_reminders_are_sent_at(logged_in, couple):
    """A reminder hour stored inside quiet hours (before forms refused one) is shown as the
    hour reminders actually go, the nearest allowed one."""
    first, second = couple.partners
    first.reminder_hour, second.reminder_hour = 22, 9
    db.session.commit()

    html = couple_page(logged_in, couple)

    assert "reminders at 20:00" in html and "reminders at 22:00" not in html
    assert "reminders at 09:00" in html
