"""Settings › Security › Two-step sign-in, and the second step of a sign-in: the pages,
their JSON endpoints for passkeys (a software authenticator answers them), and the rules
(GET writes nothing; the last factor stays while the practice requires one; five wrong
answers end the pending sign-in)."""

from __future__ import annotations

import json
import re

import pyotp
import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, CounselorSession
from counselor.services.accounts import two_factor
from tests.support import factories
from tests.support.helpers import login, row_counts
from tests.support.soft_authenticator import SoftAuthenticator

PAGE = "/settings/security/two-factor"
CHALLENGE = "/login/second-factor"


def app_code(secret: str, clock) -> str:
    return pyotp.TOTP(secret).at(clock.now)


def enrol_app(client, clock) -> tuple[str, list[str]]:
    """Set up an app through the pages; its secret and the recovery codes shown."""
    assert client.post(f"{PAGE}/app/start").status_code == 303
    page = client.get(f"{PAGE}/app").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    shown = client.post(f"{PAGE}/app", data={"app-code": app_code(secret, clock)})
    assert shown.status_code == 200, shown.data
    codes = re.findall(
        r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", shown.get_data(as_text=True)
    )
    clock.advance(seconds=90)
    return secret, codes


def add_passkey(client, authenticator: SoftAuthenticator, name: str = "Laptop"):
    options = client.post(f"{PAGE}/passkeys/options")
    assert options.status_code == 200
    return client.post(
        f"{PAGE}/passkeys",
        json={"name": name, "credential": authenticator.create(options.get_data(as_text=True))},
    )


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture(autouse=True)
def _in_practice(actor):
    """The test's own queries see the counselor's practice, as their requests do."""


@pytest.fixture
def signed_in(logged_in, clock):
    """``logged_in``, on the test's clock."""
    return logged_in


def test_the_page_shows_what_is_set_up_and_a_get_writes_nothing(signed_in):
    before = row_counts()
    page = signed_in.get(PAGE)
    assert page.status_code == 200
    assert "Two-step sign-in is off" in page.get_data(as_text=True)
    assert signed_in.get(f"{PAGE}/app").status_code == 303  # nothing being set up
    assert signed_in.get(f"{PAGE}/app/remove").status_code == 303  # no app to remove
    db.session.expire_all()
    assert row_counts() == before


def test_setting_up_an_app_shows_a_qr_code_and_needs_a_first_code(signed_in, counselor, clock):
    signed_in.post(f"{PAGE}/app/start")
    page = signed_in.get(f"{PAGE}/app").get_data(as_text=True)
    assert 'class="qr-code"' in page and "<script" not in page.split("<main")[1]
    db.session.refresh(counselor)
    secret = counselor.totp_secret

    wrong = signed_in.post(f"{PAGE}/app", data={"app-code": "12345x"})
    assert wrong.status_code == 422
    db.session.refresh(counselor)
    assert counselor.totp_confirmed_at is None

    shown = signed_in.post(f"{PAGE}/app", data={"app-code": app_code(secret, clock)})
    assert shown.status_code == 200
    assert len(re.findall(r"<li><code>", shown.get_data(as_text=True))) == 10
    db.session.refresh(counselor)
    assert two_factor.has_totp(counselor)
    assert actions()[-2:] == ["two_factor.totp_enrolled", "two_factor.recovery_codes_made"]
    assert "Two-step sign-in is on" in signed_in.get(PAGE).get_data(as_text=True)


def test_password_then_code_signs_in_and_nothing_opens_before_the_code(client, counselor, clock):
    login(client, counselor.email, factories.PASSWORD)
    secret, _codes = enrol_app(client, clock)
    client.post("/logout")

    response = client.post(
        "/login?next=/settings", data={"email": counselor.email, "password": factories.PASSWORD}
    )
    assert response.location.startswith(CHALLENGE)
    assert client.get("/couples").location.startswith(CHALLENGE)
    assert client.get(PAGE).location.startswith(CHALLENGE)

    page = client.get(response.location)
    assert page.status_code == 200 and "One more step" in page.get_data(as_text=True)
    passed = client.post(response.location, data={"challenge-code": app_code(secret, clock)})
    assert passed.status_code == 302 and passed.location == "/settings"
    assert client.get("/couples").status_code == 200
    event = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "auth.second_factor")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert (event.action, event.object_type, event.object_id) == (
        "auth.second_factor",
        "totp",
        counselor.id,
    )


def test_a_code_used_once_does_not_sign_in_again(client, counselor, clock):
    login(client, counselor.email, factories.PASSWORD)
    secret, _codes = enrol_app(client, clock)
    client.post("/logout")
    login(client, counselor.email, factories.PASSWORD)
    code = app_code(secret, clock)
    assert client.post(CHALLENGE, data={"challenge-code": code}).status_code == 302
    client.post("/logout")
    login(client, counselor.email, factories.PASSWORD)
    assert client.post(CHALLENGE, data={"challenge-code": code}).status_code == 401


def test_a_recovery_code_works_once_and_the_page_says_how_many_are_left(client, counselor, clock):
    login(client, counselor.email, factories.PASSWORD)
    _secret, codes = enrol_app(client, clock)
    client.post("/logout")

    login(client, counselor.email, factories.PASSWORD)
    assert "you have 10 left" in client.get(CHALLENGE).get_data(as_text=True)
    assert client.post(CHALLENGE, data={"challenge-code": codes[0].upper()}).status_code == 302
    assert "9 left" in client.get("/couples").get_data(as_text=True)
    client.post("/logout")

    login(client, counselor.email, factories.PASSWORD)
    again = client.post(CHALLENGE, data={"challenge-code": codes[0]})
    assert again.status_code == 401
    assert "That code didn" in again.get_data(as_text=True)


def test_five_wrong_answers_end_the_pending_sign_in(client, counselor, clock):
    login(client, counselor.email, factories.PASSWORD)
    enrol_app(client, clock)
    client.post("/logout")
    login(client, counselor.email, factories.PASSWORD)
    pending = db.session.scalars(
        sa.select(CounselorSession).order_by(CounselorSession.id.desc())
    ).first()

    for _ in range(4):
        assert client.post(CHALLENGE, data={"challenge-code": "wrong-code"}).status_code == 401
    ended = client.post(CHALLENGE, data={"challenge-code": "wrong-code"})

    assert ended.status_code == 302 and ended.location.startswith("/login")
    db.session.refresh(pending)
    assert pending.ended_at is not None
    assert client.get(CHALLENGE).location.startswith("/login")
    failed = [a for a in actions() if a == "auth.second_factor_failed"]
    assert len(failed) == 5


def test_removing_the_app_asks_for_the_password_and_get_writes_nothing(signed_in, counselor, clock):
    enrol_app(signed_in, clock)
    before = row_counts()
    confirm = signed_in.get(f"{PAGE}/app/remove")
    assert confirm.status_code == 200 and "Remove the authenticator app?" in confirm.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert row_counts() == before

    no_proof = signed_in.post(f"{PAGE}/app/remove", data={"confirmed": "yes", "proof": "nope"})
    assert no_proof.status_code == 422
    db.session.refresh(counselor)
    assert two_factor.has_totp(counselor)

    done = signed_in.post(
        f"{PAGE}/app/remove", data={"confirmed": "yes", "proof": factories.PASSWORD}
    )
    assert done.status_code == 303
    db.session.refresh(counselor)
    assert not two_factor.has_second_factor(counselor)
    assert actions()[-1] == "two_factor.totp_removed"


def test_the_last_factor_cannot_be_removed_while_the_practice_requires_one(
    signed_in, counselor, clock
):
    enrol_app(signed_in, clock)
    counselor.practice.require_second_factor = True
    db.session.commit()
    page = signed_in.get(f"{PAGE}/app/remove").get_data(as_text=True)
    assert "requires two-step sign-in" in page
    refused = signed_in.post(
        f"{PAGE}/app/remove", data={"confirmed": "yes", "proof": factories.PASSWORD}
    )
    assert refused.status_code == 422
    assert "requires two-step sign-in" in refused.get_data(as_text=True)
    db.session.refresh(counselor)
    assert two_factor.has_totp(counselor)


def test_new_recovery_codes_ask_first_when_some_are_left(signed_in, counselor, clock):
    _secret, old = enrol_app(signed_in, clock)
    asked = signed_in.post(f"{PAGE}/recovery-codes")
    assert asked.status_code == 200 and "Make new recovery codes?" in asked.get_data(as_text=True)
    assert two_factor.use_recovery_code(counselor, old[0])  # the old codes still work

    made = signed_in.post(f"{PAGE}/recovery-codes", data={"confirmed": "yes"})
    new = re.findall(r"<li><code>([a-z2-9-]{11})</code></li>", made.get_data(as_text=True))
    assert len(new) == 10
    assert not two_factor.use_recovery_code(counselor, old[1])
    assert two_factor.use_recovery_code(counselor, new[0])


def test_a_passkey_is_added_renamed_used_as_second_step_and_removed(client, counselor, clock):
    login(client, counselor.email, factories.PASSWORD)
    authenticator = SoftAuthenticator()
    added = add_passkey(client, authenticator, "Laptop")
    assert added.status_code == 200 and added.json == {"redirect": PAGE}
    assert "Laptop" in client.get(PAGE).get_data(as_text=True)
    (passkey,) = db.session.scalars(sa.select(two_factor.PasskeyCredential)).all()
    rename = client.post(
        f"{PAGE}/passkeys/{passkey.id}/rename", data={f"passkey-{passkey.id}-name": "Work laptop"}
    )
    assert rename.status_code == 303
    client.post("/logout")

    assert login(client, counselor.email, factories.PASSWORD).location.startswith(CHALLENGE)
    options = client.post(f"{CHALLENGE}/passkey/options")
    allowed = [c["id"] for c in json.loads(options.data)["allowCredentials"]]
    assert allowed == [passkey.credential_id]
    passed = client.post(
        f"{CHALLENGE}/passkey?next=/settings",
        json={"credential": authenticator.get(options.get_data(as_text=True))},
    )
    assert passed.status_code == 200 and passed.json == {"redirect": "/settings"}
    assert client.get("/couples").status_code == 200
    db.session.refresh(passkey)
    assert (passkey.name, passkey.sign_count) == ("Work laptop", 1)

    asked = client.post(f"{PAGE}/passkeys/{passkey.id}/remove")
    assert asked.status_code == 200 and "Remove this passkey?" in asked.get_data(as_text=True)
    removed = client.post(
        f"{PAGE}/passkeys/{passkey.id}/remove",
        data={"confirmed": "yes", "proof": factories.PASSWORD},
    )
    assert removed.status_code == 303
    assert db.session.scalars(sa.select(two_factor.PasskeyCredential)).all() == []
    assert "two_factor.passkey_removed" in actions()


def test_a_passkey_alone_signs_in_from_the_login_page(client, counselor, clock):
    login(client, counselor.email, factories.PASSWORD)
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    client.post("/logout")

    assert "Sign in with a passkey" in client.get("/login").get_data(as_text=True)
    options = client.post("/login/passkey/options")
    assert options.status_code == 200
    signed = client.post(
        "/login/passkey?next=/settings",
        json={"credential": authenticator.get(options.get_data(as_text=True))},
    )
    assert signed.status_code == 200 and signed.json == {"redirect": "/settings"}
    assert client.get("/couples").status_code == 200  # no second step owed


def test_a_passkey_answer_is_taken_once_and_only_for_its_own_ceremony(client, counselor, clock):
    login(client, counselor.email, factories.PASSWORD)
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    client.post("/logout")

    options = client.post("/login/passkey/options").get_data(as_text=True)
    answer = authenticator.get(options)
    assert client.post("/login/passkey", json={"credential": {"id": "junk"}}).status_code == 401
    # The challenge went with the refused answer: the right one no longer finds it.
    assert client.post("/login/passkey", json={"credential": answer}).status_code == 422
    assert client.get("/couples").status_code == 302


def test_the_json_endpoints_need_the_csrf_header(client, counselor, clock, csrf_checked):
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'data-csrf-token="([^"]+)"', login_page).group(1)
    assert client.post("/login/passkey/options").status_code == 400
    answer = client.post("/login/passkey/options", headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and "challenge" in answer.json


def test_another_counselors_passkey_is_not_found(signed_in, counselor):
    colleague = factories.CounselorFactory(practice=counselor.practice)
    other = two_factor.PasskeyCredential(
        practice_id=colleague.practice_id,
        counselor_id=colleague.id,
        credential_id="abc",
        public_key=b"\x00",
        name="Theirs",
    )
    db.session.add(other)
    db.session.commit()
    before = row_counts()
    assert signed_in.post(f"{PAGE}/passkeys/{other.id}/rename", data={}).status_code == 404
    assert signed_in.post(f"{PAGE}/passkeys/{other.id}/remove", data={}).status_code == 404
    db.session.expire_all()
    assert row_counts() == before


def test_a_required_second_factor_holds_a_counselor_on_the_enrolment_pages(
    client, counselor, clock
):
    counselor.practice.require_second_factor = True
    db.session.commit()
    couple = factories.CoupleFactory(counselor=counselor)

    response = login(client, counselor.email, factories.PASSWORD)
    assert client.get(response.location).location == PAGE
    assert client.get(f"/couples/{couple.id}").location == PAGE
    assert client.get(PAGE).status_code == 200

    enrol_app(client, clock)

    assert client.get(f"/couples/{couple.id}").status_code == 200


def test_a_refused_passkey_sign_in_is_audited_against_its_account(client, counselor, clock):
    login(client, counselor.email, factories.PASSWORD)
    authenticator = SoftAuthenticator()
    add_passkey(client, authenticator)
    client.post("/logout")

    options = client.post("/login/passkey/options").get_data(as_text=True)
    answer = authenticator.get(options, origin="http://evil.example")
    assert client.post("/login/passkey", json={"credential": answer}).status_code == 401
    failed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
    ).all()
    assert [(e.actor_type, e.object_type, e.object_id) for e in failed] == [
        ("anonymous", "counselor", counselor.id)
    ]


class TestRateLimit:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}

    def test_code_attempts_are_rate_limited_like_the_login(self, client, counselor, clock):
        login(client, counselor.email, factories.PASSWORD)
        enrol_app(client, clock)
        client.post("/logout")
        login(client, counselor.email, factories.PASSWORD)
        for _ in range(3):
            assert client.post(CHALLENGE, data={"challenge-code": "wrong-code"}).status_code == 401
        assert client.post(CHALLENGE, data={"challenge-code": "wrong-code"}).status_code == 429

    def test_wrong_proofs_on_removal_are_rate_limited_and_remove_nothing(
        self, client, counselor, clock
    ):
        """A stolen session can't guess the password (or a code) there, either."""
        login(client, counselor.email, factories.PASSWORD)
        enrol_app(client, clock)
        wrong = {"confirmed": "yes", "proof": "not my password"}
        for _ in range(3):
            assert client.post(f"{PAGE}/app/remove", data=wrong).status_code == 422
        assert client.post(f"{PAGE}/app/remove", data=wrong).status_code == 429
        assert counselor.totp_confirmed_at is not None
