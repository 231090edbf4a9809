"""Settings › API keys: a practice's keys for host systems. Owners create (the key is
shown once, on the page that created it) and revoke them; everyone sees the list. A key
acts for the whole practice, or for one counselor and sees only what they may see."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from counselor.dashboard import bp
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.helpers import current_actor
from counselor.models import ApiKey, CounselorRole
from counselor.services.accounts import api_keys, counselors, team
from counselor.services.errors import InvalidInput
from counselor.services.validation import parse_id
from counselor.tenancy import get_in_practice
from counselor.web import show_errors

WHOLE_PRACTICE = ""


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Name", description="Which system uses it, e.g. “Practice manager (production)”."
    )
    counselor_id = SelectField(
        "Acts for",
        description="A key for one counselor sees what they see: only their own couples "
        "when the practice keeps counselors to theirs (Settings › Access).",
        validate_choice=False,  # the service says which counselors may be chosen
    )


def _key_form(**kwargs: object) -> ApiKeyForm:
    form = ApiKeyForm(prefix="key", **kwargs)
    form.counselor_id.choices = [
        SelectChoice(WHOLE_PRACTICE, "The whole practice"),
        *(SelectChoice(str(c.id), c.name) for c in counselors.practice_counselors()),
    ]
    return form


@bp.route("/settings/api-keys", methods=["GET", "POST"])
def api_keys_page() -> ResponseReturnValue:
    form = _key_form()
    new_secret = None
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate_on_submit():
            try:
                api_keys.require_key_manager(current_user)
                _key, new_secret = api_keys.create_api_key(
                    current_actor(), form.name.data or "", _chosen_counselor(form)
                )
            except InvalidInput as error:
                show_errors(form, error)
            else:
                status = 201
                form = _key_form(formdata=None)
    response = render_template(
        "dashboard/api_keys.html",
        form=form,
        revoke_form=DeleteForm(),
        keys=api_keys.practice_api_keys(),
        counselor_names={c.id: c.name for c in team.every_counselor()},
        new_secret=new_secret,
        is_owner=current_user.role == CounselorRole.OWNER,
    )
    return response, status  # no-store, as every page (counselor/http_headers.py)


def _chosen_counselor(form: ApiKeyForm) -> int | None:
    """The counselor the key is for; None for the whole practice. Something that names no
    counselor id is passed on as 0, which names nobody, for the service to refuse."""
    chosen = form.counselor_id.data or WHOLE_PRACTICE
    if chosen == WHOLE_PRACTICE:
        return None
    return parse_id(chosen) or 0


@bp.route("/settings/api-keys/<int:key_id>/revoke", methods=["POST"])
def api_key_revoke(key_id: int) -> ResponseReturnValue:
    key = get_in_practice(ApiKey, key_id)
    if DeleteForm().validate_on_submit():
        try:
            api_keys.require_key_manager(current_user)
            api_keys.revoke_api_key(current_actor(), key.id)
        except InvalidInput as error:
            flash(error.sentences, "error")
        else:
            flash(f"Key “{key.name}” revoked: it no longer opens the API.", "success")
    return redirect(url_for("dashboard.api_keys_page"), 303)
