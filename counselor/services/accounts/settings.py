"""Settings a counselor changes for themselves, and those an owner changes for the practice."""

from __future__ import annotations

from counselor.models import Counselor, CounselorRole, EmailDetail, ReminderCadence
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.validation import check_timezone


def update_my_preferences(counselor: Counselor, timezone: str, weekly_digest: bool) -> None:
    problems = FieldErrors()
    timezone = check_timezone(problems, "timezone", timezone)
    problems.raise_if_any()
    counselor.timezone, counselor.weekly_digest = timezone, weekly_digest
    record_event(Actor.for_counselor(counselor), "counselor.preferences", "counselor", counselor.id)


def update_practice_settings(
    counselor: Counselor, timezone: str, reminder_cadence: str, email_detail: str
) -> None:
    """Owners only: the practice's time zone, reminder cadence and how much emails say."""
    if counselor.role != CounselorRole.OWNER:
        raise InvalidInput.single("practice", "Only an owner of the practice can change this.")
    problems = FieldErrors()
    timezone = check_timezone(problems, "practice_timezone", timezone)
    if reminder_cadence not in {c.value for c in ReminderCadence}:
        problems.add("reminder_cadence", "Choose off, gentle or standard.")
    if email_detail not in {d.value for d in EmailDetail}:
        problems.add("email_detail", "Choose what emails may say.")
    problems.raise_if_any()
    practice = counselor.practice
    practice.timezone = timezone
    practice.reminder_cadence = ReminderCadence(reminder_cadence)
    practice.email_detail = EmailDetail(email_detail)
    record_event(Actor.for_counselor(counselor), "practice.settings", "practice", practice.id)
