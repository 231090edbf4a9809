"""Settings › Security › Two-step sign-in: what second steps a counselor has, and setting
them up and removing them.

- An authenticator app: *Set up* (a POST) makes the secret on the server; the setup page
  shows it as a QR code (an inline SVG drawn here with segno, no script or CDN) and as text,
  and it counts once a first code from the app confirms it.
- Recovery codes: ten, shown once on the page that made them; making new ones replaces
  the old (a confirm page asks first when some are left).
- Passkeys: added from this page (``static/passkeys.js`` runs the browser's side; the JSON
  endpoints are here), renamed, removed.

Removing the app or a passkey goes through a confirm page that asks for the password or a
fresh code, and is refused for the last one while the practice requires a second step.
When it does and the counselor has none yet, the sign-in guard (``auth.py``) sends them
here, and only the views marked ``open_while_enrolment_required`` are open to them."""

from __future__ import annotations

import segno
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, PasswordField, StringField

from counselor.dashboard import auth, bp
from counselor.dashboard import passkey_ceremony as ceremony
from counselor.dashboard.access import open_while_enrolment_required
from counselor.form_checks import text_bounds
from counselor.models import Counselor
from counselor.services.accounts import passkeys, two_factor
from counselor.services.errors import InvalidInput
from counselor.services.validation import PASSKEY_NAME_MAX
from counselor.web import show_errors

PAGE = "dashboard.two_factor_page"


class CodeForm(FlaskForm):
    code = StringField(
        "Code from the app",
        description="The six digits the app shows now.",
        validators=text_bounds(two_factor.CODE_INPUT_MAX),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class ProofForm(FlaskForm):
    """A confirm page's POST that removes a factor: the proof that it is really them."""

    confirmed = HiddenField()
    proof = PasswordField(
        "Your password, or a code from your authenticator app",
        render_kw={"autocomplete": "current-password"},
    )


class PasskeyNameForm(FlaskForm):
    name = StringField("Name", validators=text_bounds(PASSKEY_NAME_MAX))


class ButtonForm(FlaskForm):
    """A button's POST: its CSRF token is the point."""


def qr_svg(text: str) -> Markup:
    """``text`` as a QR code, an SVG to put in the page as it is (segno writes no script)."""
    svg = segno.make(text, error="m").svg_inline(
        scale=5,
        border=2,
        dark="#000",
        light="#fff",
        svgclass="qr-code",
        omitsize=True,
        title="QR code to scan with your authenticator app",
    )
    return Markup(svg)  # noqa: S704 - segno's own markup, from a URI it encodes


@bp.route("/settings/security/two-factor")
@open_while_enrolment_required
def two_factor_page() -> ResponseReturnValue:
    counselor = current_user
    return render_template(
        "dashboard/two_factor.html",
        has_totp=two_factor.has_totp(counselor),
        pending_totp=two_factor.pending_totp_secret(counselor) is not None,
        codes_left=two_factor.recovery_codes_left(counselor),
        has_factor=two_factor.has_second_factor(counselor),
        passkey_list=passkeys.counselor_passkeys(counselor),
        required=counselor.practice.require_second_factor,
        button=ButtonForm(),
        name_form=PasskeyNameForm(prefix="new", formdata=None),
    )


# --- the authenticator app -------------------------------------------------------------


@bp.route("/settings/security/two-factor/app/start", methods=["POST"])
@open_while_enrolment_required
def two_factor_app_start() -> ResponseReturnValue:
    if ButtonForm().validate_on_submit():
        try:
            two_factor.start_totp_enrolment(current_user)
        except InvalidInput as error:
            flash(error.sentences, "error")
            return redirect(url_for(PAGE), 303)
    return redirect(url_for("dashboard.two_factor_app_setup"), 303)


@bp.route("/settings/security/two-factor/app", methods=["GET", "POST"])
@open_while_enrolment_required
def two_factor_app_setup() -> ResponseReturnValue:
    counselor = current_user
    secret = two_factor.pending_totp_secret(counselor)
    if secret is None:  # nothing being set up: already done, or never started
        return redirect(url_for(PAGE), 303)
    form = CodeForm(prefix="app")
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                codes = two_factor.confirm_totp_enrolment(counselor, form.code.data or "")
            except InvalidInput as error:
                show_errors(form, error)
            else:
                flash("Your authenticator app is set up: sign-ins now ask for its code.", "success")
                if codes:
                    return _show_recovery_codes(codes)
                return redirect(url_for(PAGE), 303)
    uri = two_factor.provisioning_uri(counselor, secret)
    page = render_template(
        "dashboard/two_factor_app.html",
        form=form,
        qr=qr_svg(uri),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    )
    return page, status


@bp.route("/settings/security/two-factor/app/remove", methods=["GET", "POST"])
@auth.limit_wrong_guesses
def two_factor_app_remove() -> ResponseReturnValue:
    counselor = current_user
    if not two_factor.has_totp(counselor):
        return redirect(url_for(PAGE), 303)
    form = ProofForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit() and form.confirmed.data == "yes":
            try:
                two_factor.remove_totp(counselor, form.proof.data or "")
            except InvalidInput as error:
                auth.note_wrong_guess(error, "proof")
                show_errors(form, error)
            else:
                flash(
                    "Your authenticator app is removed: sign-ins no longer ask for its code.",
                    "success",
                )
                return redirect(url_for(PAGE), 303)
    return _remove_page(
        form,
        title="Remove the authenticator app?",
        consequences=_removal_consequences(counselor, "the app"),
        action=url_for("dashboard.two_factor_app_remove"),
        confirm_label="Remove the app",
        status=status,
    )


# --- recovery codes --------------------------------------------------------------------


@bp.route("/settings/security/two-factor/recovery-codes", methods=["POST"])
@open_while_enrolment_required
def two_factor_recovery_codes() -> ResponseReturnValue:
    """Make new recovery codes; with some left, a confirm page asks first."""
    counselor = current_user
    form = ProofForm()
    if not form.validate_on_submit():
        return redirect(url_for(PAGE), 303)
    if two_factor.recovery_codes_left(counselor) and form.confirmed.data != "yes":
        return render_template(
            "dashboard/two_factor_confirm.html",
            form=form,
            ask_proof=False,
            title="Make new recovery codes?",
            consequences=[
                f"The {two_factor.recovery_codes_left(counselor)} recovery codes you have "
                "left stop working at once.",
                "You get ten new ones, shown once: keep them somewhere safe.",
            ],
            action=url_for("dashboard.two_factor_recovery_codes"),
            confirm_label="Make new codes",
            danger=False,
        )
    try:
        codes = two_factor.make_recovery_codes(counselor)
    except InvalidInput as error:
        flash(error.sentences, "error")
        return redirect(url_for(PAGE), 303)
    return _show_recovery_codes(codes)


def _show_recovery_codes(codes: list[str]) -> ResponseReturnValue:
    """The codes, on this response only (never in the session or a redirect)."""
    return render_template("dashboard/two_factor_codes.html", codes=codes)


# --- passkeys --------------------------------------------------------------------------


@bp.route("/settings/security/two-factor/passkeys/options", methods=["POST"])
@open_while_enrolment_required
def passkey_registration_options() -> ResponseReturnValue:
    options, challenge = passkeys.registration_options(ceremony.relying_party(), current_user)
    return ceremony.options_response(ceremony.REGISTER, options, challenge)


@bp.route("/settings/security/two-factor/passkeys", methods=["POST"])
@open_while_enrolment_required
def passkey_register() -> ResponseReturnValue:
    challenge = ceremony.take_challenge(ceremony.REGISTER)
    if challenge is None:
        return ceremony.refused("That took too long. Please try adding the passkey again.")
    body = ceremony.posted_json()
    try:
        passkey = passkeys.register(
            ceremony.relying_party(),
            current_user,
            body.get("credential"),
            challenge,
            str(body.get("name") or "")[: PASSKEY_NAME_MAX + 1],
        )
    except InvalidInput as error:
        return ceremony.refused(error.sentences)
    flash(f"Passkey “{passkey.name}” added: you can sign in with it.", "success")
    return ceremony.done(url_for(PAGE))


@bp.route("/settings/security/two-factor/passkeys/<int:passkey_id>/rename", methods=["POST"])
def passkey_rename(passkey_id: int) -> ResponseReturnValue:
    passkey = passkeys.own_passkey(current_user, passkey_id)
    form = PasskeyNameForm(prefix=f"passkey-{passkey.id}")
    if form.validate_on_submit():
        try:
            passkeys.rename(current_user, passkey.id, form.name.data or "")
        except InvalidInput as error:
            flash(error.sentences, "error")
        else:
            flash(f"The passkey is now called “{passkey.name}”.", "success")
    else:
        flash(" ".join(form.name.errors) or "Please try renaming it again.", "error")
    return redirect(url_for(PAGE), 303)


@bp.route("/settings/security/two-factor/passkeys/<int:passkey_id>/remove", methods=["POST"])
@auth.limit_wrong_guesses
def passkey_remove(passkey_id: int) -> ResponseReturnValue:
    """The button's POST shows the confirm page; the confirm page's POST removes."""
    counselor = current_user
    passkey = passkeys.own_passkey(counselor, passkey_id)
    form = ProofForm()
    status = 200
    if form.validate_on_submit() and form.confirmed.data == "yes":
        try:
            passkeys.remove(counselor, passkey.id, form.proof.data or "")
        except InvalidInput as error:
            auth.note_wrong_guess(error, "proof")
            show_errors(form, error)
            status = 422
        else:
            flash(f"Passkey “{passkey.name}” removed: it no longer signs you in.", "success")
            return redirect(url_for(PAGE), 303)
    return _remove_page(
        form,
        title="Remove this passkey?",
        consequences=_removal_consequences(counselor, f"the passkey “{passkey.name}”"),
        action=url_for("dashboard.passkey_remove", passkey_id=passkey.id),
        confirm_label="Remove the passkey",
        status=status,
    )


def _removal_consequences(counselor: Counselor, what: str) -> list[str]:
    sentences = [f"You can no longer sign in with {what}."]
    if two_factor.factor_count(counselor) <= 1:
        if counselor.practice.require_second_factor:
            sentences.append(two_factor.LAST_FACTOR_MESSAGE)
        else:
            sentences.append(
                "It is your only second step: sign-ins will ask for your password alone, "
                "and your recovery codes stop working."
            )
    sentences.append("To confirm it's you, type your password or a current code from your app.")
    return sentences


def _remove_page(
    form: ProofForm,
    *,
    title: str,
    consequences: list[str],
    action: str,
    confirm_label: str,
    status: int,
) -> ResponseReturnValue:
    form.proof.data = ""  # never echoed back into the page
    page = render_template(
        "dashboard/two_factor_confirm.html",
        form=form,
        ask_proof=True,
        title=title,
        consequences=consequences,
        action=action,
        confirm_label=confirm_label,
        danger=True,
    )
    return page, status
