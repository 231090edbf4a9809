"""Settings › Data retention: how long the practice keeps closed couples' client text,
emails and webhook deliveries, and report PDFs (owners change it, everyone reads it), and
what the next nightly purge will remove (services/retention.py)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from counselor.dashboard import bp
from counselor.services import retention
from counselor.services.accounts import settings
from counselor.services.errors import InvalidInput
from counselor.services.retention import DAYS_MAX, DAYS_MIN, MONTHS_MAX, MONTHS_MIN, RetentionInput
from counselor.web import show_errors


def _whole(low: int, high: int) -> list:
    message = f"Enter a whole number from {low} to {high}."
    return [InputRequired(message), NumberRange(low, high, message)]


class RetentionForm(FlaskForm):
    closed_client_text_months = IntegerField(
        "Erase a closed couple's client text after (months)",
        validators=_whole(MONTHS_MIN, MONTHS_MAX),
        description=f"{MONTHS_MIN}–{MONTHS_MAX} months after the couple was closed. Names, "
        "email addresses, reflections and reports go; the counts stay.",
    )
    messages_days = IntegerField(
        "Delete sent emails and webhook deliveries after (days)",
        validators=_whole(DAYS_MIN, DAYS_MAX),
        description=f"{DAYS_MIN}–{DAYS_MAX} days. Only finished ones: nothing still waiting "
        "to go is ever deleted.",
    )
    report_pdfs_days = IntegerField(
        "Delete report PDFs after (days)",
        validators=_whole(DAYS_MIN, DAYS_MAX),
        description=f"{DAYS_MIN}–{DAYS_MAX} days after the report was made. You can always "
        "prepare a new report.",
    )


@bp.route("/settings/retention", methods=["GET", "POST"])
def retention_page() -> ResponseReturnValue:
    practice = current_user.practice
    form = RetentionForm(
        prefix="retention",
        data={
            "closed_client_text_months": practice.retain_closed_client_text_months,
            "messages_days": practice.retain_messages_days,
            "report_pdfs_days": practice.retain_report_pdfs_days,
        },
    )
    may_manage = settings.may_manage_practice(current_user)
    if may_manage and form.validate_on_submit():
        try:
            retention.update_retention_settings(
                current_user,
                RetentionInput(
                    form.closed_client_text_months.data,
                    form.messages_days.data,
                    form.report_pdfs_days.data,
                ),
            )
        except InvalidInput as error:
            show_errors(form, error, aliases={"retention": "form"})
        else:
            flash("The practice's retention settings are saved.", "success")
            return redirect(url_for("dashboard.retention_page"), 303)
    elif request.method == "POST" and not may_manage:
        form.form_errors.append("Only an owner of the practice can change this.")
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "dashboard/retention_settings.html",
            form=form,
            practice=practice,
            may_manage=may_manage,
            preview=retention.preview(practice),
        ),
        status,
    )
