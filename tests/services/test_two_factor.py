"""services/accounts/two_factor.py: the authenticator app (TOTP) and recovery codes."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, RecoveryCode
from counselor.services.accounts import two_factor
from counselor.services.errors import InvalidInput
from tests.support import factories

STEP = two_factor.TOTP_STEP_SECONDS


def code_at(secret: str, clock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now + timedelta(seconds=steps * STEP))


def wrong_code(secret: str, clock) -> str:
    near = {code_at(secret, clock, steps) for steps in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


@pytest.fixture
def enrolled(counselor, actor, clock):
    """``counselor`` with a confirmed app; returns its secret (the first code's step spent)."""
    secret = two_factor.start_totp_enrolment(counselor)
    two_factor.confirm_totp_enrolment(counselor, code_at(secret, clock))
    clock.advance(seconds=3 * STEP)
    return secret


def actions(counselor) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.actor_id == counselor.id)
            .order_by(AuditEvent.id)
        )
    )


def test_a_started_app_counts_only_once_a_first_code_confirms_it(counselor, actor, clock):
    secret = two_factor.start_totp_enrolment(counselor)
    assert two_factor.pending_totp_secret(counselor) == secret
    assert not two_factor.has_second_factor(counselor)
    with pytest.raises(InvalidInput):
        two_factor.confirm_totp_enrolment(counselor, wrong_code(secret, clock))
    assert not two_factor.has_second_factor(counselor)

    codes = two_factor.confirm_totp_enrolment(counselor, code_at(secret, clock))

    assert two_factor.has_second_factor(counselor)
    assert codes is not None and len(codes) == 10 and len(set(codes)) == 10
    assert two_factor.recovery_codes_left(counselor) == 10
    assert actions(counselor)[-2:] == ["two_factor.totp_enrolled", "two_factor.recovery_codes_made"]
    assert "otpauth://totp/" in two_factor.provisioning_uri(counselor, secret)


def test_codes_within_one_step_either_side_are_accepted(counselor, enrolled, clock):
    for steps in (-1, 0, 1):
        clock.advance(seconds=3 * STEP)
        assert two_factor.verify_totp(counselor, code_at(enrolled, clock, steps)), steps


def test_codes_two_steps_away_are_refused(counselor, enrolled, clock):
    assert not two_factor.verify_totp(counselor, code_at(enrolled, clock, -2))
    assert not two_factor.verify_totp(counselor, code_at(enrolled, clock, 2))


def test_a_code_is_never_accepted_twice_nor_an_older_step_after_a_newer(counselor, enrolled, clock):
    code = code_at(enrolled, clock)
    assert two_factor.verify_totp(counselor, code)
    assert not two_factor.verify_totp(counselor, code)
    assert not two_factor.verify_totp(counselor, code_at(enrolled, clock, -1))
    db.session.expire_all()
    assert counselor.totp_last_step == int(clock.now.timestamp() // STEP)


def test_codes_with_spaces_are_read_and_anything_else_refused(counselor, enrolled, clock):
    code = code_at(enrolled, clock)
    assert two_factor.verify_totp(counselor, f" {code[:3]} {code[3:]} ")
    for junk in ("", "12345", "1234567", "abcdef", "\x00" * 6, "9" * 10_000):
        assert not two_factor.verify_totp(counselor, junk)


def test_recovery_codes_are_kept_hashed_and_work_once(counselor, enrolled):
    codes = two_factor.make_recovery_codes(counselor)
    stored = db.session.scalars(
        sa.select(RecoveryCode.code_hash).where(RecoveryCode.counselor_id == counselor.id)
    ).all()
    assert len(stored) == 10
    assert not set(codes) & set(stored)
    assert not any(code.replace("-", "") in "".join(stored) for code in codes)

    assert two_factor.verify_code(counselor, codes[3].upper()) == "recovery_code"
    assert two_factor.verify_code(counselor, codes[3]) is None
    assert two_factor.recovery_codes_left(counselor) == 9


def test_making_new_recovery_codes_replaces_the_old(counselor, enrolled):
    old = two_factor.make_recovery_codes(counselor)
    new = two_factor.make_recovery_codes(counselor)
    assert not two_factor.use_recovery_code(counselor, old[0])
    assert two_factor.use_recovery_code(counselor, new[0])
    assert two_factor.recovery_codes_left(counselor) == 9


def test_another_counselors_recovery_code_does_not_work(counselor, enrolled, clock):
    colleague = factories.CounselorFactory(practice=counselor.practice)
    secret = two_factor.start_totp_enrolment(colleague)
    theirs = two_factor.confirm_totp_enrolment(colleague, code_at(secret, clock))
    assert theirs is not None
    assert not two_factor.use_recovery_code(counselor, theirs[0])


def test_verify_code_tells_the_app_from_a_recovery_code(counselor, enrolled, clock):
    assert two_factor.verify_code(counselor, code_at(enrolled, clock)) == "totp"
    assert two_factor.verify_code(counselor, "nothing-at-all") is None


def test_removing_the_app_needs_the_password_or_a_fresh_code(counselor, enrolled, clock):
    with pytest.raises(InvalidInput):
        two_factor.remove_totp(counselor, "not my password")
    assert two_factor.has_totp(counselor)
    two_factor.remove_totp(counselor, factories.PASSWORD)
    assert not two_factor.has_second_factor(counselor)
    assert counselor.totp_secret is None
    assert two_factor.recovery_codes_left(counselor) == 0  # no factor left for them to back up
    assert actions(counselor)[-1] == "two_factor.totp_removed"


def test_removing_the_app_with_a_code(counselor, enrolled, clock):
    two_factor.remove_totp(counselor, code_at(enrolled, clock))
    assert not two_factor.has_totp(counselor)


def test_the_last_factor_stays_while_the_practice_requires_one(counselor, enrolled):
    counselor.practice.require_second_factor = True
    with pytest.raises(InvalidInput) as refused:
        two_factor.remove_totp(counselor, factories.PASSWORD)
    assert "requires two-step sign-in" in refused.value.sentences
    assert two_factor.has_totp(counselor)


def test_an_app_already_set_up_is_not_replaced_by_starting_again(counselor, enrolled):
    with pytest.raises(InvalidInput):
        two_factor.start_totp_enrolment(counselor)
    assert counselor.totp_secret == enrolled


def test_recovery_codes_need_a_factor_to_back_up(counselor, actor):
    with pytest.raises(InvalidInput):
        two_factor.make_recovery_codes(counselor)
