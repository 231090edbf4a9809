"""Practices and counselor accounts: creation, passwords, logging in.

A password is set under the rule of ``passwords.py`` wherever it is set; ``store_password``
writes its hash and stamps ``password_changed_at``. An invited counselor (``joined_at``
null) holds ``unusable_password_hash()`` until they accept (``account_links.py``): no
password signs them in, and logging in as them looks like logging in as no one."""

from __future__ import annotations

import re
import secrets
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Counselor, CounselorRole, Practice
from counselor.services.accounts import passwords, sessions
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.validation import (
    COUNSELOR_NAME_MAX,
    check_email,
    check_text,
    check_timezone,
)
from counselor.tenancy import across_practices

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
# Starts no hash argon2 knows, so nothing verifies against it (an invited counselor's).
UNUSABLE_PREFIX = "!unusable:"
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def unusable_password_hash() -> str:
    """A stored value no password matches: an invited counselor's until they join."""
    return UNUSABLE_PREFIX + secrets.token_hex(16)


def _hasher() -> PasswordHasher:
    """The hasher for the app's ``PASSWORD_HASH_PROFILE``; hashes made with another profile
    still verify, and are rehashed at the next login."""
    return _hasher_for(current_app.config["PASSWORD_HASH_PROFILE"])


@cache
def _hasher_for(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the email is unknown, so both paths take the same time."""
    return hasher.hash("not-a-real-password-only-for-timing")


def create_practice(name: str, slug: str, timezone: str = "UTC") -> Practice:
    problems = FieldErrors()
    name = check_text(problems, "name", name, max_length=COUNSELOR_NAME_MAX)
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug):
        problems.add("slug", "Use lowercase letters, digits and dashes (e.g. 'north-clinic').")
    elif db.session.scalar(across_practices(sa.select(Practice.id).where(Practice.slug == slug))):
        problems.add("slug", f"A practice with the slug '{slug}' already exists.")
    check_timezone(problems, "timezone", timezone)
    problems.raise_if_any()
    practice = Practice(name=name, slug=slug, timezone=timezone)
    db.session.add(practice)
    db.session.flush()
    return practice


def practice_by_slug(slug: str) -> Practice | None:
    """Across practices: the slug is how a command names the practice it works for."""
    return db.session.scalar(across_practices(sa.select(Practice).where(Practice.slug == slug)))


def create_counselor(
    practice: Practice,
    email: str,
    name: str,
    password: str,
    role: CounselorRole = CounselorRole.COUNSELOR,
    timezone: str | None = None,
) -> Counselor:
    """A counselor of ``practice``, on the practice's clock unless ``timezone`` says
    otherwise (they change it in Settings)."""
    problems = FieldErrors()
    email = check_email(problems, "email", email)
    name = check_text(problems, "name", name, max_length=COUNSELOR_NAME_MAX)
    check_password(problems, password, name=name, email=email)
    zone = check_timezone(problems, "timezone", practice.timezone if timezone is None else timezone)
    if email and counselor_by_email(email):
        problems.add("email", "A counselor with this email already exists.")
    problems.raise_if_any()
    counselor = Counselor(
        practice_id=practice.id,
        email=email,
        name=name,
        role=role,
        timezone=zone,
        password_hash=hash_password(password),
        joined_at=timeutil.utcnow(),  # created with a password: no invitation to accept
    )
    db.session.add(counselor)
    db.session.flush()
    record_event(Actor.system(practice.id), "counselor.create", "counselor", counselor.id)
    return counselor


def check_password(
    problems: FieldErrors,
    password: str,
    *,
    name: str,
    email: str,
    field: str = "password",
) -> None:
    """The password rule (``passwords.policy_problems``) for a counselor of this name and
    email address."""
    passwords.check_new_password(problems, password, name=name, email=email, field=field)


def store_password(counselor: Counselor, password: str) -> None:
    """Write a checked password's hash and stamp when it changed. The caller ends sessions
    and records the event its case calls for."""
    counselor.password_hash = hash_password(password)
    counselor.password_changed_at = timeutil.utcnow()


def verify_password(counselor: Counselor, password: str) -> bool:
    """Whether ``password`` is the counselor's; as slow for a wrong one as for the right one
    (text no keyboard types, a lone surrogate, is simply wrong)."""
    hasher = _hasher()
    try:
        return hasher.verify(counselor.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError, UnicodeEncodeError):
        return False


def set_password(counselor: Counselor, password: str) -> None:
    """An operator sets a counselor's password (``flask set-password``): under the rule,
    and every session of theirs ends and their calendar feed is revoked, as after a reset
    by email."""
    problems = FieldErrors()
    check_password(problems, password, name=counselor.name, email=counselor.email)
    problems.raise_if_any()
    store_password(counselor, password)
    if counselor.joined_at is None:  # an operator's password stands for the invitation
        counselor.joined_at = timeutil.utcnow()
    sessions.end_all(counselor.id, sessions.PASSWORD_RESET)
    # Imported when called: the calendar feed imports the email content, which imports
    # this module.
    from counselor.services.couples.calendar_feed import revoke_feed

    revoke_feed(counselor, Actor.system(counselor.practice_id))
    record_event(
        Actor.system(counselor.practice_id), "counselor.set_password", "counselor", counselor.id
    )


def change_password(
    counselor: Counselor, current: str, new: str, *, keep_session_id: int | None
) -> int:
    """The counselor changes their own password, giving the current one. Every other
    session of theirs ends (``keep_session_id``: the one asking); returns how many.
    A wrong current password, or a new one the rule refuses, writes nothing."""
    if not verify_password(counselor, current):
        raise InvalidInput.single(
            "current_password", "That is not your current password. Nothing was changed."
        )
    problems = FieldErrors()
    check_password(problems, new, name=counselor.name, email=counselor.email, field="new_password")
    problems.raise_if_any()
    store_password(counselor, new)
    ended = sessions.end_all(
        counselor.id, sessions.PASSWORD_CHANGED, keep_session_id=keep_session_id
    )
    record_event(Actor.for_counselor(counselor), "password.change", "counselor", counselor.id)
    return ended


def can_use_password(counselor: Counselor | None) -> bool:
    """Whether this counselor may sign in with a password, or ask for a new one by email:
    active, and joined (an invitation still open has no password yet)."""
    return counselor is not None and counselor.active and counselor.joined_at is not None


def counselor_by_email(email: str) -> Counselor | None:
    """Across practices: an email is unique among all counselors, and logging in with it
    is how a counselor's practice is found."""
    return db.session.scalar(across_practices(_with_email(sa.select(Counselor), email)))


def practice_counselor_by_email(email: str) -> Counselor | None:
    """An active counselor of the practice in scope with this email (a host names
    counselors so)."""
    return db.session.scalar(
        _with_email(sa.select(Counselor), email).where(Counselor.active.is_(True))
    )


def _with_email(query: sa.Select, email: str) -> sa.Select:
    return query.where(sa.func.lower(Counselor.email) == email.strip().lower())


def authenticate(email: str, password: str) -> Counselor:
    """The active counselor with these credentials, else ``InvalidInput`` (one message for all)."""
    hasher = _hasher()
    counselor = counselor_by_email(email or "")
    if counselor is not None and counselor.joined_at is None:
        counselor = None  # invited, not joined: as if no one (the same work, the same answer)
    stored = counselor.password_hash if counselor else _dummy_hash(hasher)
    try:
        hasher.verify(stored, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        counselor = None
    if counselor is None or not counselor.active:
        raise InvalidInput.single("email", "That email and password do not match an account.")
    if hasher.check_needs_rehash(counselor.password_hash):
        counselor.password_hash = hasher.hash(password)
    counselor.last_login_at = timeutil.utcnow()
    return counselor  # the sign-in it starts records auth.login (dashboard/auth.py)


def practice_counselors() -> list[Counselor]:
    """The active counselors of the practice in scope, by name."""
    return list(
        db.session.scalars(
            sa.select(Counselor).where(Counselor.active.is_(True)).order_by(Counselor.name)
        )
    )
