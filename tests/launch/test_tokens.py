"""counselor/services/accounts/launch.py: host launch tokens — who they log in, and every way one
is refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import AuditEvent, Counselor, Practice, UsedLaunchToken
from counselor.services.accounts import launch
from counselor.services.accounts.launch import LaunchRefused, verify_launch
from counselor.tenancy import across_practices
from counselor.unit_of_work import unit_of_work
from tests.support import factories
from tests.support.helpers import count_rows
from tests.support.launch_tokens import mint, unsigned


def launched(token: str) -> tuple[Counselor, int | None]:
    """The launch as the route runs it: one unit of work, committed when it succeeds."""
    with unit_of_work():
        return verify_launch(token)


def refused(token: str) -> LaunchRefused:
    before = count_rows(UsedLaunchToken)
    with pytest.raises(LaunchRefused) as error, unit_of_work():
        verify_launch(token)
    assert count_rows(UsedLaunchToken) == before  # a refused token uses nothing up
    return error.value


def rotated(practice: Practice) -> str:
    with unit_of_work():
        return launch.rotate_launch_secret(practice)


def test_a_valid_token_names_the_counselor_and_the_couple(counselor, secret):
    couple = factories.CoupleFactory(counselor=counselor)

    who, couple_id = launched(mint(secret, counselor.email, couple_id=couple.id))

    assert (who.id, couple_id) == (counselor.id, couple.id)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "counselor.launch"))
    assert (event.actor_id, event.object_id) == (counselor.id, counselor.id)
    assert counselor.last_login_at is not None


def test_without_a_couple_the_launch_lands_nowhere_in_particular(counselor, secret):
    assert launched(mint(secret, counselor.email.upper())) == (counselor, None)


def test_a_couple_id_given_as_a_string_of_digits_is_accepted(counselor, secret):
    couple = factories.CoupleFactory(counselor=counselor)
    assert launched(mint(secret, counselor.email, couple_id=str(couple.id)))[1] == couple.id


def test_a_token_works_once(counselor, secret):
    token = mint(secret, counselor.email)
    launched(token)
    assert refused(token).reason == "jti already used"


def test_the_same_jti_from_another_practice_is_its_own(counselor, secret):
    other = factories.CounselorFactory()
    other_secret = rotated(other.practice)

    first, _ = launched(mint(secret, counselor.email, jti="shared-id"))
    second, _ = launched(mint(other_secret, other.email, jti="shared-id"))

    assert (first.id, second.id) == (counselor.id, other.id)
    used = db.session.scalars(
        across_practices(
            sa.select(UsedLaunchToken.practice_id).where(UsedLaunchToken.jti == "shared-id")
        )
    )
    assert sorted(used) == sorted([counselor.practice_id, other.practice_id])


def test_an_expired_token_is_refused_after_the_leeway(counselor, secret):
    now = int(time.time())
    assert "expired" in refused(mint(secret, counselor.email, iat=now - 200, exp=now - 31)).reason
    launched(mint(secret, counselor.email, iat=now - 200, exp=now - 5))  # within leeway


def test_a_token_living_longer_than_five_minutes_is_refused(counselor, secret):
    now = int(time.time())
    assert "more than 300 s" in refused(mint(secret, counselor.email, exp=now + 301)).reason
    launched(mint(secret, counselor.email, exp=now + 300))


def test_a_token_issued_in_the_future_is_refused(counselor, secret):
    now = int(time.time())
    token = mint(secret, counselor.email, iat=now + 120, exp=now + 240)
    assert refused(token).reason == "issued in the future"


def test_the_clock_is_ours(counselor, secret, monkeypatch):
    token = mint(secret, counselor.email, lifetime=60)
    later = datetime.now(UTC) + timedelta(minutes=2)
    monkeypatch.setattr(timeutil, "utcnow", lambda: later)
    assert refused(token).reason == "expired"


def test_a_token_signed_with_another_secret_is_refused(counselor, secret):
    forged = mint(launch.new_launch_secret(), counselor.email)
    assert refused(forged).reason == "rejected: InvalidSignatureError"


def test_a_token_with_alg_none_is_refused(counselor, secret):
    assert refused(unsigned(counselor.email)).reason == "algorithm 'none' refused"


def test_other_hmac_algorithms_are_refused_too(counselor, secret):
    now = int(time.time())
    claims = {"sub": counselor.email, "iat": now, "exp": now + 60, "jti": "x"}
    token = jwt.encode(claims, secret * 2, "HS512")  # SHA-512 wants a 64-byte key
    assert refused(token).reason == "algorithm 'HS512' refused"


@pytest.mark.parametrize("claim", ["jti", "exp", "iat"])
def test_each_required_claim_must_be_there(counselor, secret, claim):
    reason = refused(mint(secret, counselor.email, **{claim: None})).reason
    assert reason == "rejected: MissingRequiredClaimError"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"jti": ""}, "jti must be a string of 1 to 128 characters"),
        ({"jti": 42}, "jti must be a string of 1 to 128 characters"),
        ({"jti": "j" * 129}, "jti must be a string of 1 to 128 characters"),
        ({"exp": "soon"}, "exp must be a finite number"),
        ({"couple_id": "the Smiths"}, "couple_id is not a number"),
        ({"couple_id": True}, "couple_id is not a number"),
    ],
)
def test_claims_of_the_wrong_shape_are_refused(counselor, secret, claims, reason):
    assert refused(mint(secret, counselor.email, **claims)).reason == reason


def test_another_practices_couple_is_refused(counselor, secret):
    theirs = factories.CoupleFactory()
    token = mint(secret, counselor.email, couple_id=theirs.id)
    assert refused(token).reason == "couple_id not in the counselor's practice"


def test_a_counselor_of_another_practice_cannot_be_named(counselor, secret):
    stranger = factories.CounselorFactory()
    rotated(stranger.practice)
    # Signed with our practice's secret, naming someone from another practice.
    assert refused(mint(secret, stranger.email)).reason == "rejected: InvalidSignatureError"


@pytest.mark.parametrize(
    ("sub", "reason"),
    [
        (None, "no sub"),
        ("", "no sub"),
        (7, "sub must be a string"),
        ("nobody@example.org", "unknown counselor, or the practice has no launch secret"),
    ],
)
def test_an_unknown_or_missing_subject_is_refused(counselor, secret, sub, reason):
    assert refused(mint(secret, "x", sub=sub)).reason == reason


def test_a_practice_without_a_launch_secret_accepts_no_token(counselor):
    assert counselor.practice.launch_secret is None
    reason = refused(mint(launch.new_launch_secret(), counselor.email)).reason
    assert reason == "unknown counselor, or the practice has no launch secret"


def test_a_deactivated_counselor_is_refused(counselor, secret):
    counselor.active = False
    db.session.commit()
    assert refused(mint(secret, counselor.email)).reason == "counselor deactivated"


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "x" * 5000])
def test_garbage_is_malformed(app, token):
    assert refused(token).malformed


def test_a_new_secret_retires_the_old_one(counselor, secret):
    token = mint(secret, counselor.email)
    new_secret = rotated(counselor.practice)
    assert new_secret != secret and len(new_secret) >= 43
    refused(token)
    launched(mint(new_secret, counselor.email))


def test_used_token_ids_are_forgotten_once_they_could_not_work_anyway(counselor, secret):
    now = int(time.time())
    launched(mint(secret, counselor.email, iat=now - 200, exp=now - 10, jti="old"))
    assert db.session.scalar(sa.select(UsedLaunchToken.jti)) == "old"
    db.session.execute(
        sa.update(UsedLaunchToken).values(expires_at=datetime.now(UTC) - timedelta(minutes=5))
    )
    db.session.commit()

    launched(mint(secret, counselor.email, jti="new"))

    assert list(db.session.scalars(sa.select(UsedLaunchToken.jti))) == ["new"]
