"""Settings a counselor changes for themselves, and those an owner changes for the practice:
Settings › Practice, and Settings › Access (how long sessions last, whether a second factor
is required, which couples counselors see). The access policy is only stored here: the
sessions enforce its limits (``sessions.py``), the sign-in its second factor, and the
tenancy layer its couples (``tenancy.enter_as_counselor``)."""

from __future__ import annotations

from dataclasses import dataclass

from counselor.models import Counselor, CounselorRole, EmailDetail, ReminderCadence
from counselor.services.accounts import framing
from counselor.services.audit import Actor, record_event
from counselor.services.errors import FieldErrors, InvalidInput
from counselor.services.validation import check_email, check_int_range, check_timezone
from reports.paper import PAPER_NAMES

# Settings › Access: the bounds of the practice's session limits.
SESSION_IDLE_MINUTES = (5, 240)
SESSION_MAX_HOURS = (1, 24)
# Settings › Practice: no paper chosen, the practice's time zone decides.
BY_TIME_ZONE = "timezone"


@dataclass(frozen=True)
class PracticeSettingsInput:
    timezone: str
    reminder_cadence: str
    email_detail: str
    # Where partners' replies go; blank: to the sender address.
    reply_to: str = ""
    # Emails to partners name their counselor ("from Dana at Riverside …").
    email_names_counselor: bool = False
    # The paper of printed reports and handouts: "letter", "a4" or BY_TIME_ZONE (Letter in
    # the Americas, A4 elsewhere: ``reports.paper``); None leaves it as it is.
    paper_size: str | None = None
    # Shared reflections shown only when both partners have written (``homework.reflections``)
    # and "Your counselor replied" emails (``homework.replies``); None leaves each as it is.
    reveal_together: bool | None = None
    email_counselor_replies: bool | None = None


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
    and whom they come from, and the paper reports are printed on. Nothing is written
    unless every value is good."""
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
    paper = settings.paper_size
    if paper is not None and paper not in (BY_TIME_ZONE, *PAPER_NAMES):
        problems.add("paper_size", "Choose Letter, A4 or by the practice's time zone.")
    problems.raise_if_any()
    practice = counselor.practice
    practice.timezone = timezone
    practice.reminder_cadence = ReminderCadence(settings.reminder_cadence)
    practice.email_detail = EmailDetail(settings.email_detail)
    practice.reply_to = reply_to or None
    practice.email_names_counselor = bool(settings.email_names_counselor)
    if paper is not None:
        practice.paper_size = None if paper == BY_TIME_ZONE else paper
    if settings.reveal_together is not None:
        practice.reveal_together = settings.reveal_together
    if settings.email_counselor_replies is not None:
        practice.email_counselor_replies = settings.email_counselor_replies
    record_event(Actor.for_counselor(counselor), "practice.settings", "practice", practice.id)


@dataclass(frozen=True)
class AccessSettingsInput:
    session_idle_minutes: int | None  # a session ends after this long without a request
    session_max_hours: int | None  # and this long after sign-in, whatever happens
    require_second_factor: bool  # every counselor signs in with a second factor
    staff_see_all_couples: bool  # counselors who are not owners see every couple
    # Host origins that may show the dashboard in a frame, as an owner typed them (one a
    # line; ``framing.py`` checks them); None leaves them as they are.
    frame_ancestors: str | None = None


def update_access_settings(counselor: Counselor, settings: AccessSettingsInput) -> None:
    """Owners only: the practice's access policy. Nothing is written unless every value is
    good; audited as ``practice.access_settings``, and a change of the hosts that may frame
    the dashboard also as ``practice.frame_ancestors``."""
    if not may_manage_practice(counselor):
        raise InvalidInput.single("practice", "Only an owner of the practice can change this.")
    problems = FieldErrors()
    idle = check_int_range(
        problems, "session_idle_minutes", settings.session_idle_minutes, *SESSION_IDLE_MINUTES
    )
    lifetime = check_int_range(
        problems, "session_max_hours", settings.session_max_hours, *SESSION_MAX_HOURS
    )
    frame_ancestors = (
        framing.checked_frame_ancestors(problems, settings.frame_ancestors)
        if settings.frame_ancestors is not None
        else None
    )
    problems.raise_if_any()
    assert idle is not None and lifetime is not None  # else check_int_range added a problem
    practice = counselor.practice
    practice.session_idle_minutes = idle
    practice.session_max_hours = lifetime
    practice.require_second_factor = bool(settings.require_second_factor)
    practice.staff_see_all_couples = bool(settings.staff_see_all_couples)
    actor = Actor.for_counselor(counselor)
    if settings.frame_ancestors is not None and frame_ancestors != practice.frame_ancestors:
        practice.frame_ancestors = frame_ancestors
        record_event(actor, "practice.frame_ancestors", "practice", practice.id)
    record_event(actor, "practice.access_settings", "practice", practice.id)
