"""Settings › Your account (my own preferences) and Settings › Practice (owners change it,
everyone reads it). The API-key and webhook tabs live in ``api_keys.py`` and
``webhooks.py``; the tab bar in ``templates/dashboard/settings_tabs.html``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectChoice

from counselor.dashboard import bp
from counselor.dashboard.timezone_field import TimezoneField
from counselor.services.accounts import settings
from counselor.services.accounts.settings import BY_TIME_ZONE, PracticeSettingsInput
from counselor.services.errors import InvalidInput
from counselor.web import show_errors
from reports.paper import A4_NAME, LETTER_NAME, PAPER_LABELS, paper_name


class MyPreferencesForm(FlaskForm):
    timezone = TimezoneField(
        "My time zone", description="The dashboard shows every time on your clock."
    )
    weekly_digest = BooleanField(
        "Email me a digest of couples needing attention on Monday mornings"
    )


class PracticeSettingsForm(FlaskForm):
    practice_timezone = TimezoneField(
        "Practice time zone",
        description="The zone new counselors and new partners start with; reports use it.",
    )
    # Radio buttons, not selects: their long labels read whole at phone width.
    reminder_cadence = RadioField(
        "Reminders to partners",
        choices=[
            SelectChoice("standard", "Standard: first day, when behind pace, day before due"),
            SelectChoice("gentle", "Gentle: first day and the day before due"),
            SelectChoice("off", "Off: no reminders"),
        ],
    )
    email_detail = RadioField(
        "What emails to partners may say",
        choices=[
            SelectChoice("minimal", "Minimum: practice, first name, number of open steps"),
            SelectChoice("titles", "Also the titles of open steps"),
        ],
    )
    reply_to = EmailField(
        "Reply-to address (optional)",
        description="Where partners' replies to our emails go, e.g. office@example.org. "
        "Blank: replies go to the sender address.",
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    email_names_counselor = BooleanField(
        "Name the counselor in emails to partners",
        description="Off: emails name only the practice. On: they also name the couple's "
        "counselor.",
    )
    reveal_together = BooleanField(
        "Reveal shared reflections when both have written",
        description="On a step both partners do, a reflection one shares stays hidden from "
        "the other until they have written theirs for that week, or the week ends. Each "
        "couple's page can override this.",
    )
    email_counselor_replies = BooleanField(
        "Email a partner when you write a note on their reflection",
        description="Its subject is “A new note on your page” (or “A note from” you, when "
        "emails may name the counselor). It never contains the note, only a link to their "
        "page; at most one a day.",
    )
    paper_size = RadioField(
        "Paper for printed reports and handouts",
        choices=[
            SelectChoice(BY_TIME_ZONE, "By the practice's time zone: Letter in the Americas, "
                         "A4 elsewhere"),
            SelectChoice(LETTER_NAME, PAPER_LABELS[LETTER_NAME]),
            SelectChoice(A4_NAME, PAPER_LABELS[A4_NAME]),
        ],
    )  # fmt: skip


@bp.route("/settings", methods=["GET", "POST"])
def settings_page() -> ResponseReturnValue:
    """Settings › Your account."""
    form = MyPreferencesForm(prefix="me", obj=current_user)
    if form.validate_on_submit():
        try:
            settings.update_my_preferences(
                current_user, form.timezone.data or "", form.weekly_digest.data
            )
        except InvalidInput as error:
            show_errors(form, error)
        else:
            flash("Your settings are saved.", "success")
            return redirect(url_for("dashboard.settings_page"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("dashboard/settings.html", form=form), status


@bp.route("/settings/practice", methods=["GET", "POST"])
def practice_settings_page() -> ResponseReturnValue:
    """Settings › Practice: the form for owners, the values for everyone else."""
    practice = current_user.practice
    form = PracticeSettingsForm(
        prefix="practice",
        data={
            "practice_timezone": practice.timezone,
            "reminder_cadence": practice.reminder_cadence.value,
            "email_detail": practice.email_detail.value,
            "reply_to": practice.reply_to or "",
            "email_names_counselor": practice.email_names_counselor,
            "paper_size": practice.paper_size or BY_TIME_ZONE,
            "reveal_together": practice.reveal_together,
            "email_counselor_replies": practice.email_counselor_replies,
        },
    )
    if form.validate_on_submit():
        try:
            settings.update_practice_settings(
                current_user,
                PracticeSettingsInput(
                    timezone=form.practice_timezone.data or "",
                    reminder_cadence=form.reminder_cadence.data,
                    email_detail=form.email_detail.data,
                    reply_to=form.reply_to.data or "",
                    email_names_counselor=bool(form.email_names_counselor.data),
                    paper_size=form.paper_size.data,
                    reveal_together=bool(form.reveal_together.data),
                    email_counselor_replies=bool(form.email_counselor_replies.data),
                ),
            )
        except InvalidInput as error:
            show_errors(form, error, aliases={"practice": "form"})
        else:
            flash("The practice's settings are saved.", "success")
            return redirect(url_for("dashboard.practice_settings_page"), 303)
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "dashboard/practice_settings.html",
            form=form,
            practice=practice,
            may_manage=settings.may_manage_practice(current_user),
            paper=PAPER_LABELS[paper_name(practice.paper_size, practice.timezone)],
        ),
        status,
    )
