"""A partner's email preferences: snooze, stop (by the partner), resume (by the counselor)."""

from __future__ import annotations

from datetime import timedelta

from counselor import timeutil
from counselor.models import Partner
from counselor.services.audit import Actor, record_event
from counselor.services.delivery import webhooks
from counselor.services.errors import InvalidInput
from counselor.tenancy import get_in_practice

SNOOZE_DAYS = 7


def snooze_reminders(actor: Actor, partner: Partner, days: int = SNOOZE_DAYS) -> None:
    partner.snoozed_until = timeutil.utcnow() + timedelta(days=days)
    record_event(actor, "partner.snooze", "partner", partner.id)


def stop_emails(actor: Actor, partner: Partner) -> None:
    """The partner confirmed on their page (or their mail program sent the one-click
    unsubscribe, which asks nobody); stopping twice keeps the first time. Only the
    counselor turns emails back on (``resume_emails``)."""
    if partner.unsubscribed_at is None:
        partner.unsubscribed_at = timeutil.utcnow()
        record_event(actor, "partner.unsubscribe", "partner", partner.id)
        webhooks.emit(
            actor.practice_id,
            "partner.unsubscribed",
            {"partner_id": partner.id, "couple_id": partner.couple_id},
        )


def resume_emails(actor: Actor, partner_id: int) -> Partner:
    """The counselor turns emails back on (after talking with the partner)."""
    partner = get_in_practice(Partner, partner_id)
    partner.unsubscribed_at = None
    partner.snoozed_until = None
    record_event(actor, "partner.resubscribe", "partner", partner.id)
    return partner


def set_reminder_hour(actor: Actor, partner: Partner, hour: int | None) -> None:
    """The local hour the partner prefers to hear from us (quiet hours still apply)."""
    if hour is None or not 0 <= hour <= 23:
        raise InvalidInput.single("reminder_hour", "Choose an hour from 0 to 23.")
    partner.reminder_hour = hour
    record_event(actor, "partner.reminder_hour", "partner", partner.id)
