"""Second factors: an authenticator app (TOTP) with recovery codes, and passkeys
(``passkeys.py``).

An app's secret is made on the server and kept unconfirmed in ``totp_secret`` until the
counselor types a first code from the app; only then (``totp_confirmed_at``) does it count.
A code is accepted within one time step either side of now, and never for a step already
used (``totp_last_step``, moved forward by a conditional UPDATE, so two requests racing
with one code cannot both pass). Recovery codes are ten random codes shown once and kept
as SHA-256 hashes; each works once. Removing a factor needs the current password or a
fresh code, and the last one cannot go while the practice requires a second factor."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import cast

import pyotp
import sqlalchemy as sa
from sqlalchemy.engine import CursorResult

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Counselor, PasskeyCredential, RecoveryCode
from counselor.services.accounts import counselors
from counselor.services.audit import Actor, record_event
from counselor.services.errors import InvalidInput

ISSUER = "Ladder homework"  # the name an authenticator app lists the account under
TOTP_DIGITS = 6
TOTP_STEP_SECONDS = 30
TOTP_WINDOW_STEPS = 1  # a code of the step before or after now is accepted too
RECOVERY_CODE_COUNT = 10
# Letters and digits no one misreads (no 0/o, 1/l/i); ten of them: about 49 bits a code.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
CODE_INPUT_MAX = 40  # longer than any code, with spaces and dashes; more is not a code
SIX_DIGITS = re.compile(r"^\d{6}$")
LAST_FACTOR_MESSAGE = (
    "Your practice requires two-step sign-in, and this is your last second step. "
    "Add another one first (an authenticator app or a passkey), then remove this one."
)


def has_second_factor(counselor: Counselor) -> bool:
    """Whether the counselor has a confirmed authenticator app or a passkey (asked on every
    request of a practice that requires one: the app's column first, no query)."""
    if counselor.totp_confirmed_at is not None:
        return True
    passkey = sa.select(PasskeyCredential.id).where(PasskeyCredential.counselor_id == counselor.id)
    return db.session.scalar(passkey.limit(1)) is not None


def factor_count(counselor: Counselor) -> int:
    """The counselor's second factors: a confirmed app counts one, each passkey one."""
    passkeys = db.session.scalar(
        sa.select(sa.func.count(PasskeyCredential.id)).where(
            PasskeyCredential.counselor_id == counselor.id
        )
    )
    return (counselor.totp_confirmed_at is not None) + (passkeys or 0)


def has_totp(counselor: Counselor) -> bool:
    return counselor.totp_confirmed_at is not None and counselor.totp_secret is not None


# --- the authenticator app -------------------------------------------------------------


def start_totp_enrolment(counselor: Counselor) -> str:
    """A new secret for the counselor's app, kept unconfirmed until a first code proves the
    app has it. Starting again replaces an unconfirmed secret; a confirmed app must be
    removed first."""
    if has_totp(counselor):
        raise InvalidInput.single(
            "code", "An authenticator app is already set up. Remove it first to set up another."
        )
    counselor.totp_secret = pyotp.random_base32()
    counselor.totp_confirmed_at = None
    counselor.totp_last_step = None
    return counselor.totp_secret


def pending_totp_secret(counselor: Counselor) -> str | None:
    """The secret being set up (not yet confirmed), if any."""
    return counselor.totp_secret if counselor.totp_confirmed_at is None else None


def provisioning_uri(counselor: Counselor, secret: str) -> str:
    """The ``otpauth://`` address the QR code carries."""
    return _totp(secret).provisioning_uri(name=counselor.email, issuer_name=ISSUER)


def confirm_totp_enrolment(counselor: Counselor, code: str) -> list[str] | None:
    """Confirm the pending app with a first code from it. Returns new recovery codes when
    the counselor had none left (to show once), else None."""
    if pending_totp_secret(counselor) is None:
        raise InvalidInput.single("code", "Start setting up an authenticator app first.")
    if not _accept_totp_code(counselor, code):
        raise InvalidInput.single(
            "code",
            "That code doesn't match. Check that the app shows “Ladder homework” with your "
            "email, and type the six digits it shows now.",
        )
    counselor.totp_confirmed_at = timeutil.utcnow()
    record_event(
        Actor.for_counselor(counselor), "two_factor.totp_enrolled", "counselor", counselor.id
    )
    if recovery_codes_left(counselor) == 0:
        return make_recovery_codes(counselor)
    return None


def verify_totp(counselor: Counselor, code: str) -> bool:
    """Whether ``code`` is a valid, unused code of the counselor's confirmed app; a
    valid one is spent (its time step cannot be used again)."""
    return has_totp(counselor) and _accept_totp_code(counselor, code)


def remove_totp(counselor: Counselor, proof: str) -> None:
    """Remove the counselor's app, with their password or a fresh code as proof."""
    if not has_totp(counselor):
        raise InvalidInput.single("proof", "No authenticator app is set up.")
    require_proof(counselor, proof)
    refuse_if_last_required(counselor)
    counselor.totp_secret = None
    counselor.totp_confirmed_at = None
    counselor.totp_last_step = None
    record_event(
        Actor.for_counselor(counselor), "two_factor.totp_removed", "counselor", counselor.id
    )
    forget_recovery_codes_without_factor(counselor)


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS)


def _accept_totp_code(counselor: Counselor, code: str) -> bool:
    """Check a code against the counselor's secret (confirmed or pending) for the steps
    around now, and spend its step: the UPDATE moves ``totp_last_step`` only forward, so a
    step already used (by this request or a racing one) is refused."""
    code = _compact(code)
    secret = counselor.totp_secret
    if secret is None or not SIX_DIGITS.match(code):
        return False
    totp = _totp(secret)
    now = timeutil.utcnow().timestamp()
    current = int(now // TOTP_STEP_SECONDS)
    for step in range(current - TOTP_WINDOW_STEPS, current + TOTP_WINDOW_STEPS + 1):
        if secrets.compare_digest(totp.at(step * TOTP_STEP_SECONDS), code):
            return _spend_step(counselor, step)
    return False


def _spend_step(counselor: Counselor, step: int) -> bool:
    statement = (
        sa.update(Counselor)
        .where(
            Counselor.id == counselor.id,
            sa.or_(Counselor.totp_last_step.is_(None), Counselor.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    spent = cast(CursorResult, db.session.execute(statement)).rowcount == 1
    if spent:
        counselor.totp_last_step = step
    return spent


# --- recovery codes --------------------------------------------------------------------


def make_recovery_codes(counselor: Counselor) -> list[str]:
    """Ten new recovery codes, replacing any the counselor had; returned to be shown once,
    kept only as hashes."""
    if not has_second_factor(counselor):
        raise InvalidInput.single(
            "form", "Set up an authenticator app or a passkey first: recovery codes back one up."
        )
    db.session.execute(
        sa.delete(RecoveryCode)
        .where(RecoveryCode.counselor_id == counselor.id)
        .execution_options(synchronize_session=False)
    )
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(
            practice_id=counselor.practice_id,
            counselor_id=counselor.id,
            code_hash=_hash_code(code),
        )
        for code in codes
    )
    db.session.flush()
    record_event(
        Actor.for_counselor(counselor), "two_factor.recovery_codes_made", "counselor", counselor.id
    )
    return codes


def use_recovery_code(counselor: Counselor, code: str) -> bool:
    """Spend one of the counselor's unused recovery codes; False when it is not one."""
    compact = _compact(code).lower()
    if len(compact) != RECOVERY_CODE_LENGTH:
        return False
    statement = (
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.counselor_id == counselor.id,
            RecoveryCode.code_hash == _hash_code(compact),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=timeutil.utcnow())
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult, db.session.execute(statement)).rowcount == 1


def recovery_codes_left(counselor: Counselor) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(RecoveryCode.id)).where(
                RecoveryCode.counselor_id == counselor.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def forget_recovery_codes_without_factor(counselor: Counselor) -> None:
    """Recovery codes back a factor up: once the last factor is gone, they go too."""
    if has_second_factor(counselor):
        return
    db.session.execute(
        sa.delete(RecoveryCode)
        .where(RecoveryCode.counselor_id == counselor.id)
        .execution_options(synchronize_session=False)
    )


def _new_recovery_code() -> str:
    code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return f"{code[:5]}-{code[5:]}"


def _hash_code(code: str) -> str:
    return hashlib.sha256(_compact(code).lower().encode()).hexdigest()


def _compact(code: str | None) -> str:
    """A code as typed, less spaces and dashes (``123 456``, ``abcde-fghjk``)."""
    return re.sub(r"[\s\-]", "", (code or "")[:CODE_INPUT_MAX])


# --- the second step of a sign-in ------------------------------------------------------


def verify_code(counselor: Counselor, code: str) -> str | None:
    """A code typed at sign-in: six digits are the app's, anything else a recovery code.
    Returns the method that passed ("totp" or "recovery_code"), or None."""
    if SIX_DIGITS.match(_compact(code)):
        return "totp" if verify_totp(counselor, code) else None
    return "recovery_code" if use_recovery_code(counselor, code) else None


# --- proofs and the practice's rule ----------------------------------------------------


def require_proof(counselor: Counselor, proof: str) -> None:
    """Refuse unless ``proof`` is the counselor's password or a fresh code of their app."""
    if not proof:
        raise InvalidInput.single(
            "proof", "Type your password, or a code from your authenticator app."
        )
    if SIX_DIGITS.match(_compact(proof)) and verify_totp(counselor, proof):
        return
    if not counselors.verify_password(counselor, proof):
        raise InvalidInput.single(
            "proof", "That is neither your password nor a current code from your app."
        )


def refuse_if_last_required(counselor: Counselor) -> None:
    """The practice requires a second factor and this is the counselor's last one."""
    if counselor.practice.require_second_factor and factor_count(counselor) <= 1:
        raise InvalidInput.single("proof", LAST_FACTOR_MESSAGE)
