"""Settings a counselor changes for themselves, and those an owner changes for the practice."""

from __future__ import annotations

from dataclasses import dataclass

from counselor.models import Counselor, CounselorRole, EmailDetail, ReminderCadence
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.validation import check_email, check_timezone


@dataclass(frozen=True)
class PracticeSettingsInput:
    timezone: str
    reminder_cadence: str
    email_detail: str
    # Where partners' replies go; blank: to the sender address.
    reply_to: str = ""
    # Emails to partners name their counselor ("from Dana at Riverside …").
    email_names_counselor: bool = False


def update_my_preferences(counselor: Counselor, timezone: str, weekly_digest: bool) -> None:
    problems = FieldErrors()
    timezone = check_timezone(problems, "timezone", timezone)
    problems.raise_if_any()
    counselor.timezone, counselor.weekly_digest = timezone, weekly_digest
    record_event(Actor.for_counselor(counselor), "counselor.preferences", "counselor", counselor.id)


def may_manage_practice(counselor: Counselor) -> bool:
    """Only an owner changes the practice's settings; every counselor may read them."""
    return counselor.role == CounselorRole.OWNER


def update_practice_settings(counselor: Counselor, settings: PracticeSettingsInput) -> None:
    """Owners only: the practice's time zone, reminder cadence, what emails to partners say
    and whom they come from. Nothing is written unless every value is good."""
    if not may_manage_practice(counselor):
        raise InvalidInput.single("practice", "Only an owner of the practice can change this.")
    problems = FieldErrors()
    timezone = check_timezone(problems, "practice_timezone", settings.timezone)
    if settings.reminder_cadence not in {c.value for c in ReminderCadence}:
        problems.add("reminder_cadence", "Choose off, gentle or standard.")
    if settings.email_detail not in {d.value for d in EmailDetail}:
        problems.add("email_detail", "Choose what emails may say.")
    reply_to = (settings.reply_to or "").strip()
    if reply_to:
        reply_to = check_email(problems, "reply_to", reply_to)
    problems.raise_if_any()
    practice = counselor.practice
    practice.timezone = timezone
    practice.reminder_cadence = ReminderCadence(settings.reminder_cadence)
    practice.email_detail = EmailDetail(settings.email_detail)
    practice.reply_to = reply_to or None
    practice.email_names_counselor = bool(settings.email_names_counselor)
    record_event(Actor.for_counselor(counselor), "practice.settings", "practice", practice.id)
