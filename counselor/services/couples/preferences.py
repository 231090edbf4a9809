"""A partner's email preferences: snooze and resume reminders (by the partner), stop emails
(by the partner), resume them (by the counselor), and the reminder hour — which every form
and the API check with ``check_reminder_hour``."""

from __future__ import annotations

from datetime import timedelta

from counselor import timeutil
from counselor.models import Partner
from counselor.services.audit import Actor, record_event
from counselor.services.delivery import quiet_hours, webhooks
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.tenancy import get_in_practice

SNOOZE_DAYS = 7


def snooze_reminders(actor: Actor, partner: Partner, days: int = SNOOZE_DAYS) -> None:
    partner.snoozed_until = timeutil.utcnow() + timedelta(days=days)
    record_event(actor, "partner.snooze", "partner", partner.id)


def resume_reminders(actor: Actor, partner: Partner) -> None:
    """The partner's *Resume now*, the undo of a snooze: reminders come again at their
    hour. A partner whose reminders are not paused (any more) has nothing to resume, and
    nothing is recorded."""
    if partner.snoozed_until is None or partner.snoozed_until <= timeutil.utcnow():
        return
    partner.snoozed_until = None
    record_event(actor, "partner.resume_reminders", "partner", partner.id)


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
    """The partner chooses the local hour they hear from us; one inside their quiet hours
    is refused with the nearest hour that works, so the page's "reminders come at …" is
    the hour they come at."""
    if hour is None or isinstance(hour, bool) or not 0 <= hour <= 23:
        raise InvalidInput.single("reminder_hour", "Choose an hour from 0 to 23.")
    problems = FieldErrors()
    check_reminder_hour(
        problems, "reminder_hour", hour, partner.quiet_start_hour, partner.quiet_end_hour
    )
    problems.raise_if_any()
    partner.reminder_hour = hour
    record_event(actor, "partner.reminder_hour", "partner", partner.id)


def check_reminder_hour(
    problems: FieldErrors,
    field: str,
    reminder_hour: int | None,
    quiet_start_hour: int | None,
    quiet_end_hour: int | None,
    whose: str = "your",
) -> None:
    """The one check of a reminder hour against quiet hours — the partner's page, the
    dashboard's couple form and the API all use it, for a new hour and for new quiet hours
    alike: a reminder hour inside quiet hours is refused, offering the nearest allowed
    hour. Hours that are not whole numbers from 0 to 23 are their own checks' business."""
    hours = (reminder_hour, quiet_start_hour, quiet_end_hour)
    if not all(isinstance(h, int) and not isinstance(h, bool) and 0 <= h <= 23 for h in hours):
        return
    assert reminder_hour is not None and quiet_start_hour is not None  # by the check above
    assert quiet_end_hour is not None
    problem = quiet_hours.reminder_hour_problem(
        reminder_hour, quiet_start_hour, quiet_end_hour, whose
    )
    if problem is not None:
        problems.add(field, problem)
