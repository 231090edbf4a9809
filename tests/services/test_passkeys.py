"""services/accounts/passkeys.py: registering passkeys and signing in with them, verified
for real by the webauthn package against a software authenticator
(tests/support/soft_authenticator.py)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from counselor import tenancy
from counselor.extensions import db
from counselor.models import AuditEvent, PasskeyCredential
from counselor.services.accounts import passkeys, two_factor
from counselor.services.errors import InvalidInput, NotFound
from tests.support import factories
from tests.support.soft_authenticator import SoftAuthenticator

RP = passkeys.RelyingParty(id="localhost", origins=("http://localhost:5000",))


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(rp_id="localhost", origin="http://localhost:5000")


def add_passkey(counselor, authenticator, name="Laptop") -> PasskeyCredential:
    options, challenge = passkeys.registration_options(RP, counselor)
    return passkeys.register(RP, counselor, authenticator.create(options), challenge, name)


def test_a_registered_passkey_keeps_its_public_key_and_counts_as_a_factor(
    counselor, actor, authenticator
):
    options, challenge = passkeys.registration_options(RP, counselor)
    parsed = json.loads(options)
    assert parsed["rp"]["id"] == "localhost"
    assert parsed["authenticatorSelection"]["residentKey"] == "required"
    assert parsed["authenticatorSelection"]["userVerification"] == "required"
    assert counselor.email not in parsed["user"]["id"]

    passkey = passkeys.register(RP, counselor, authenticator.create(options), challenge, " Laptop ")

    assert passkey.name == "Laptop"
    assert passkey.transports == "internal"
    assert passkey.public_key.startswith(b"\xa5")  # a COSE key, not a private one
    assert two_factor.has_second_factor(counselor)
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.object_type, event.object_id) == (
        "two_factor.passkey_added",
        "passkey",
        passkey.id,
    )


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda a, opts: a.create(opts, origin="http://evil.example"), id="origin"),
        pytest.param(
            lambda a, opts: SoftAuthenticator(rp_id="evil.example").create(opts), id="rp id"
        ),
        pytest.param(
            lambda a, opts: SoftAuthenticator(verifies_user=False).create(opts), id="no uv"
        ),
        pytest.param(lambda a, opts: {"id": "x"}, id="junk"),
        pytest.param(lambda a, opts: "not json", id="text"),
    ],
)
def test_a_registration_that_does_not_verify_is_refused(counselor, actor, authenticator, spoil):
    options, challenge = passkeys.registration_options(RP, counselor)
    with pytest.raises(InvalidInput):
        passkeys.register(RP, counselor, spoil(authenticator, options), challenge, "Laptop")
    assert passkeys.counselor_passkeys(counselor) == []


def test_a_registration_answering_another_challenge_is_refused(counselor, actor, authenticator):
    first, _challenge = passkeys.registration_options(RP, counselor)
    _second, challenge = passkeys.registration_options(RP, counselor)
    with pytest.raises(InvalidInput):
        passkeys.register(RP, counselor, authenticator.create(first), challenge, "Laptop")


def test_the_second_step_accepts_the_counselors_own_passkey(counselor, actor, authenticator):
    passkey = add_passkey(counselor, authenticator)
    options, challenge = passkeys.authentication_options(RP, counselor)
    allowed = [c["id"] for c in json.loads(options)["allowCredentials"]]
    assert allowed == [passkey.credential_id]

    used = passkeys.authenticate(RP, authenticator.get(options), challenge, counselor=counselor)

    assert used.id == passkey.id
    assert used.sign_count == 1
    assert used.last_used_at is not None


def test_another_counselors_passkey_is_no_second_step(counselor, actor, authenticator):
    colleague = factories.CounselorFactory(practice=counselor.practice)
    add_passkey(colleague, authenticator)
    options, challenge = passkeys.authentication_options(RP, counselor)
    with pytest.raises(InvalidInput):
        passkeys.authenticate(RP, authenticator.get(options), challenge, counselor=counselor)


def test_signing_in_with_a_passkey_alone_finds_its_counselor(counselor, actor, authenticator):
    passkey = add_passkey(counselor, authenticator)
    options, challenge = passkeys.authentication_options(RP, None)
    parsed = json.loads(options)
    assert parsed.get("allowCredentials", []) == []
    assert parsed["userVerification"] == "required"
    db.session.commit()
    tenancy.leave_practice()  # the login page has no practice yet

    used = passkeys.authenticate(RP, authenticator.get(options), challenge, counselor=None)

    assert used.id == passkey.id and used.counselor_id == counselor.id


def test_a_passkey_alone_must_have_verified_the_user(counselor, actor, authenticator):
    add_passkey(counselor, authenticator)
    authenticator.verifies_user = False
    options, challenge = passkeys.authentication_options(RP, None)
    with pytest.raises(InvalidInput):
        passkeys.authenticate(RP, authenticator.get(options), challenge, counselor=None)


def test_a_deactivated_counselors_passkey_signs_no_one_in(counselor, actor, authenticator):
    add_passkey(counselor, authenticator)
    counselor.active = False
    options, challenge = passkeys.authentication_options(RP, None)
    with pytest.raises(InvalidInput):
        passkeys.authenticate(RP, authenticator.get(options), challenge, counselor=None)


def test_a_replayed_assertion_is_refused(counselor, actor, authenticator):
    add_passkey(counselor, authenticator)
    options, challenge = passkeys.authentication_options(RP, counselor)
    answer = authenticator.get(options)
    passkeys.authenticate(RP, answer, challenge, counselor=counselor)
    with pytest.raises(InvalidInput):  # its sign count is no longer ahead of the stored one
        passkeys.authenticate(RP, answer, challenge, counselor=counselor)


def test_rename_and_remove_only_the_counselors_own(counselor, actor, authenticator):
    passkey = add_passkey(counselor, authenticator)
    colleague = factories.CounselorFactory(practice=counselor.practice)
    with pytest.raises(NotFound):
        passkeys.rename(colleague, passkey.id, "Mine now")
    with pytest.raises(InvalidInput):
        passkeys.rename(counselor, passkey.id, "x" * 81)
    assert passkeys.rename(counselor, passkey.id, "Work phone").name == "Work phone"

    with pytest.raises(InvalidInput):
        passkeys.remove(counselor, passkey.id, "wrong password")
    passkeys.remove(counselor, passkey.id, factories.PASSWORD)
    assert passkeys.counselor_passkeys(counselor) == []
    assert db.session.scalars(
        sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())
    ).first() == ("two_factor.passkey_removed")


def test_the_last_passkey_stays_while_the_practice_requires_a_second_factor(
    counselor, actor, authenticator
):
    first = add_passkey(counselor, authenticator)
    second = add_passkey(counselor, SoftAuthenticator(origin="http://localhost:5000"), "Phone")
    counselor.practice.require_second_factor = True
    passkeys.remove(counselor, first.id, factories.PASSWORD)
    with pytest.raises(InvalidInput):
        passkeys.remove(counselor, second.id, factories.PASSWORD)
    assert [p.id for p in passkeys.counselor_passkeys(counselor)] == [second.id]


@pytest.mark.parametrize(
    ("setting", "public", "request_url", "rp_id", "origins"),
    [
        (
            None,
            "http://127.0.0.1:5000",
            "http://localhost:5000/x",
            "localhost",
            ("http://localhost:5000",),
        ),
        (
            None,
            "https://homework.example.org",
            "https://homework.example.org/x",
            "homework.example.org",
            ("https://homework.example.org",),
        ),
        (
            None,
            "https://homework.example.org",
            "http://localhost:5000/x",
            "localhost",
            ("http://localhost:5000",),
        ),
        (
            "example.org",
            "https://homework.example.org",
            "http://10.0.0.5:5000/x",
            "example.org",
            ("https://homework.example.org",),
        ),
    ],
)
def test_the_relying_party(setting, public, request_url, rp_id, origins):
    rp = passkeys.relying_party(setting, public, request_url)
    assert (rp.id, rp.origins) == (rp_id, origins)
