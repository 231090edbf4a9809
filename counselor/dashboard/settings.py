"""The settings page: my own preferences, and (for owners) the practice's."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField

from counselor import timeutil
from counselor.dashboard import bp
from counselor.models import CounselorRole
from counselor.services.accounts import settings
from counselor.services.errors import InvalidInput
from counselor.web import show_errors


class MyPreferencesForm(FlaskForm):
    timezone = StringField("My time zone", render_kw={"list": "timezones"})
    weekly_digest = BooleanField(
        "Email me a digest of couples needing attention on Monday mornings"
    )


class PracticeSettingsForm(FlaskForm):
    practice_timezone = StringField("Practice time zone", render_kw={"list": "timezones"})
    reminder_cadence = SelectField(
        "Reminders to partners",
        choices=[
            SelectChoice("standard", "Standard: first day, when behind pace, day before due"),
            SelectChoice("gentle", "Gentle: first day and the day before due"),
            SelectChoice("off", "Off: no reminders"),
        ],
    )
    email_detail = SelectField(
        "What emails to partners may say",
        choices=[
            SelectChoice("minimal", "Minimum: practice, first name, number of open steps"),
            SelectChoice("titles", "Also the titles of open steps"),
        ],
    )


@bp.route("/settings", methods=["GET", "POST"])
def settings_page() -> ResponseReturnValue:
    practice = current_user.practice
    mine = MyPreferencesForm(prefix="me", obj=current_user)
    is_owner = current_user.role == CounselorRole.OWNER
    practice_form = PracticeSettingsForm(
        prefix="practice",
        data={
            "practice_timezone": practice.timezone,
            "reminder_cadence": practice.reminder_cadence.value,
            "email_detail": practice.email_detail.value,
        },
    )
    status = 200
    if request.method == "POST":
        status = 422
        form = practice_form if "practice-submit" in request.form else mine
        if form.validate_on_submit():
            try:
                if form is mine:
                    settings.update_my_preferences(
                        current_user, mine.timezone.data or "", mine.weekly_digest.data
                    )
                else:
                    settings.update_practice_settings(
                        current_user,
                        practice_form.practice_timezone.data or "",
                        practice_form.reminder_cadence.data,
                        practice_form.email_detail.data,
                    )
            except InvalidInput as error:
                show_errors(form, error, aliases={"practice": "form"})
            else:
                flash("Settings saved.", "success")
                return redirect(url_for("dashboard.settings_page"))
    return (
        render_template(
            "dashboard/settings.html",
            mine=mine,
            practice_form=practice_form,
            is_owner=is_owner,
            timezones=sorted(timeutil.known_timezones()),
        ),
        status,
    )
