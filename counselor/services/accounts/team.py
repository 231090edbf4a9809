"""The practice's counselors (Settings › Counselors): owners invite counselors by email,
resend an invitation, deactivate and reactivate accounts, and change roles.

Every counselor may read the list; only owners change it. The practice never loses its
last active owner: an owner cannot deactivate themselves, and no deactivation or change
of role leaves the practice without an active (joined) owner — on PostgreSQL the owners'
rows are locked while that is counted, so two owners demoting each other at once cannot
both succeed. Deactivating ends every session of the counselor at once
(``sessions.end_all``), revokes their calendar feed (``calendar_feed.revoke_feed``: a
reactivation does not bring its address back), stops an API key limited to them
(``api/guard.py``) and an unused invitation link (``account_links``); their couples stay
theirs until an owner gives each to another counselor on the couple's edit form.
Reactivating undoes it: they sign in again with their password (an invited counselor's
invitation can be sent again) and make a new calendar address if they want one.

Audit events name ids only: ``counselor.invite``, ``counselor.deactivate``,
``counselor.reactivate``, ``counselor.role``.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import Counselor, CounselorRole, Couple, CoupleStatus
from counselor.services.accounts import account_links, counselors, sessions
from counselor.services.audit import Actor, record_event
from counselor.services.couples import calendar_feed
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.validation import COUNSELOR_NAME_MAX, check_email, check_text
from counselor.tenancy import get_in_practice

ONLY_OWNERS = "Only an owner of the practice can change its counselors."
LAST_OWNER = "The practice needs at least one active owner. Make another counselor an owner first."


class Status(enum.StrEnum):
    ACTIVE = "active"  # signs in
    INVITED = "invited"  # has not accepted the invitation yet
    DEACTIVATED = "deactivated"  # cannot sign in until an owner reactivates them


def status_of(counselor: Counselor) -> Status:
    if not counselor.active:
        return Status.DEACTIVATED
    if counselor.joined_at is None:
        return Status.INVITED
    return Status.ACTIVE


def every_counselor() -> list[Counselor]:
    """Every counselor of the practice in scope, deactivated ones too, by name."""
    return list(db.session.scalars(sa.select(Counselor).order_by(Counselor.name, Counselor.id)))


def may_manage(counselor: Counselor) -> bool:
    return counselor.role == CounselorRole.OWNER and counselor.active


def _require_owner(actor: Counselor, field: str = "counselor") -> None:
    if not may_manage(actor):
        raise InvalidInput.single(field, ONLY_OWNERS)


def invite(actor: Counselor, name: str, email: str, role: str) -> Counselor:
    """Add a counselor who will choose their own password from an emailed link: active,
    not joined, with a stored password nothing matches; the invitation email queued in
    the same transaction. An address any counselor already uses is refused."""
    _require_owner(actor, "email")
    problems = FieldErrors()
    name = check_text(problems, "name", name, max_length=COUNSELOR_NAME_MAX)
    address = check_email(problems, "email", email)
    chosen = _check_role(problems, role)
    if "email" not in problems.errors and counselors.counselor_by_email(address) is not None:
        problems.add(
            "email",
            "A counselor already uses this email address (here or in another practice). "
            "Each counselor needs an address of their own.",
        )
    problems.raise_if_any()
    assert chosen is not None  # else _check_role added a problem
    invited = Counselor(
        practice_id=actor.practice_id,
        email=address,
        name=name,
        role=chosen,
        timezone=actor.practice.timezone,
        password_hash=counselors.unusable_password_hash(),
        active=True,
        joined_at=None,
    )
    db.session.add(invited)
    db.session.flush()
    # The email names who invited them from this event: recorded first.
    record_event(Actor.for_counselor(actor), "counselor.invite", "counselor", invited.id)
    account_links.queue_invite_email(invited)
    return invited


def resend_invite(actor: Counselor, counselor_id: int) -> Counselor:
    """Send an invited counselor a new invitation; its link retires the earlier ones."""
    _require_owner(actor)
    invited = get_in_practice(Counselor, counselor_id)
    if status_of(invited) != Status.INVITED:
        raise InvalidInput.single(
            "counselor", f"{invited.name} has no open invitation to send again."
        )
    record_event(Actor.for_counselor(actor), "counselor.invite", "counselor", invited.id)
    account_links.queue_invite_email(invited)
    return invited


def deactivate(actor: Counselor, counselor_id: int) -> int:
    """Stop a counselor's access: every session of theirs ends at once and their calendar
    feed is revoked. Refused for oneself and for the last active owner. Returns how many
    sessions ended."""
    _require_owner(actor)
    target = get_in_practice(Counselor, counselor_id)
    if target.id == actor.id:
        raise InvalidInput.single(
            "counselor", "You can't deactivate your own account. Ask another owner."
        )
    if not target.active:
        return 0  # twice is harmless
    if _is_active_owner(target) and _other_active_owners(target) == 0:
        raise InvalidInput.single("counselor", LAST_OWNER)
    target.active = False
    ended = sessions.end_all(target.id, sessions.DEACTIVATED)
    calendar_feed.revoke_feed(target, Actor.for_counselor(actor))
    record_event(Actor.for_counselor(actor), "counselor.deactivate", "counselor", target.id)
    return ended


def reactivate(actor: Counselor, counselor_id: int) -> Counselor:
    """Undo a deactivation: they sign in again as before."""
    _require_owner(actor)
    target = get_in_practice(Counselor, counselor_id)
    if not target.active:
        target.active = True
        record_event(Actor.for_counselor(actor), "counselor.reactivate", "counselor", target.id)
    return target


def change_role(actor: Counselor, counselor_id: int, role: str) -> Counselor:
    """Make a counselor an owner, or an owner a counselor; never the practice's last
    active owner."""
    _require_owner(actor, "role")
    target = get_in_practice(Counselor, counselor_id)
    problems = FieldErrors()
    chosen = _check_role(problems, role)
    problems.raise_if_any()
    if chosen == target.role:
        return target
    if (
        chosen != CounselorRole.OWNER
        and _is_active_owner(target)
        and _other_active_owners(target) == 0
    ):
        raise InvalidInput.single("role", LAST_OWNER)
    assert chosen is not None
    target.role = chosen
    record_event(Actor.for_counselor(actor), "counselor.role", "counselor", target.id)
    return target


def couples_treated_by(counselor_id: int) -> list[Couple]:
    """The couples still in the counselor's care (active or paused), by label: what the
    deactivation page names, so an owner can give each to someone else."""
    return list(
        db.session.scalars(
            sa.select(Couple)
            .where(Couple.counselor_id == counselor_id, Couple.status != CoupleStatus.CLOSED)
            .order_by(Couple.label, Couple.id)
        )
    )


def _check_role(problems: FieldErrors, role: str) -> CounselorRole | None:
    try:
        return CounselorRole(role)
    except ValueError:
        problems.add("role", "Choose owner or counselor.")
        return None


def _is_active_owner(counselor: Counselor) -> bool:
    return (
        counselor.role == CounselorRole.OWNER
        and counselor.active
        and counselor.joined_at is not None
    )


def _other_active_owners(counselor: Counselor) -> int:
    """How many active, joined owners the practice has besides ``counselor``. Every owner's
    row is locked on PostgreSQL until the transaction ends, the counselor's own included:
    a concurrent change of owners waits, then counts again what this one left."""
    owners = db.session.scalars(
        sa.select(Counselor.id)
        .where(
            Counselor.role == CounselorRole.OWNER,
            Counselor.active.is_(True),
            Counselor.joined_at.is_not(None),
        )
        .with_for_update()
    ).all()
    return len([owner for owner in owners if owner != counselor.id])
