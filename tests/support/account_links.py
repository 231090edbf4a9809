"""Counselors' single-use links in tests: an invited counselor with their invitation
queued (as Settings › Counselors makes one), the emails the outbox sends, and the links in
them."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from counselor import tenancy
from counselor.extensions import db
from counselor.models import Counselor, CounselorRole, OutboxEmail, OutboxStatus, Practice
from counselor.services.accounts import account_links, counselors
from counselor.services.audit import Actor, record_event
from counselor.services.delivery import mail, outbox
from tests.support import factories

RESET_LINK = re.compile(r"https?://[^\s\"'<>]+/login/reset/([A-Za-z0-9_-]+)")
INVITE_LINK = re.compile(r"https?://[^\s\"'<>]+/join/([A-Za-z0-9_-]+)")


def invited_counselor(practice: Practice, inviter: Counselor | None = None, **fields) -> Counselor:
    """A counselor an owner invited: active, not joined, no usable password; the owner's
    ``counselor.invite`` event and the invitation email queued, all committed."""
    counselor = factories.CounselorFactory(
        practice=practice,
        role=CounselorRole.COUNSELOR,
        joined_at=None,
        password_hash=counselors.unusable_password_hash(),
        **fields,
    )
    with tenancy.practice_scope(practice.id):
        if inviter is not None:
            actor = Actor.for_counselor(inviter)
            record_event(actor, "counselor.invite", "counselor", counselor.id)
        account_links.queue_invite_email(counselor)
    db.session.commit()
    return counselor


def send_waiting_emails() -> list[int]:
    """Send every pending email now, as a worker would (into .eml files without a mail
    server); the ids sent."""
    ids = list(
        db.session.scalars(
            tenancy.across_practices(
                sa.select(OutboxEmail.id).where(OutboxEmail.status == OutboxStatus.PENDING)
            )
        )
    )
    return outbox.deliver(mail.EMAILS, ids).done


def written_emails(to: str | None = None) -> list[EmailMessage]:
    """The .eml files the outbox wrote (oldest first), those to ``to`` if given."""
    folder = Path(current_app.config["MAIL_OUTBOX_DIR"])
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("outbox-*.eml"), key=lambda p: int(p.stem[7:]))
    ]
    return [m for m in messages if to is None or m["To"] == to]


def body(message: EmailMessage, kind: str = "plain") -> str:
    return message.get_body((kind,)).get_content()


def link_token(message: EmailMessage, pattern: re.Pattern[str] = RESET_LINK) -> str:
    found = pattern.search(body(message))
    assert found is not None, body(message)
    return found.group(1)
