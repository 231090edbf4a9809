"""API keys of a practice: created (the secret shown once), looked up by hash, revoked.

A key acts for the whole practice, or for one counselor (``ApiKey.counselor_id``): it then
sees what that counselor sees on the dashboard — only their own couples when the practice
keeps counselors to theirs (``tenancy.enter_as_counselor``) — and stops working while the
counselor is deactivated.

Its scopes (``api/scopes.py``) say what it may do: read, change, and receive what partners
and counselors wrote. An owner may narrow or widen them later without replacing the key
(keys made before scopes existed hold all three: narrowing one is how an owner stops a
host receiving reflections); every change is audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import ApiKey, Counselor, CounselorRole
from counselor.services.accounts.api_scopes import (
    CLINICAL_TEXT,
    DEFAULT_SCOPES,
    HOMEWORK_READ,
    HOMEWORK_WRITE,
    SCOPES,
    joined_scopes,
    parse_scopes,
)
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.validation import API_KEY_NAME_MAX, check_text
from counselor.tenancy import across_practices, get_in_practice

KEY_PREFIX = "chk_"  # "counselor homework key": recognisable in logs and secret scanners
SHOWN_PREFIX_LENGTH = 12  # "chk_" and 8 characters: enough to tell keys apart in a list
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_api_key(
    actor: Actor,
    name: str,
    counselor_id: int | None = None,
    scopes: Iterable[str] = DEFAULT_SCOPES,
) -> tuple[ApiKey, str]:
    """A new key for the actor's practice, acting for the whole practice or, given
    ``counselor_id``, for that active counselor of it, with ``scopes`` (at least one);
    returns the row and the secret (shown only once). ``homework:write`` needs
    ``homework:read``."""
    problems = FieldErrors()
    name = check_text(problems, "name", name, max_length=API_KEY_NAME_MAX)
    if counselor_id is not None and key_counselor(counselor_id) is None:
        problems.add("counselor_id", "Choose an active counselor of this practice.")
    stored_scopes = _checked_scopes(problems, scopes)
    problems.raise_if_any()
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        practice_id=actor.practice_id,
        name=name,
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        key_hash=hash_key(secret),
        created_by_id=actor.id if actor.kind == "counselor" else None,
        counselor_id=counselor_id,
        scopes=stored_scopes,
    )
    db.session.add(key)
    db.session.flush()
    record_event(actor, "api_key.create", "api_key", key.id)
    return key, secret


def change_scopes(actor: Actor, key_id: int, scopes: Iterable[str]) -> ApiKey:
    """Give a live key of the actor's practice these scopes (at least one; writing needs
    reading), from its next request on. Audited by what changed (``_record_scope_changes``);
    the same scopes again change nothing."""
    key = get_in_practice(ApiKey, key_id)
    problems = FieldErrors()
    stored_scopes = _checked_scopes(problems, scopes)
    if key.revoked_at is not None:
        problems.add("scopes", "This key is revoked: it has no scopes to change.")
    problems.raise_if_any()
    if stored_scopes != key.scopes:
        before, after = parse_scopes(key.scopes), parse_scopes(stored_scopes)
        key.scopes = stored_scopes
        _record_scope_changes(actor, key.id, before, after)
    return key


def _record_scope_changes(
    actor: Actor, key_id: int, before: frozenset[str], after: frozenset[str]
) -> None:
    """One audit event per kind of change: the clinical text granted or removed (whether a
    host receives what clients wrote), and reading or writing changed."""
    if CLINICAL_TEXT in after - before:
        record_event(actor, "api_key.clinical_text_granted", "api_key", key_id)
    if CLINICAL_TEXT in before - after:
        record_event(actor, "api_key.clinical_text_removed", "api_key", key_id)
    if (before ^ after) - {CLINICAL_TEXT}:
        record_event(actor, "api_key.scopes_changed", "api_key", key_id)


WRITE_NEEDS_READ = (
    f"A key that changes homework reads it too: tick {HOMEWORK_READ} with {HOMEWORK_WRITE} "
    "(a change's answer is the object it changed)."
)


def _checked_scopes(problems: FieldErrors, scopes: Iterable[str]) -> str:
    """The stored value of chosen scopes; a problem if none, one that isn't a scope, or
    writing without reading (every write answers with what it touched, and a host that
    changes a step needs to read it back: a write-only key is a mistake, not a safeguard)."""
    chosen = set(scopes)
    if chosen - set(SCOPES):
        problems.add("scopes", "Choose among the scopes listed.")
    elif not chosen:
        problems.add("scopes", "Choose at least one scope: a key without any can do nothing.")
    elif HOMEWORK_WRITE in chosen and HOMEWORK_READ not in chosen:
        problems.add("scopes", WRITE_NEEDS_READ)
    return joined_scopes(chosen)


def key_counselor(counselor_id: int) -> Counselor | None:
    """The active counselor of the practice in scope a key acts for, or None."""
    return db.session.scalar(
        sa.select(Counselor).where(Counselor.id == counselor_id, Counselor.active.is_(True))
    )


def practice_api_keys() -> list[ApiKey]:
    """Every key of the practice in scope, revoked ones too, newest first."""
    return list(
        db.session.scalars(sa.select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc()))
    )


def revoke_api_key(actor: Actor, key_id: int) -> ApiKey:
    """Revoke a key of the actor's practice; it answers 401 from now on. Twice is harmless."""
    key = get_in_practice(ApiKey, key_id)
    if key.revoked_at is None:
        key.revoked_at = timeutil.utcnow()
        record_event(actor, "api_key.revoke", "api_key", key.id)
    return key


def require_key_manager(counselor: Counselor) -> None:
    """Only owners manage keys: a key reads and changes every couple of the practice."""
    if counselor.role != CounselorRole.OWNER:
        raise InvalidInput.single("name", "Only an owner of the practice can manage API keys.")


def key_for_secret(secret: str) -> ApiKey | None:
    """The live (not revoked) key with this secret, or None. Across practices: the key is
    what tells which practice the request acts for."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    return db.session.scalar(
        across_practices(
            sa.select(ApiKey).where(
                ApiKey.key_hash == hash_key(secret), ApiKey.revoked_at.is_(None)
            )
        )
    )


def note_key_used(key_id: int) -> None:
    """Stamp ``last_used_at`` (to the minute) in the caller's transaction."""
    now = timeutil.utcnow()
    db.session.execute(
        sa.update(ApiKey)
        .where(
            ApiKey.id == key_id,
            sa.or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
    )
