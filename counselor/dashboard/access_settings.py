"""Settings › Access: the practice's access policy. Owners set how long a dashboard session
may stay idle and live at most, whether every counselor must use a second factor, and
whether counselors who are not owners see every couple or only the couples they treat
(the default), and which host systems may show the dashboard in a frame of their own
(``services/accounts/framing.py``); everyone else reads them. The rules live in
``services/accounts/settings.py``; enforcing them is the sessions', the sign-in's and the
tenancy layer's."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectChoice, TextAreaField

from counselor.dashboard import bp
from counselor.form_checks import WholeNumberWithin
from counselor.services.accounts import framing, settings
from counselor.services.accounts.settings import (
    SESSION_IDLE_MINUTES,
    SESSION_MAX_HOURS,
    AccessSettingsInput,
)
from counselor.services.errors import InvalidInput
from counselor.web import show_errors

ONLY_THEIRS, EVERY_COUPLE = "theirs", "all"

# The framing setting's name, on its field and where the saved settings are listed.
FRAMING_LABEL = "Other websites allowed to show this dashboard inside their own pages"


class AccessSettingsForm(FlaskForm):
    session_idle_minutes = IntegerField(
        "Sign out after this many minutes without activity",
        description=f"From {SESSION_IDLE_MINUTES[0]} to {SESSION_IDLE_MINUTES[1]} minutes.",
        validators=[WholeNumberWithin(*SESSION_IDLE_MINUTES)],
        render_kw={"inputmode": "numeric"},
    )
    session_max_hours = IntegerField(
        "Sign out this many hours after signing in, however active",
        description=f"From {SESSION_MAX_HOURS[0]} to {SESSION_MAX_HOURS[1]} hours.",
        validators=[WholeNumberWithin(*SESSION_MAX_HOURS)],
        render_kw={"inputmode": "numeric"},
    )
    require_second_factor = BooleanField(
        "Every counselor signs in with a second factor",
        description="An authenticator app or a passkey, besides the password. A counselor "
        "without one is asked to set it up at their next sign-in, before anything else.",
    )
    couples_seen = RadioField(
        "Which couples counselors see",
        description="Owners always see every couple of the practice.",
        choices=[
            SelectChoice(ONLY_THEIRS, "Only the couples they treat"),
            SelectChoice(EVERY_COUPLE, "Counselors see every couple of the practice"),
        ],
    )
    frame_ancestors = TextAreaField(
        FRAMING_LABEL,
        description="Only if your practice-management software shows the dashboard inside "
        "its screens. One web address per line, e.g. https://pm.example.org. Leave empty "
        "otherwise. Client pages are never shown inside other sites.",
        render_kw={"rows": 3, "spellcheck": "false", "autocomplete": "off"},
    )


@bp.route("/settings/access", methods=["GET", "POST"])
def access_settings_page() -> ResponseReturnValue:
    """Settings › Access: the form for owners, the values for everyone else."""
    practice = current_user.practice
    form = AccessSettingsForm(
        prefix="access",
        data={
            "session_idle_minutes": practice.session_idle_minutes,
            "session_max_hours": practice.session_max_hours,
            "require_second_factor": practice.require_second_factor,
            "couples_seen": EVERY_COUPLE if practice.staff_see_all_couples else ONLY_THEIRS,
            "frame_ancestors": "\n".join(framing.allowed_origins(practice.frame_ancestors)),
        },
    )
    if form.validate_on_submit():
        try:
            settings.update_access_settings(
                current_user,
                AccessSettingsInput(
                    session_idle_minutes=form.session_idle_minutes.data,
                    session_max_hours=form.session_max_hours.data,
                    require_second_factor=bool(form.require_second_factor.data),
                    staff_see_all_couples=form.couples_seen.data == EVERY_COUPLE,
                    frame_ancestors=form.frame_ancestors.data or "",
                ),
            )
        except InvalidInput as error:
            show_errors(form, error, aliases={"practice": "form"})
        else:
            flash("The practice's access settings are saved.", "success")
            return redirect(url_for("dashboard.access_settings_page"), 303)
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "dashboard/access_settings.html",
            form=form,
            practice=practice,
            may_manage=settings.may_manage_practice(current_user),
            frame_origins=framing.allowed_origins(practice.frame_ancestors),
            framing_label=FRAMING_LABEL,
        ),
        status,
    )
