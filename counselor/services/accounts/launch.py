"""Host launch (single sign-on): a host system opens the dashboard for one of its
counselors with a short-lived, single-use JWT signed with the practice's launch secret.

The token names the counselor (``sub``, an email); that counselor's practice's secret
must have signed it. Only HS256 is accepted, ``exp`` may lie at most
LAUNCH_TOKEN_MAX_AGE_SECONDS after ``iat``, and each ``jti`` works once.
"""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from counselor import tenancy, timeutil
from counselor.extensions import db
from counselor.models import Counselor, Couple, Practice, UsedLaunchToken
from counselor.services.accounts import counselors
from counselor.services.audit import Actor, record_event
from counselor.services.validation import is_id

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
LEEWAY_SECONDS = 30  # clocks of host and server may differ a little
JTI_MAX = 128
TOKEN_MAX = 4096
TIME_CLAIMS = ("iat", "exp", "nbf")
SECRET_BYTES = 32


class LaunchRefused(Exception):
    """The token cannot log anyone in. ``reason`` is for our logs, never for the page:
    the page says the same thing whatever went wrong."""

    def __init__(self, reason: str, malformed: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.malformed = malformed  # not a JWT at all (400) rather than a refused one (401)


def new_launch_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def rotate_launch_secret(practice: Practice) -> str:
    """Give the practice a new launch secret; the old one stops working at once.
    Returned once, to be handed to the host system."""
    secret = new_launch_secret()
    practice.launch_secret = secret
    record_event(Actor.system(practice.id), "practice.launch_secret", "practice", practice.id)
    return secret


@dataclass(frozen=True)
class PendingLaunch:
    """A token that checks out and has not been used, not used up yet either."""

    counselor: Counselor
    couple_id: int | None
    jti: str
    expires_at: datetime


def check_launch(token: str) -> PendingLaunch:
    """Everything ``verify_launch`` checks, writing nothing: the page that asks a signed-in
    counselor before switching to another uses this, and leaves the token for the POST
    that confirms (a link scanner, or a counselor who cancels, spends nothing). Raises
    ``LaunchRefused``.

    Like a login, the launch is where the request learns who acts: once the signature
    checks out, the rest runs in the counselor's practice's scope."""
    counselor, claims = _verified_claims(token)
    tenancy.enter_practice(counselor.practice_id)
    couple_id = _check_couple(claims.get("couple_id"))
    if _was_used(counselor.practice_id, claims["jti"]):
        raise LaunchRefused("jti already used")
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    return PendingLaunch(counselor, couple_id, claims["jti"], expires_at)


def complete_launch(pending: PendingLaunch) -> None:
    """Use the token up (its ``jti`` works once, even against a concurrent request) and
    audit the launch; the request commits it. Raises ``LaunchRefused`` if it was used
    meanwhile."""
    counselor = pending.counselor
    _use_up(counselor.practice_id, pending.jti, pending.expires_at)
    counselor.last_login_at = timeutil.utcnow()
    record_event(Actor.for_counselor(counselor), "counselor.launch", "counselor", counselor.id)


def verify_launch(token: str) -> tuple[Counselor, int | None]:
    """Check the token and use it up: the counselor to log in and the couple to land on
    (or None), the launch audited; the request commits it. Raises ``LaunchRefused``
    otherwise (the refused request's rollback keeps nothing)."""
    pending = check_launch(token)
    complete_launch(pending)
    return pending.counselor, pending.couple_id


def _verified_claims(token: str) -> tuple[Counselor, dict]:
    if not token or len(token) > TOKEN_MAX:
        raise LaunchRefused("no token, or far too long", malformed=True)
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as error:
        raise LaunchRefused(f"not a JWT: {type(error).__name__}", malformed=True) from error
    if header.get("alg") != ALGORITHM:
        raise LaunchRefused(f"algorithm {header.get('alg')!r} refused")
    _check_claim_types(unverified)
    subject = unverified.get("sub")
    if not subject:
        raise LaunchRefused("no sub")
    counselor = counselors.counselor_by_email(subject)
    secret = counselor.practice.launch_secret if counselor is not None else None
    try:
        claims = jwt.decode(
            token,
            secret or _stand_in_secret(),  # unknown names take as long as known ones
            algorithms=[ALGORITHM],
            options={
                "require": ["sub", "iat", "exp", "jti"],
                "enforce_minimum_key_length": True,
                # Times are checked below against our own clock (timeutil), with our rules.
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                # Their types are checked before the signature (_check_claim_types).
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except jwt.PyJWTError as error:
        if counselor is None or not secret:
            raise LaunchRefused("unknown counselor, or the practice has no launch secret") from None
        raise LaunchRefused(f"rejected: {type(error).__name__}") from error
    if counselor is None or not secret:  # the stand-in signs nothing; belt and braces
        raise LaunchRefused("unknown counselor, or the practice has no launch secret")
    _check_times(claims)
    if not counselor.active:
        raise LaunchRefused("counselor deactivated")
    return counselor, claims


@cache
def _stand_in_secret() -> str:
    """Checked against when nobody's secret applies; it signs nothing."""
    return new_launch_secret()


def _check_claim_types(claims: dict) -> None:
    """Every claim a launch reads has the type it must have, or the token is malformed
    (400): a NaN or infinite time, a string where a number belongs, a number where a
    string does. The rest of the launch can then compare and convert them safely."""
    for name in TIME_CLAIMS:
        if name in claims and not _finite_number(claims[name]):
            raise LaunchRefused(f"{name} must be a finite number", malformed=True)
    if "sub" in claims and not isinstance(claims["sub"], str):
        raise LaunchRefused("sub must be a string", malformed=True)
    jti = claims.get("jti")
    if "jti" in claims and not (isinstance(jti, str) and 1 <= len(jti) <= JTI_MAX):
        raise LaunchRefused("jti must be a string of 1 to 128 characters", malformed=True)
    couple_id = claims.get("couple_id")
    if couple_id is not None and not (_whole_number(couple_id) or _digits(couple_id)):
        raise LaunchRefused("couple_id is not a number", malformed=True)


def _finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _digits(value: object) -> bool:
    """ASCII digits only: ``str.isdigit`` also says yes to "²", which ``int`` refuses."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def _check_times(claims: dict) -> None:
    """The token's times (finite numbers, by ``_check_claim_types``) against our clock."""
    iat, exp = claims["iat"], claims["exp"]
    now = timeutil.utcnow().timestamp()
    max_age = current_app.config["LAUNCH_TOKEN_MAX_AGE_SECONDS"]
    if exp <= iat:
        raise LaunchRefused("exp before iat")
    if exp - iat > max_age:
        raise LaunchRefused(f"lives {exp - iat:.0f} s, more than {max_age} s")
    if iat > now + LEEWAY_SECONDS:
        raise LaunchRefused("issued in the future")
    if claims.get("nbf", iat) > now + LEEWAY_SECONDS:
        raise LaunchRefused("not valid yet (nbf)")
    if exp <= now - LEEWAY_SECONDS:
        raise LaunchRefused("expired")


def _check_couple(couple_id: int | str | None) -> int | None:
    """A couple named in the token must be one of the practice's: a token that names
    another practice's couple is refused, not quietly sent elsewhere (it is a host bug)."""
    if couple_id is None:
        return None
    number = int(couple_id)  # a whole number or ASCII digits, by _check_claim_types
    if not is_id(number):  # beyond the database's ids (SQLite could not even bind it)
        raise LaunchRefused("couple_id not in the counselor's practice")
    found = db.session.scalar(sa.select(Couple.id).where(Couple.id == number))
    if found is None:
        raise LaunchRefused("couple_id not in the counselor's practice")
    return found


def _was_used(practice_id: int, jti: str) -> bool:
    used = sa.select(UsedLaunchToken.id).where(
        UsedLaunchToken.practice_id == practice_id, UsedLaunchToken.jti == jti
    )
    return db.session.scalar(used.limit(1)) is not None


def _use_up(practice_id: int, jti: str, expires_at: datetime) -> None:
    """Record the jti; the unique constraint makes a replay (even a concurrent one) fail."""
    _forget_expired()
    try:
        with db.session.begin_nested():
            db.session.add(UsedLaunchToken(practice_id=practice_id, jti=jti, expires_at=expires_at))
    except IntegrityError as error:
        raise LaunchRefused("jti already used") from error


def _forget_expired() -> None:
    """A used jti needs keeping only until its token would be refused as expired anyway."""
    cutoff = timeutil.utcnow() - timedelta(seconds=LEEWAY_SECONDS * 2)
    db.session.execute(sa.delete(UsedLaunchToken).where(UsedLaunchToken.expires_at < cutoff))
