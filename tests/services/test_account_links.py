"""services/accounts/account_links.py: counselors' single-use links — a password reset
asked for by address, an owner's invitation — made when the email is composed, kept as
hashes, working once and briefly, the older ones retired by a newer one."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    AccountToken,
    AccountTokenPurpose,
    AuditEvent,
    CounselorSession,
    EmailKind,
    OutboxEmail,
    OutboxStatus,
)
from counselor.services.accounts import account_links, counselors, sessions
from counselor.services.errors import InvalidInput
from counselor.tenancy import across_practices
from tests.support import factories
from tests.support.account_links import (
    INVITE_LINK,
    invited_counselor,
    link_token,
    send_waiting_emails,
    written_emails,
)
from tests.support.helpers import row_counts

NEW = "plum orchard under winter rain"
RESET = AccountTokenPurpose.PASSWORD_RESET
INVITE = AccountTokenPurpose.INVITE

pytestmark = pytest.mark.usefixtures("clock")


def emails() -> list[OutboxEmail]:
    return list(db.session.scalars(across_practices(sa.select(OutboxEmail))))


def actions() -> list[str]:
    return list(db.session.scalars(across_practices(sa.select(AuditEvent.action))))


def issued(counselor, purpose=RESET) -> str:
    with tenancy.practice_scope(counselor.practice_id):
        token = account_links.issue_token(counselor, purpose)
    db.session.commit()
    return token


def live(token: str, purpose=RESET) -> AccountToken | None:
    found = account_links.live_token(token, purpose)
    if found is not None:
        tenancy.enter_practice(found.practice_id)
    return found


# Asking for a reset.


def test_an_address_on_file_queues_one_reset_email_with_no_link_in_it(counselor):
    account_links.queue_password_reset(counselor.email.upper())
    db.session.commit()

    [email] = emails()
    assert (email.counselor_id, email.partner_id, email.kind) == (
        counselor.id,
        None,
        EmailKind.PASSWORD_RESET,
    )
    assert email.next_attempt_at is None  # at once: they are waiting for it
    assert email.dedupe_key is None
    assert actions() == ["password.reset_requested"]
    assert db.session.scalar(across_practices(sa.select(sa.func.count(AccountToken.id)))) == 0


@pytest.mark.parametrize("who", ["unknown", "inactive", "invited"])
def test_any_other_address_queues_nothing_and_writes_nothing(app, counselor, who):
    practice = counselor.practice
    address = {
        "unknown": lambda: "nobody@example.org",
        "inactive": lambda: factories.CounselorFactory(practice=practice, active=False).email,
        "invited": lambda: factories.CounselorFactory(practice=practice, joined_at=None).email,
    }[who]()
    before = row_counts()

    assert account_links.queue_password_reset(address) is None

    assert row_counts() == before


def test_the_token_is_made_when_the_email_is_sent_and_only_its_hash_is_kept(app, counselor):
    account_links.queue_password_reset(counselor.email)
    db.session.commit()

    send_waiting_emails()

    [message] = written_emails(to=counselor.email)
    token = link_token(message)
    [stored] = db.session.scalars(across_practices(sa.select(AccountToken))).all()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(
        db.session.execute(across_practices(sa.select(AccountToken.__table__))).all()
    )
    assert stored.expires_at == timeutil.utcnow() + timedelta(minutes=30)
    assert (stored.purpose, stored.counselor_id, stored.used_at) == (RESET, counselor.id, None)


def test_asking_again_retires_the_older_unused_links(counselor):
    first = issued(counselor)
    second = issued(counselor)
    assert live(first) is None
    assert live(second) is not None

    account_links.queue_password_reset(counselor.email)  # asking again: retired at once
    db.session.commit()
    assert live(second) is None


# Which links work.


def test_a_link_works_until_its_minutes_are_up(counselor, clock):
    token = issued(counselor)
    clock.advance(minutes=29, seconds=59)
    assert live(token) is not None
    clock.advance(seconds=1)
    assert live(token) is None


@pytest.mark.parametrize(
    "token", ["", "x", "not-a-token-of-ours-at-all-000000000000", "a" * 101, "\ud800"]
)
def test_unknown_tokens_find_nothing(counselor, token):
    issued(counselor)
    assert account_links.live_token(token, RESET) is None


def test_a_link_works_only_for_its_purpose(counselor):
    token = issued(counselor)
    assert account_links.live_token(token, INVITE) is None


def test_a_deactivated_counselor_s_link_stops(counselor):
    token = issued(counselor)
    counselor.active = False
    db.session.commit()
    assert live(token) is None


# Using a reset link.


def test_a_reset_sets_the_password_uses_the_link_and_ends_every_session(counselor):
    row, _ = sessions.start(counselor, ip=None, user_agent=None, second_factor_done=True)
    token = issued(counselor)

    account_links.reset_password(live(token), NEW)
    db.session.commit()

    assert counselors.authenticate(counselor.email, NEW) == counselor
    assert counselor.password_changed_at == timeutil.utcnow()
    assert live(token) is None
    stored = db.session.scalar(across_practices(sa.select(AccountToken)))
    assert stored.used_at == timeutil.utcnow()
    ended = db.session.get(CounselorSession, row.id, populate_existing=True)
    assert ended.ended_reason == "password_reset"
    assert "password.reset" in actions()


def test_a_password_the_rule_refuses_writes_nothing_and_the_link_still_works(counselor):
    token = issued(counselor)
    before = row_counts()

    with pytest.raises(InvalidInput) as error:
        account_links.reset_password(live(token), "aaaaaaaaaaaa")
    db.session.rollback()

    assert "password" in error.value.errors
    assert row_counts() == before
    assert live(token) is not None
    assert counselors.verify_password(counselor, factories.PASSWORD)


def test_a_link_is_used_once_even_when_two_requests_race(counselor):
    """Both requests found the link live; the conditional UPDATE lets one through."""
    token = issued(counselor)
    first, second = live(token), live(token)
    account_links.reset_password(first, NEW)
    with pytest.raises(InvalidInput) as error:
        account_links.reset_password(second, "another fine pass phrase")
    assert list(error.value.errors) == ["token"]


# Invitations.


def test_an_invitation_email_names_the_practice_the_inviter_the_link_and_its_days(app, counselor):
    counselor.practice.name = "Riverside Couples Counselling"
    invited = invited_counselor(counselor.practice, inviter=counselor, name="Robin Vale")

    send_waiting_emails()

    [message] = written_emails(to=invited.email)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert message["Subject"] == "Join Riverside Couples Counselling on Ladder homework"
    assert "Hello Robin Vale," in text
    assert f"{counselor.name} has invited you to join Riverside Couples Counselling" in text
    assert "It works once, for 7 days" in text
    assert invited.email in text
    token = link_token(message, INVITE_LINK)
    assert f"/join/{token}" in html
    found = live(token, INVITE)
    assert found is not None and found.counselor_id == invited.id
    assert found.expires_at == timeutil.utcnow() + timedelta(days=7)


def test_accepting_sets_the_password_and_stamps_joined_at(counselor):
    invited = invited_counselor(counselor.practice, inviter=counselor)
    send_waiting_emails()
    token = link_token(written_emails(to=invited.email)[0], INVITE_LINK)

    account_links.accept_invite(live(token, INVITE), NEW)
    db.session.commit()

    assert actions()[-1] == "counselor.join"
    assert invited.joined_at == timeutil.utcnow()
    assert counselors.authenticate(invited.email, NEW) == invited
    assert live(token, INVITE) is None  # used, and a joined counselor's invitation is done


def test_an_invitation_is_refused_for_a_counselor_who_has_joined(counselor):
    with pytest.raises(InvalidInput):
        account_links.queue_invite_email(counselor)


def test_an_invited_counselor_asking_for_a_reset_gets_nothing(counselor):
    invited = invited_counselor(counselor.practice, inviter=counselor)
    before = row_counts()
    assert account_links.queue_password_reset(invited.email) is None
    assert row_counts() == before


def test_an_invitation_queued_for_someone_who_joined_meanwhile_is_cancelled(counselor):
    invited = invited_counselor(counselor.practice, inviter=counselor)
    invited.joined_at = timeutil.utcnow()
    db.session.commit()

    send_waiting_emails()

    assert written_emails(to=invited.email) == []
    email = db.session.scalar(across_practices(sa.select(OutboxEmail)))
    assert email.status == OutboxStatus.CANCELLED


@pytest.mark.committed_db
def test_two_workers_racing_over_one_link_let_one_through(app, counselor, database_url):
    """Real connections: two threads use one link at once; one password is set."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the in-process race test covers it")
    token = issued(counselor)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def use(password: str) -> None:
        with app.app_context():
            found = live(token)
            barrier.wait()
            try:
                account_links.reset_password(found, password)
                db.session.commit()
                results.append("set")
            except InvalidInput:
                db.session.rollback()
                results.append("refused")

    threads = [threading.Thread(target=use, args=(p,)) for p in (NEW, "another fine pass phrase")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["refused", "set"]
