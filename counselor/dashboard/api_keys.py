"""Settings › API keys: a practice's keys for host systems. Owners create (the key is
shown once, on the page that created it) and revoke them; everyone sees the list."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from counselor.dashboard import bp
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.helpers import current_actor
from counselor.models import ApiKey, CounselorRole
from counselor.services.accounts import api_keys
from counselor.services.errors import InvalidInput
from counselor.tenancy import get_in_practice
from counselor.web import show_errors


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Name", description="Which system uses it, e.g. “Practice manager (production)”."
    )


@bp.route("/settings/api-keys", methods=["GET", "POST"])
def api_keys_page() -> ResponseReturnValue:
    form = ApiKeyForm(prefix="key")
    new_secret = None
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate_on_submit():
            try:
                api_keys.require_key_manager(current_user)
                _key, new_secret = api_keys.create_api_key(current_actor(), form.name.data or "")
            except InvalidInput as error:
                show_errors(form, error)
            else:
                status = 201
                form = ApiKeyForm(prefix="key", formdata=None)
    response = render_template(
        "dashboard/api_keys.html",
        form=form,
        revoke_form=DeleteForm(),
        keys=api_keys.practice_api_keys(),
        new_secret=new_secret,
        is_owner=current_user.role == CounselorRole.OWNER,
    )
    return response, status  # no-store, as every page (counselor/http_headers.py)


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
