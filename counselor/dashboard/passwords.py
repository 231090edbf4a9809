"""Passwords from the dashboard: asking for a reset link (/login/forgot), choosing a new
password with it (/login/reset/<token>), accepting an owner's invitation (/join/<token>)
and changing one's own password (Settings › Security › Password).

The first three are open without a session (the guard lets them through). A GET of a
link's page shows it and uses nothing up; only the POST that sets a password does
(``services/accounts/account_links.py``). Pages with a token in their URL send
``Referrer-Policy: no-referrer``, so no link leaves in a Referer."""

from __future__ import annotations

from typing import Any

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from counselor import tenancy
from counselor.dashboard import auth, bp
from counselor.extensions import limiter
from counselor.form_checks import text_bounds
from counselor.models import AccountToken, AccountTokenPurpose
from counselor.services import validation as bounds
from counselor.services.accounts import account_links, counselors, two_factor
from counselor.services.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from counselor.services.errors import InvalidInput
from counselor.web import show_errors

PASSWORD_HINT = (
    f"At least {MIN_LENGTH} characters. A few unrelated words make a strong one that is "
    "easy to remember; not your name or email address."
)
SAME_AGAIN = "The two passwords are not the same."
TOKEN_PAGES = frozenset({"dashboard.reset_password", "dashboard.accept_invite"})

# Reached without a session: the guard (auth.py) lets these through.
auth.PUBLIC_ENDPOINTS.update(
    {"dashboard.forgot_password", "dashboard.reset_password", "dashboard.accept_invite"}
)


def _password_bounds() -> list[Any]:
    return [InputRequired(), Length(max=MAX_LENGTH)]


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Your email address",
        validators=[InputRequired(), *text_bounds(bounds.EMAIL_MAX)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        description=PASSWORD_HINT,
        validators=_password_bounds(),
        render_kw={"autocomplete": "new-password"},
    )
    repeat = PasswordField(
        "The new password again",
        validators=[InputRequired(), EqualTo("password", message=SAME_AGAIN)],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=_password_bounds(),
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        description=PASSWORD_HINT,
        validators=_password_bounds(),
        render_kw={"autocomplete": "new-password"},
    )
    repeat = PasswordField(
        "The new password again",
        validators=[InputRequired(), EqualTo("new_password", message=SAME_AGAIN)],
        render_kw={"autocomplete": "new-password"},
    )


@bp.after_request
def keep_the_token_to_ourselves(response: Response) -> Response:
    """A page whose URL carries a link's token — any answer, a refusal or a 429 too —
    tells no one that URL in a Referer."""
    if request.endpoint in TOKEN_PAGES:
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


# Asking for a link, and using it.


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(auth.login_limit, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    """The same answer, in the same time, whether or not the address is a counselor's:
    the address is handed to a worker, which looks it up (``request_password_reset``)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            account_links.request_password_reset(form.email.data or "")
        except InvalidInput as error:
            show_errors(form, error)
        else:
            minutes = current_app.config["PASSWORD_RESET_MINUTES"]
            answer = (
                "If that address belongs to a counselor here, we've sent a link. "
                f"It works once, for {minutes} minutes."
            )
            return render_template("dashboard/forgot_password.html", answer=answer)
    status = 422 if request.method == "POST" else 200
    return render_template("dashboard/forgot_password.html", form=form), status


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
@limiter.limit(auth.login_limit, methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    found = _live(token, AccountTokenPurpose.PASSWORD_RESET)
    if found is None:
        return _link_does_not_work(AccountTokenPurpose.PASSWORD_RESET)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            account_links.reset_password(found, form.password.data or "")
        except InvalidInput as error:
            if "token" in error.errors:
                return _link_does_not_work(AccountTokenPurpose.PASSWORD_RESET)
            show_errors(form, error)
        else:
            flash(
                "Your new password is set, and every browser that was signed in as you has "
                "been signed out. Log in with your new password.",
                "success",
            )
            return redirect(url_for("dashboard.login"), 303)
    status = 422 if request.method == "POST" else 200
    return (
        render_template("dashboard/reset_password.html", form=form, counselor=found.counselor),
        status,
    )


@bp.route("/join/<token>", methods=["GET", "POST"])
@limiter.limit(auth.login_limit, methods=["POST"])
def accept_invite(token: str) -> ResponseReturnValue:
    found = _live(token, AccountTokenPurpose.INVITE)
    if found is None:
        return _link_does_not_work(AccountTokenPurpose.INVITE)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            counselor = account_links.accept_invite(found, form.password.data or "")
        except InvalidInput as error:
            if "token" in error.errors:
                return _link_does_not_work(AccountTokenPurpose.INVITE)
            show_errors(form, error)
        else:
            auth.complete_sign_in(
                counselor, second_factor_done=not two_factor.has_second_factor(counselor)
            )
            flash(f"Welcome to {counselor.practice.name}, {counselor.name}.", "success")
            return redirect(url_for("dashboard.couples_list"), 303)
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "dashboard/accept_invite.html",
            form=form,
            counselor=found.counselor,
            practice=found.counselor.practice,
        ),
        status,
    )


def _live(token: str, purpose: AccountTokenPurpose) -> AccountToken | None:
    """The live link; the rest of the request then runs in its counselor's practice."""
    found = account_links.live_token(token, purpose)
    if found is not None:
        tenancy.enter_practice(found.practice_id)
    return found


def _link_does_not_work(purpose: AccountTokenPurpose) -> ResponseReturnValue:
    """One plain page for a link unknown, used, expired or retired: all look the same."""
    return render_template("dashboard/account_link_invalid.html", purpose=purpose.value), 404


# Changing one's own password.


@bp.route("/settings/security/password", methods=["GET", "POST"])
@auth.limit_wrong_guesses
def change_password() -> ResponseReturnValue:
    """Settings › Security › Password: the current password, then the new one twice. Only
    wrong current passwords count towards the rate limit."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        row = auth.current_session()
        try:
            ended = counselors.change_password(
                current_user,
                form.current_password.data or "",
                form.new_password.data or "",
                keep_session_id=row.id if row is not None else None,
            )
        except InvalidInput as error:
            auth.note_wrong_guess(error, "current_password")
            show_errors(form, error)
        else:
            auth.renew_session_id()
            flash(_changed_message(ended), "success")
            return redirect(url_for("dashboard.change_password"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("dashboard/change_password.html", form=form), status


def _changed_message(ended: int) -> str:
    if ended == 0:
        return "Your password is changed."
    browsers = "browser" if ended == 1 else "browsers"
    return (
        f"Your password is changed, and {ended} other {browsers} signed in as you "
        f"{'was' if ended == 1 else 'were'} signed out."
    )
