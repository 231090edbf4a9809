"""Settings › API keys: a practice's keys for host systems. Owners create (the key is
shown once, on the page that created it) and revoke them; everyone sees the list. A key
acts for the whole practice, or for one counselor and sees only what they may see, and
holds scopes (``services/accounts/api_scopes.py``): read and change, ticked by default, and
clinical text, unticked. An owner changes a live key's scopes on a page of its own, which
is the confirmation: the change holds from the key's next request, audited."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from counselor.dashboard import bp
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.helpers import current_actor
from counselor.dashboard.webhooks import CheckboxesField
from counselor.models import ApiKey, CounselorRole
from counselor.services.accounts import api_keys, counselors, team
from counselor.services.accounts.api_scopes import (
    CLINICAL_TEXT,
    DEFAULT_SCOPES,
    HOMEWORK_READ,
    HOMEWORK_WRITE,
    SCOPES,
    parse_scopes,
)
from counselor.services.errors import InvalidInput
from counselor.services.validation import parse_id
from counselor.tenancy import get_in_practice
from counselor.web import show_errors

WHOLE_PRACTICE = ""
SCOPES_LABEL = "What it may do"
# Each scope's name for a practice owner, its technical name in brackets; what it grants
# (``SCOPES``) is said under it.
SCOPE_LABELS: dict[str, str] = {
    HOMEWORK_READ: f"Read homework ({HOMEWORK_READ})",
    HOMEWORK_WRITE: f"Change homework ({HOMEWORK_WRITE}) \u2014 also needs Read",
    CLINICAL_TEXT: f"What clients wrote ({CLINICAL_TEXT})",
}
# Said under the clinical text scope wherever it can be ticked.
CLINICAL_TEXT_WARNING = (
    "Only for software meant to hold clinical notes, such as your practice-management system."
)


def _scope_choices() -> list[SelectChoice]:
    """Each scope by its plain name (the page says what it grants under it)."""
    return [SelectChoice(scope, SCOPE_LABELS[scope]) for scope in SCOPES]


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
    scopes = CheckboxesField(
        SCOPES_LABEL, default=list(DEFAULT_SCOPES), validate_choice=False
    )  # the service says which scopes exist and that one is needed


class ApiKeyScopesForm(FlaskForm):
    scopes = CheckboxesField(SCOPES_LABEL, validate_choice=False)


def _key_form(**kwargs: object) -> ApiKeyForm:
    form = ApiKeyForm(prefix="key", **kwargs)
    form.scopes.choices = _scope_choices()
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
                    current_actor(),
                    form.name.data or "",
                    _chosen_counselor(form),
                    form.scopes.data or [],
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
        key_scopes=_key_scopes,
        clinical_text=CLINICAL_TEXT,
        clinical_text_warning=CLINICAL_TEXT_WARNING,
        scope_grants=SCOPES,
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


def _key_scopes(key: ApiKey) -> list[str]:
    """A key's scopes in the order they are listed."""
    held = parse_scopes(key.scopes)
    return [scope for scope in SCOPES if scope in held]


@bp.route("/settings/api-keys/<int:key_id>/scopes", methods=["GET", "POST"])
def api_key_scopes_page(key_id: int) -> ResponseReturnValue:
    """Change a live key's scopes: the page shows them ticked as they are; saving is the
    confirmation. Owners only (everyone else reads them)."""
    key = get_in_practice(ApiKey, key_id)
    # A POST's boxes, even none ticked: Flask-WTF would fall back to ``data`` on a POST
    # with no fields at all, and keep the scopes a counselor unticked.
    form = ApiKeyScopesForm(
        prefix="scopes",
        formdata=request.form if request.method == "POST" else None,
        data={"scopes": _key_scopes(key)},
    )
    form.scopes.choices = _scope_choices()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                api_keys.require_key_manager(current_user)
                api_keys.change_scopes(current_actor(), key.id, form.scopes.data or [])
            except InvalidInput as error:
                show_errors(form, error, aliases={"name": "form"})
            else:
                flash(
                    f"Key “{key.name}” now has these scopes, from its next request on.",
                    "success",
                )
                return redirect(url_for("dashboard.api_keys_page"), 303)
    response = render_template(
        "dashboard/api_key_scopes.html",
        form=form,
        key=key,
        key_scopes=_key_scopes(key),
        is_owner=current_user.role == CounselorRole.OWNER,
        clinical_text=CLINICAL_TEXT,
        clinical_text_warning=CLINICAL_TEXT_WARNING,
        scope_grants=SCOPES,
    )
    return response, status
