"""Settings › Counselors: everyone sees who works in the practice; owners invite counselors
by email, send an invitation again, deactivate (after a confirm page that names the
couples they still treat) and reactivate them, and change roles. The rules live in
``services/accounts/team.py``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, SelectField, StringField

from counselor.dashboard import bp
from counselor.dashboard.confirm import Confirmation, confirmed
from counselor.dashboard.forms import DeleteForm
from counselor.form_checks import text_bounds
from counselor.models import Counselor, CounselorRole
from counselor.services.accounts import team
from counselor.services.errors import InvalidInput
from counselor.services.validation import COUNSELOR_NAME_MAX, EMAIL_MAX
from counselor.tenancy import get_in_practice
from counselor.web import show_errors

ROLE_CHOICES = [
    SelectChoice("counselor", "Counselor: works with their couples"),
    SelectChoice("owner", "Owner: also manages the practice, its settings and counselors"),
]


class InviteForm(FlaskForm):
    name = StringField(
        "Name", validators=text_bounds(COUNSELOR_NAME_MAX), render_kw={"autocomplete": "off"}
    )
    email = EmailField(
        "Email address",
        description="We email them a link to choose their password; it works for a week.",
        validators=text_bounds(EMAIL_MAX),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    role = RadioField("Role", choices=ROLE_CHOICES, default="counselor", validate_choice=False)


class RoleForm(FlaskForm):
    role = SelectField(
        "Role",
        choices=[SelectChoice("counselor", "Counselor"), SelectChoice("owner", "Owner")],
        validate_choice=False,  # the service refuses anything else, in words
    )


def _back() -> ResponseReturnValue:
    return redirect(url_for("dashboard.counselors_page"), 303)


@bp.route("/settings/counselors", methods=["GET", "POST"])
def counselors_page() -> ResponseReturnValue:
    """The practice's counselors; an owner's POST invites one."""
    form = InviteForm(prefix="invite")
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate_on_submit():
            try:
                invited = team.invite(
                    current_user, form.name.data or "", form.email.data or "", form.role.data
                )
            except InvalidInput as error:
                show_errors(form, error)
            else:
                flash(
                    f"We emailed an invitation to {invited.email}. {invited.name} chooses "
                    "a password from its link, then signs in.",
                    "success",
                )
                return _back()
    members = team.every_counselor()
    return (
        render_template(
            "dashboard/counselors.html",
            form=form,
            members=[(member, team.status_of(member)) for member in members],
            role_forms={
                member.id: RoleForm(prefix=f"m{member.id}", role=member.role.value)
                for member in members
            },
            action_form=DeleteForm(),
            may_manage=team.may_manage(current_user),
        ),
        status,
    )


@bp.route("/settings/counselors/<int:counselor_id>/invite", methods=["POST"])
def counselor_resend_invite(counselor_id: int) -> ResponseReturnValue:
    invited = get_in_practice(Counselor, counselor_id)
    if DeleteForm().validate_on_submit():
        try:
            team.resend_invite(current_user, invited.id)
        except InvalidInput as error:
            flash(error.sentences, "error")
        else:
            flash(f"We emailed {invited.name} a new invitation.", "success")
    return _back()


@bp.route("/settings/counselors/<int:counselor_id>/deactivate", methods=["GET", "POST"])
def counselor_deactivate(counselor_id: int) -> ResponseReturnValue:
    """A confirm page (GET, or a POST without the confirmation), then the deactivation."""
    target = get_in_practice(Counselor, counselor_id)
    if request.method == "POST" and confirmed():
        try:
            team.deactivate(current_user, target.id)
        except InvalidInput as error:
            flash(error.sentences, "error")
        else:
            flash(
                f"{target.name} is deactivated and signed out everywhere. "
                "Reactivate them here to undo it.",
                "success",
            )
        return _back()
    if not team.may_manage(current_user):
        flash(team.ONLY_OWNERS, "error")
        return _back()
    couples = team.couples_treated_by(target.id)
    confirmation = Confirmation(
        title="Deactivate a counselor",
        question=f"Deactivate {target.name}?",
        consequences=[
            f"{target.name} is signed out at once, on every device, and can't sign in "
            "again until an owner reactivates them.",
            "API keys that act for them stop working meanwhile.",
            "Nothing they recorded is deleted. Reactivating them on the Counselors page "
            "undoes this.",
        ],
        action=url_for("dashboard.counselor_deactivate", counselor_id=target.id),
        confirm_label=f"Deactivate {target.name}",
        back=url_for("dashboard.counselors_page"),
        back_label="Keep them and go back",
    )
    return render_template(
        "dashboard/counselor_confirm.html",
        confirmation=confirmation,
        target=target,
        couples=couples,
    )


@bp.route("/settings/counselors/<int:counselor_id>/reactivate", methods=["POST"])
def counselor_reactivate(counselor_id: int) -> ResponseReturnValue:
    target = get_in_practice(Counselor, counselor_id)
    if DeleteForm().validate_on_submit():
        try:
            team.reactivate(current_user, target.id)
        except InvalidInput as error:
            flash(error.sentences, "error")
        else:
            flash(f"{target.name} can sign in again.", "success")
    return _back()


@bp.route("/settings/counselors/<int:counselor_id>/role", methods=["POST"])
def counselor_role(counselor_id: int) -> ResponseReturnValue:
    target = get_in_practice(Counselor, counselor_id)
    form = RoleForm(prefix=f"m{target.id}")
    if form.validate_on_submit():
        try:
            team.change_role(current_user, target.id, form.role.data or "")
        except InvalidInput as error:
            flash(error.sentences, "error")
        else:
            now = "an owner" if target.role == CounselorRole.OWNER else "a counselor"
            flash(f"{target.name} is now {now}.", "success")
    return _back()
