"""Forms on the partner pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import AnyOf, InputRequired, Optional

from counselor.form_checks import text_bounds
from counselor.i18n import LANGUAGES
from counselor.services import validation as bounds

# The labels are lazy: each page writes them in the partner's language.
COMFORT_CHOICES = [
    SelectChoice("1", _("1 – very hard")),
    SelectChoice("2", "2"),
    SelectChoice("3", "3"),
    SelectChoice("4", "4"),
    SelectChoice("5", _("5 – easy")),
]


def keep_it_short(limit: int) -> str:
    """The words of a text that is too long (lazy: the page's language)."""
    return _("Keep it to %(num)s characters or fewer.", num=limit)


class CheckInFields(FlaskForm):
    """What a partner fills in about doing a step, when marking it done or changing it."""

    comfort = RadioField(
        _("How did it feel to lean on your partner?"),
        choices=COMFORT_CHOICES,
        validators=[Optional()],
    )
    reflection = TextAreaField(
        _("Anything you noticed? (optional)"),
        validators=[
            Optional(),
            *text_bounds(bounds.REFLECTION_MAX, too_long=keep_it_short(bounds.REFLECTION_MAX)),
        ],
        render_kw={"rows": 4, "maxlength": bounds.REFLECTION_MAX},
    )
    share_with_partner = BooleanField(_("Let my partner read this too"))


class MarkDoneForm(CheckInFields):
    checkin_key = HiddenField(validators=[InputRequired(), *text_bounds(bounds.CHECKIN_KEY_MAX)])
    when = SelectField(_("When did you do it?"), default="0")


class EditCheckInForm(CheckInFields):
    # The day as an ISO date: a page left open past midnight still means the same day.
    # Any value is let through to the service, which says what is wrong with the day.
    day = SelectField(_("When did you do it?"), validate_choice=False)


class ConfirmForm(FlaskForm):
    """A button whose only field is the CSRF token."""


class ConfirmedForm(FlaskForm):
    """The button of a confirm page. Its hidden field says the partner saw what will
    happen: a POST without it (an old page, a crafted request) shows the confirm page."""

    # No default, so a POST without it fails; the page renders it as confirmed(value="yes").
    confirmed = HiddenField(validators=[AnyOf(["yes"])])


class FreshLinkForm(FlaskForm):
    email = EmailField(
        _("Your email address"),
        validators=[
            InputRequired(_("Enter your email address.")),
            *text_bounds(bounds.EMAIL_MAX),
        ],
    )


class ReminderHourForm(FlaskForm):
    """The hour reminders come. It offers only hours outside the partner's quiet hours
    (``offer_hours``); any other posted hour reaches the service, whose refusal names
    the nearest hour that works — a plainer answer than "not a valid choice"."""

    reminder_hour = SelectField(_("Remind me at"), validate_choice=False)

    def offer_hours(self, hours: list[int]) -> ReminderHourForm:
        self.reminder_hour.choices = [SelectChoice(str(h), f"{h:02d}:00") for h in hours]
        return self


class LanguageForm(FlaskForm):
    """The language of the partner's page and emails, each offered in its own name. Any
    posted value reaches the service, whose refusal names the languages it speaks."""

    language = SelectField(
        "Language / Idioma / Sprache",
        choices=[SelectChoice(tag, name) for tag, name in LANGUAGES.items()],
        validate_choice=False,
    )
