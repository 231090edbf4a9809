"""Settings › Reminders: do the practice's reminders help (``progress.reminder_figures``,
from last night's snapshot), and the adaptive cadence switch (owners change it, everyone
reads it). The cadence itself stays on Settings › Practice.

Also the couple page's *Back to the practice's cadence* for a partner the adaptive cadence
lowered: a POST that first answers with the confirm page, then restores (audited)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField

from counselor.dashboard import bp
from counselor.dashboard.confirm import Confirmation, confirm_page, confirmed
from counselor.dashboard.helpers import current_actor
from counselor.models import Partner, ReminderCadence
from counselor.services.accounts import settings
from counselor.services.delivery import reminders
from counselor.services.errors import InvalidInput
from counselor.services.progress import adaptive_cadence, reminder_effect, reminder_figures
from counselor.tenancy import get_in_practice, sees_only_own_couples
from counselor.web import show_errors


class AdaptiveCadenceForm(FlaskForm):
    adaptive_cadence = BooleanField(
        "Ease off reminders that go unheeded",
        description=(
            f"When none of a partner's reminders has been followed by a check-in within "
            f"{reminder_effect.FOLLOW_HOURS} hours for {adaptive_cadence.ADAPT_WEEKS} weeks "
            "in a row, their reminders drop to gentle and their counselor is told."
        ),
    )


@bp.app_template_filter("effective_cadence")
def effective_cadence(partner: Partner) -> ReminderCadence:
    """The cadence a partner's reminders follow, as the planner has it, for the pages."""
    return reminders.effective_cadence(partner)


@bp.route("/settings/reminders", methods=["GET", "POST"])
def reminder_settings_page() -> ResponseReturnValue:
    practice = current_user.practice
    # On a POST only the posted form counts: an unticked box sends nothing.
    shown = {"adaptive_cadence": practice.adaptive_cadence} if request.method == "GET" else None
    form = AdaptiveCadenceForm(prefix="reminders", data=shown)
    may_manage = settings.may_manage_practice(current_user)
    if may_manage and form.validate_on_submit():
        try:
            adaptive_cadence.set_adaptive_cadence(current_user, bool(form.adaptive_cadence.data))
        except InvalidInput as error:
            show_errors(form, error, aliases={"practice": "form"})
        else:
            state = "on" if practice.adaptive_cadence else "off"
            flash(f"Adaptive cadence is {state}.", "success")
            return redirect(url_for("dashboard.reminder_settings_page"), 303)
    elif request.method == "POST" and not may_manage:
        form.form_errors.append("Only an owner of the practice can change this.")
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "dashboard/reminder_settings.html",
            form=form,
            practice=practice,
            may_manage=may_manage,
            figures=reminder_figures.practice_effect(),
            computed_at=reminder_figures.last_computed(),
            own_couples_only=sees_only_own_couples(current_user),
            window_weeks=reminder_effect.WINDOW_WEEKS,
            follow_hours=reminder_effect.FOLLOW_HOURS,
            adapt_weeks=adaptive_cadence.ADAPT_WEEKS,
            min_reminders=reminder_figures.MIN_REMINDERS,
            min_quiet_days=reminder_figures.MIN_QUIET_DAYS,
        ),
        status,
    )


@bp.route("/partners/<int:partner_id>/restore-cadence", methods=["POST"])
def partner_restore_cadence(partner_id: int) -> ResponseReturnValue:
    """Put a lowered partner back on the practice's cadence, once confirmed."""
    partner = get_in_practice(Partner, partner_id)
    back = url_for("dashboard.couple_detail", couple_id=partner.couple_id)
    if not confirmed():
        return confirm_page(
            Confirmation(
                title="Back to the practice's cadence?",
                question=f"Put {partner.first_name}'s reminders back on the practice's cadence?",
                consequences=[
                    f"{partner.first_name}'s reminders follow the practice's cadence again "
                    "from the next one planned.",
                    "Adaptive cadence judges them again from today: only reminders sent from "
                    f"now on count, so it takes {adaptive_cadence.ADAPT_WEEKS} more unheeded "
                    "weeks to ease off again.",
                ],
                action=url_for("dashboard.partner_restore_cadence", partner_id=partner.id),
                confirm_label="Restore the practice's cadence",
                back=back,
                back_label="Keep gentle and go back",
                danger=False,
            ),
            partner.couple.label,
        )
    try:
        adaptive_cadence.restore_cadence(current_actor(), partner.id)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        flash(f"{partner.first_name}'s reminders follow the practice's cadence again.", "success")
    return redirect(back, 303)
