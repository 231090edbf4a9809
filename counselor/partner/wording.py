"""How the partner's pages write days, moments, numbers and a step's words: in the partner's
language (the request speaks it: ``i18n.use_language`` where the link is resolved), never
the English ``strftime`` the dashboard uses. The template filters are registered for every
template, so a partial the counselor's preview draws reads the same.
"""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale
from babel.dates import format_time
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _

from counselor import timeutil
from counselor.i18n import current_language, format_day, language_of
from counselor.models import Assignment
from counselor.partner import bp
from counselor.services.homework.step_language import StepText, step_text

# The weekly check-in's caveat as partners read it: reports.data.PRACTICE_TOOL_NOTE's words
# (tests/partner/test_partner_language.py holds the two the same in English).
TOOL_NOTE = _(
    "A practice tool to talk about in your sessions, not a clinical test or a validated measure."
)
bp.add_app_template_global(TOOL_NOTE, "partner_tool_note")
# The page's language, for <html lang> (partner/base.html).
bp.add_app_template_global(current_language, "page_language")


def day_label(today: date, day: date) -> str:
    """A day a check-in may be put on, as the day list offers it: "Today", "Yesterday",
    else the day ("Tuesday, March 3" / "martes, 3 de marzo")."""
    days_ago = (today - day).days
    if days_ago == 0:
        return gettext("Today")
    if days_ago == 1:
        return gettext("Yesterday")
    return format_day(day)


@bp.app_template_filter("long_day")
def long_day(value: date | None, skeleton: str = "MMMMEEEEd") -> str:
    """A day with its weekday, in the page's language: "martes, 3 de marzo"."""
    return format_day(value, skeleton) if value else ""


@bp.app_template_filter("short_day")
def short_day(value: date | None) -> str:
    """A day in short, in the page's language: "mar, 3 mar"."""
    return format_day(value, "MMMEd") if value else ""


@bp.app_template_filter("weekday")
def weekday(value: date | None) -> str:
    return format_day(value, "EEEE") if value else ""


@bp.app_template_filter("long_moment")
def long_moment(moment: datetime | None, zone: str, with_time: bool = False) -> str:
    """A stored moment on the partner's clock, in their language: the day, and with
    ``with_time`` the time and the zone's label ("martes, 3 de marzo, 14:00 CET")."""
    if moment is None:
        return ""
    at = timeutil.to_local(moment, zone)
    day = format_day(at)
    if not with_time:
        return day
    time = format_time(at, "short", locale=current_language())
    return gettext("%(day)s, %(time)s %(zone)s", day=day, time=time, zone=timeutil.zone_label(at))


@bp.app_template_filter("decimal")
def decimal(value: float | None) -> str:
    """A figure to one decimal, as the language writes it: "3.5" / "3,5"."""
    return "" if value is None else format_decimal(value, format="0.0")


@bp.app_template_filter("language_name")
def language_name(tag: str) -> str:
    """A language's name in English, for the counselor: "Spanish" for "es"."""
    return Locale.parse(language_of(tag)).get_display_name("en") or tag


@bp.app_template_filter("step_words")
def step_words(assignment: Assignment) -> StepText:
    """A step's title and instructions in the page's language (``step_language``'s rule)."""
    return step_text(assignment, current_language())
