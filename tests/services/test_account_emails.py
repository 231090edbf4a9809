"""What a counselor's password-reset and invitation emails say (services/delivery/
email_content.py): in plain words, with the link, how long it works and whom it is from —
and no secret but the link: no password or hash, no other token, nothing about any couple,
and no log line with the link, whether the email goes to a file or over SMTP."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import AccountToken, EmailKind, OutboxEmail
from counselor.services.accounts import account_links
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.account_links import (
    INVITE_LINK,
    RESET_LINK,
    body,
    invited_counselor,
    send_waiting_emails,
    written_emails,
)

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def practice_with_a_couple(counselor):
    """Client data the emails must not carry."""
    counselor.practice.name = "Riverside Couples Counselling"
    factories.CoupleFactory(
        counselor=counselor,
        label="Zed & Yara Q.",
        partners=[{"first_name": "Zed"}, {"first_name": "Yara"}],
    )
    return counselor.practice


def every_part(message) -> str:
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    return headers + "\n" + body(message) + "\n" + body(message, "html")


def assert_no_secret_but_the_link(app, message, counselor, link_token: str) -> None:
    text = every_part(message)
    for secret in (app.config["SECRET_KEY"], counselor.password_hash, factories.PASSWORD):
        assert secret not in text
    for client_text in ("Zed", "Yara", "Zed & Yara Q."):
        assert client_text not in text
    tokens = set(RESET_LINK.findall(text)) | set(INVITE_LINK.findall(text))
    assert tokens == {link_token}


def test_the_reset_email_reads_well_and_carries_only_its_link(
    app, counselor, practice_with_a_couple, caplog
):
    caplog.set_level(logging.DEBUG)
    account_links.queue_password_reset(counselor.email)
    db.session.commit()

    assert send_waiting_emails()

    [message] = written_emails(to=counselor.email)
    text = body(message)
    assert message["Subject"] == "Choose a new password"
    assert message["From"].addresses[0].display_name == "Riverside Couples Counselling"
    assert text.startswith(f"Hello {counselor.name},\n")
    assert "asked to choose a new password for your account at Riverside" in text
    assert "This link works once, for 30 minutes." in text
    assert "Didn't ask? Then you can ignore this email" in text
    assert "/login/forgot" in text  # where to ask again
    [token] = RESET_LINK.findall(text)
    assert f"/login/reset/{token}" in body(message, "html")
    assert_no_secret_but_the_link(app, message, counselor, token)
    assert token not in caplog.text  # not even outbox mode's link line shows it


def test_the_invitation_email_reads_well_and_carries_only_its_link(
    app, counselor, practice_with_a_couple
):
    invited = invited_counselor(practice_with_a_couple, inviter=counselor, name="Robin Vale")

    send_waiting_emails()

    [message] = written_emails(to=invited.email)
    text = body(message)
    assert message["Subject"] == "Join Riverside Couples Counselling on Ladder homework"
    assert text.startswith("Hello Robin Vale,\n")
    assert (
        f"{counselor.name} has invited you to join Riverside Couples Counselling on Ladder homework"
    ) in text
    assert "It works once, for 7 days; after that, ask " + counselor.name in text
    assert f"You will sign in with this email address, {invited.email}." in text
    [token] = INVITE_LINK.findall(text)
    assert f"/join/{token}" in body(message, "html")
    assert_no_secret_but_the_link(app, message, invited, token)


def test_an_invitation_without_an_inviter_names_the_practice(counselor):
    invited = invited_counselor(counselor.practice, name="Robin Vale")
    send_waiting_emails()
    text = body(written_emails(to=invited.email)[0])
    assert "The practice has invited you to join" in text
    assert "ask an owner of the practice to invite you again" in text


def test_the_row_holds_no_link_and_the_token_is_made_at_send_time(counselor):
    invited = invited_counselor(counselor.practice, inviter=counselor)
    email = db.session.scalar(across_practices(sa.select(OutboxEmail)))
    assert (email.kind, email.counselor_id) == (EmailKind.COUNSELOR_INVITE, invited.id)
    assert db.session.scalar(across_practices(sa.select(sa.func.count(AccountToken.id)))) == 0

    send_waiting_emails()

    assert db.session.scalar(across_practices(sa.select(sa.func.count(AccountToken.id)))) == 1


def test_sending_an_invitation_again_retires_the_first_link(counselor):
    invited = invited_counselor(counselor.practice, inviter=counselor)
    send_waiting_emails()
    with tenancy.practice_scope(counselor.practice_id):
        account_links.queue_invite_email(invited)
    db.session.commit()
    send_waiting_emails()

    first, second = (INVITE_LINK.findall(body(m))[0] for m in written_emails(to=invited.email))
    purpose = account_links.AccountTokenPurpose.INVITE
    assert account_links.live_token(first, purpose) is None
    assert account_links.live_token(second, purpose) is not None


def test_over_smtp_too_the_link_travels_only_in_the_email(app, smtp, counselor, caplog):
    caplog.set_level(logging.DEBUG)
    account_links.queue_password_reset(counselor.email)
    db.session.commit()

    send_waiting_emails()

    [received] = smtp.messages
    assert received.recipients == [counselor.email]
    [token] = RESET_LINK.findall(received.text)
    assert token not in caplog.text
