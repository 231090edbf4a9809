"""Dashboard forms. They parse and label fields, and refuse what no column could hold (the
bounds every edge shares: ``counselor/form_checks.py``); the rules live in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Optional

from counselor.dashboard.timezone_field import TimezoneField
from counselor.form_checks import WithinYears, text_bounds
from counselor.i18n import DEFAULT_LANGUAGE, LANGUAGES
from counselor.ladder import TIMES_PER_WEEK_MAX, TIMES_PER_WEEK_MIN
from counselor.models import Assignee, Couple, CoupleStatus
from counselor.services import validation as bounds


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[InputRequired(), *text_bounds(bounds.EMAIL_MAX)])
    password = PasswordField("Password", validators=[InputRequired()])


class PartnerForm(Form):
    first_name = StringField("First name", validators=text_bounds(bounds.FIRST_NAME_MAX))
    email = EmailField("Email", validators=text_bounds(bounds.EMAIL_MAX))
    timezone = TimezoneField("Time zone", validators=text_bounds(bounds.TIMEZONE_MAX))
    reminder_hour = IntegerField("Reminder hour (0–23)", default=18, validators=[Optional()])
    quiet_start_hour = IntegerField("Quiet from (hour)", default=21, validators=[Optional()])
    quiet_end_hour = IntegerField("Quiet until (hour)", default=8, validators=[Optional()])
    # Any posted value reaches the service, whose refusal names the languages it speaks.
    language = SelectField(
        "Language of their page and emails",
        choices=[SelectChoice(tag, name) for tag, name in LANGUAGES.items()],
        default=DEFAULT_LANGUAGE,
        validate_choice=False,
    )


class CoupleForm(FlaskForm):
    label = StringField(
        "Couple label",
        description='For example "Alex & Sam R."',
        validators=text_bounds(bounds.LABEL_MAX),
    )
    status = SelectField(
        "Status",
        choices=[SelectChoice(s.value, s.value.capitalize()) for s in CoupleStatus],
        default=CoupleStatus.ACTIVE.value,
    )
    counselor_id = SelectField("Counselor", coerce=int)
    external_id = StringField(
        "External id",
        description="The id in your practice system, if any.",
        validators=text_bounds(bounds.EXTERNAL_ID_MAX),
    )
    partners = FieldList(FormField(PartnerForm), min_entries=2, max_entries=2)


class AssignmentForm(FlaskForm):
    template_key = HiddenField(validators=text_bounds(bounds.TEMPLATE_KEY_MAX))
    rung_id = SelectField("Rung", coerce=int, validators=[Optional()])
    title = StringField("Step title", validators=text_bounds(bounds.TITLE_MAX))
    instructions = TextAreaField(
        "Instructions to the couple",
        render_kw={"rows": 5},
        validators=text_bounds(bounds.INSTRUCTIONS_MAX),
    )
    assignee = RadioField("Who does it")
    times_per_week = IntegerField(
        f"Times per week ({TIMES_PER_WEEK_MIN}–{TIMES_PER_WEEK_MAX})", validators=[Optional()]
    )
    starts_on = DateField("Starts on", validators=[Optional(), WithinYears()])
    due_on = DateField("Due on (optional)", validators=[Optional(), WithinYears()])
    notify = BooleanField("Email the partners about this step", default=True)
    send_now = BooleanField("Send the email now, even in the partner's quiet hours")
    # Set by the "Assign it again" button once the page asked; never a box to tick.
    allow_duplicate = BooleanField()


class EndAssignmentForm(FlaskForm):
    status = HiddenField()


class DeleteForm(FlaskForm):
    pass


def unix_line_breaks(text: str | None) -> str | None:
    """A textarea's line breaks (CRLF, as browsers send them) as one character each, so that
    its length counts what the service stores and the browser's ``maxlength`` allowed."""
    return text.replace("\r\n", "\n") if isinstance(text, str) else text


class SessionForm(FlaskForm):
    day = DateField("Date", validators=[InputRequired(message="Enter the date."), WithinYears()])
    time = TimeField("Time", validators=[InputRequired(message="Enter the time.")])
    agenda = TextAreaField(
        "Agenda (optional)",
        description="What to cover in this session. Counselors of the practice read it here "
        "and in the pre-session report; it is never emailed.",
        render_kw={"rows": 5, "maxlength": bounds.SESSION_TEXT_MAX},
        filters=[unix_line_breaks],
        validators=text_bounds(bounds.SESSION_TEXT_MAX),
    )
    external_id = StringField(
        "External id",
        description="The id in your practice system, if any.",
        validators=text_bounds(bounds.EXTERNAL_ID_MAX),
    )


class NotesForm(FlaskForm):
    notes = TextAreaField(
        "Notes",
        description="After the session: private, only counselors of the practice read "
        "these, never emailed.",
        render_kw={"rows": 10, "maxlength": bounds.SESSION_TEXT_MAX},
        filters=[unix_line_breaks],
        validators=text_bounds(bounds.SESSION_TEXT_MAX),
    )


COMFORT_CHOICES = [SelectChoice("", "Not given")] + [SelectChoice(str(n)) for n in range(1, 6)]


class CheckInForm(FlaskForm):
    idempotency_key = HiddenField(validators=text_bounds(bounds.CHECKIN_KEY_MAX))
    partner_id = SelectField("Partner", coerce=int)
    occurred_on = DateField("Done on", validators=[Optional(), WithinYears()])
    comfort = SelectField("Comfort (1 = hard, 5 = easy)", choices=COMFORT_CHOICES, default="")
    reflection = TextAreaField(
        "Reflection (optional)",
        render_kw={"rows": 4, "maxlength": bounds.REFLECTION_MAX},
        validators=text_bounds(bounds.REFLECTION_MAX),
    )
    share_with_partner = BooleanField("Share this reflection with the other partner")


def assignee_choices(couple: Couple) -> list[SelectChoice]:
    """Who does a step: each partner, both together, or only one of them."""
    first, second = couple.partners
    return [
        SelectChoice(
            Assignee.EACH.value,
            f"Each partner on their own ({first.first_name} and {second.first_name})",
        ),
        SelectChoice(Assignee.TOGETHER.value, "Both together (one joint step)"),
        SelectChoice(str(first.id), f"Only {first.first_name}"),
        SelectChoice(str(second.id), f"Only {second.first_name}"),
    ]
