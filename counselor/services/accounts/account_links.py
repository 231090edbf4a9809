"""Single-use links for a counselor's account: *choose a new password* (a reset asked for
at /login/forgot) and *join the practice* (an owner's invitation).

Like a partner's link, the token (192 random bits) exists only in the email: it is made
when a worker composes the email (``email_content.py``), never stored or queued, and the
database keeps its SHA-256 (``AccountToken``). Unlike a partner's link it works once, and
briefly: ``PASSWORD_RESET_MINUTES`` for a reset, ``INVITE_VALID_DAYS`` for an invitation.
A newer link of the same purpose retires the counselor's older unused ones.

Asking for a reset must not tell whether an address belongs to a counselor, by its answer
or by its time: the request only hands the address to a worker (as a partner's request
for a fresh link does, ``links.request_link``), and the worker looks it up. An unknown
address, an inactive counselor and an invitation not yet accepted all get nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import joinedload

from counselor import task_names, tenancy, timeutil
from counselor.extensions import db
from counselor.models import (
    AccountToken,
    AccountTokenPurpose,
    AuditEvent,
    Counselor,
    EmailKind,
    OutboxEmail,
)
from counselor.services.accounts import counselors, sessions
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.validation import check_email

log = logging.getLogger(__name__)

TOKEN_BYTES = 24
TOKEN_MAX = 100  # longer is no token of ours: refused before it is hashed
INVITE_ACTION = "counselor.invite"  # the owner's audit event; the email names its actor
EMAIL_OF = {
    AccountTokenPurpose.PASSWORD_RESET: EmailKind.PASSWORD_RESET,
    AccountTokenPurpose.INVITE: EmailKind.COUNSELOR_INVITE,
}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def valid_for(purpose: AccountTokenPurpose) -> timedelta:
    config = current_app.config
    if purpose == AccountTokenPurpose.PASSWORD_RESET:
        return timedelta(minutes=config["PASSWORD_RESET_MINUTES"])
    return timedelta(days=config["INVITE_VALID_DAYS"])


def issue_token(counselor: Counselor, purpose: AccountTokenPurpose) -> str:
    """A new link's token for ``counselor``; the older unused ones of this purpose stop
    working. Returns the token, which is never stored. Called when the email is composed."""
    now = timeutil.utcnow()
    retire_tokens(counselor.id, purpose, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(
        AccountToken(
            practice_id=counselor.practice_id,
            counselor_id=counselor.id,
            purpose=purpose,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + valid_for(purpose),
        )
    )
    db.session.flush()
    return token


def retire_tokens(counselor_id: int, purpose: AccountTokenPurpose, now: datetime) -> int:
    """Unused, unexpired links of this counselor and purpose expire now; how many."""
    statement = (
        sa.update(AccountToken)
        .where(
            AccountToken.counselor_id == counselor_id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult, db.session.execute(statement)).rowcount or 0


def live_token(token: str, purpose: AccountTokenPurpose) -> AccountToken | None:
    """The unused, unexpired link of this token and purpose whose counselor may still use
    it, else ``None`` (unknown, used, expired, retired, the counselor deactivated, or the
    invitation already accepted) — all look the same to whoever holds it. Across
    practices: the token is what tells whose it is; the caller then works in its
    practice's scope."""
    if not token or len(token) > TOKEN_MAX or not token.isascii():
        return None  # none of ours: refused before it is hashed
    found = db.session.scalar(
        tenancy.across_practices(
            sa.select(AccountToken)
            .where(AccountToken.token_hash == hash_token(token), AccountToken.purpose == purpose)
            .options(joinedload(AccountToken.counselor).joinedload(Counselor.practice))
        )
    )
    if found is None or found.used_at is not None or found.expires_at <= timeutil.utcnow():
        return None
    if not _still_wanted(found.counselor, purpose):
        return None
    return found


def _still_wanted(counselor: Counselor, purpose: AccountTokenPurpose) -> bool:
    if purpose == AccountTokenPurpose.PASSWORD_RESET:
        return counselors.can_use_password(counselor)
    return counselor.active and counselor.joined_at is None


def _use(found: AccountToken) -> None:
    """Mark the link used, or refuse when another request used it first (a conditional
    UPDATE: two requests racing with one link cannot both pass)."""
    statement = (
        sa.update(AccountToken)
        .where(AccountToken.id == found.id, AccountToken.used_at.is_(None))
        .values(used_at=timeutil.utcnow())
        .execution_options(synchronize_session=False)
    )
    if (cast(CursorResult, db.session.execute(statement)).rowcount or 0) != 1:
        raise LinkUsed
    db.session.expire(found, ["used_at"])


class LinkUsed(Exception):
    """The link was used (or retired) between the page's look-up and its use."""


# Asking for a new password.


def request_password_reset(address: str) -> None:
    """Someone at /login/forgot asks for a link to choose a new password.

    The same work for any address: the address is checked for form and handed to a worker
    (``queue_password_reset``), which looks it up. Celery shows ``[address]`` where it
    shows arguments. With the broker down the request does the worker's part itself, so
    the request is not lost; only then does its time depend on the address. Text that is
    no email address is refused at once (that tells only what anyone can see)."""
    problems = FieldErrors()
    checked = check_email(problems, "email", address).lower()
    problems.raise_if_any()
    try:
        current_app.extensions["celery"].send_task(
            task_names.REQUEST_PASSWORD_RESET, args=[checked], argsrepr="('[address]',)"
        )
    except Exception:  # any broker failure: kombu raises several kinds
        log.warning("broker unreachable: a password reset is looked up in the request itself")
        queue_password_reset(checked)


def queue_password_reset(address: str) -> OutboxEmail | None:
    """The worker's part: for an active, joined counselor with this address, an outbox
    email of kind ``password_reset`` (sent at once: they are waiting for it), with older
    unused reset links retired now; for any other address nothing at all — no row, no log
    line. The link itself is made when the email is composed."""
    counselor = counselors.counselor_by_email(address)
    if not counselors.can_use_password(counselor):
        return None
    assert counselor is not None  # can_use_password says so
    with tenancy.practice_scope(counselor.practice_id):
        retire_tokens(counselor.id, AccountTokenPurpose.PASSWORD_RESET, timeutil.utcnow())
        email = _queue(counselor, EmailKind.PASSWORD_RESET)
        record_event(
            Actor.system(counselor.practice_id),
            "password.reset_requested",
            "counselor",
            counselor.id,
        )
    return email


def reset_password(found: AccountToken, password: str) -> Counselor:
    """Set a new password with a live reset link (``live_token``; its practice in scope):
    under the rule, the link used up, every session of the counselor ended and their
    calendar feed revoked (``calendar_feed.revoke_feed``).
    ``InvalidInput`` on ``password`` when the rule refuses it (nothing written, the link
    still good), on ``token`` when another request used the link meanwhile."""
    counselor = found.counselor
    _check(counselor, password)
    _use_or_refuse(found)
    counselors.store_password(counselor, password)
    sessions.end_all(counselor.id, sessions.PASSWORD_RESET)
    _revoke_calendar_feed(counselor)
    record_event(Actor.for_counselor(counselor), "password.reset", "counselor", counselor.id)
    return counselor


def _revoke_calendar_feed(counselor: Counselor) -> None:
    """``calendar_feed.revoke_feed``, imported when called: the calendar feed imports the
    email content, which imports this module."""
    from counselor.services.couples.calendar_feed import revoke_feed

    revoke_feed(counselor)


# Invitations: an owner adds a counselor (Settings › Counselors); they choose a password.


def queue_invite_email(counselor: Counselor) -> OutboxEmail:
    """The invitation email for a counselor just invited (active, ``joined_at`` null, an
    unusable password), in the caller's transaction; sent once it commits. Call it after
    recording the owner's ``counselor.invite`` audit event: the email names who invited
    them from it. Sending it again (a new email) retires the earlier links when composed."""
    if counselor.joined_at is not None:
        raise InvalidInput.single("counselor", f"{counselor.name} has already joined.")
    return _queue(counselor, EmailKind.COUNSELOR_INVITE)


def inviter_name(counselor: Counselor) -> str | None:
    """The name of the counselor whose invitation this is (the latest ``counselor.invite``
    event's actor), if a counselor made it."""
    inviter_id = db.session.scalar(
        sa.select(AuditEvent.actor_id)
        .where(
            AuditEvent.action == INVITE_ACTION,
            AuditEvent.object_type == "counselor",
            AuditEvent.object_id == counselor.id,
            AuditEvent.actor_type == "counselor",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if inviter_id is None:
        return None
    return db.session.scalar(sa.select(Counselor.name).where(Counselor.id == inviter_id))


def accept_invite(found: AccountToken, password: str) -> Counselor:
    """The invited counselor chooses their password with a live invitation link: under
    the rule, the link used up, ``joined_at`` stamped. ``InvalidInput`` as for
    ``reset_password``. The caller signs them in."""
    counselor = found.counselor
    _check(counselor, password)
    _use_or_refuse(found)
    counselors.store_password(counselor, password)
    counselor.joined_at = timeutil.utcnow()
    record_event(Actor.for_counselor(counselor), "counselor.join", "counselor", counselor.id)
    return counselor


# Shared steps.

LINK_DOES_NOT_WORK = "This link has expired or was already used. Ask for a new one."


def _check(counselor: Counselor, password: str) -> None:
    problems = FieldErrors()
    counselors.check_password(problems, password, name=counselor.name, email=counselor.email)
    problems.raise_if_any()


def _use_or_refuse(found: AccountToken) -> None:
    try:
        _use(found)
    except LinkUsed:
        raise InvalidInput.single("token", LINK_DOES_NOT_WORK) from None


def _queue(counselor: Counselor, kind: EmailKind) -> OutboxEmail:
    """An email to the counselor, sent as soon as a worker can: counselors' emails keep no
    quiet hours, and this one is awaited. No link or token is in the row."""
    from counselor.services.delivery import mail  # composing emails imports this module

    return mail.queue_counselor_email(counselor, kind)
