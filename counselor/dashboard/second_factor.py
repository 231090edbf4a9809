"""The second step of a sign-in (``/login/second-factor``), and signing in with a passkey
alone from the login page.

After the password, a counselor with a second factor reaches only these views
(``open_while_second_factor_pending``) until they give one: a code from their app, one of
their recovery codes (each works once; the page says how many are left), or a passkey.
Code attempts are rate limited as the login is, and five wrong answers end the pending
session: the counselor starts again from the login. Failures are audited and committed at
once, since the refusal's own answer rolls its request back.

*Sign in with a passkey* needs no password: a discoverable passkey whose authenticator
verified the user (a PIN, a fingerprint, a face) is both steps at once."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from wtforms import StringField

from counselor.dashboard import auth, bp
from counselor.dashboard import passkey_ceremony as ceremony
from counselor.dashboard.access import open_while_second_factor_pending
from counselor.dashboard.auth import (
    complete_sign_in,
    current_session,
    is_local_path,
    mark_second_factor_done,
    sign_out_this_browser,
)
from counselor.extensions import db, limiter
from counselor.form_checks import text_bounds
from counselor.models import AuditEvent, Counselor, CounselorSession
from counselor.services.accounts import passkeys, sessions, two_factor
from counselor.services.audit import Actor, record_event
from counselor.services.errors import InvalidInput

WRONG_ANSWERS_ALLOWED = 5
ENDED_REASON = "second_factor_failed"
FAILED = "auth.second_factor_failed"

# Signing in with a passkey alone starts without a session: the guard lets these through.
auth.PUBLIC_ENDPOINTS.update({"dashboard.passkey_sign_in_options", "dashboard.passkey_sign_in"})


class ChallengeForm(FlaskForm):
    code = StringField(
        "Code",
        description="The six digits your authenticator app shows now, or one of your "
        "recovery codes.",
        validators=text_bounds(two_factor.CODE_INPUT_MAX),
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"},
    )


def _next_target() -> str:
    target = request.args.get("next")
    if target and is_local_path(target):
        return target
    return url_for("dashboard.couples_list")


@bp.route("/login/second-factor", methods=["GET", "POST"])
@limiter.limit(auth.login_limit, methods=["POST"])
@open_while_second_factor_pending
def second_factor_challenge() -> ResponseReturnValue:
    row = current_session()
    if row is None or row.second_factor_at is not None:
        return redirect(_next_target())
    counselor = row.counselor
    form = ChallengeForm(prefix="challenge")
    status = 200
    if request.method == "POST":
        status = 401
        if form.validate_on_submit():
            method = two_factor.verify_code(counselor, form.code.data or "")
            if method is not None:
                return _passed(counselor, method, counselor.id, redirect(_next_target()))
            form.code.errors = ["That code didn't work. Check it and try again."]
            ended = _wrong_answer(row, counselor)
            if ended is not None:
                return ended
        else:
            status = 422
    form.code.data = ""
    page = render_template(
        "dashboard/second_factor.html",
        form=form,
        has_totp=two_factor.has_totp(counselor),
        codes_left=two_factor.recovery_codes_left(counselor),
        has_passkey=bool(passkeys.counselor_passkeys(counselor)),
        tries_left=WRONG_ANSWERS_ALLOWED - _wrong_answers(row),
        next_target=_next_target(),
    )
    return page, status


@bp.route("/login/second-factor/passkey/options", methods=["POST"])
@open_while_second_factor_pending
def second_factor_passkey_options() -> ResponseReturnValue:
    row = current_session()
    if row is None or row.second_factor_at is not None:
        return ceremony.refused("You are already signed in.", 409)
    options, challenge = passkeys.authentication_options(ceremony.relying_party(), row.counselor)
    return ceremony.options_response(ceremony.SECOND_FACTOR, options, challenge)


@bp.route("/login/second-factor/passkey", methods=["POST"])
@limiter.limit(auth.login_limit, methods=["POST"])
@open_while_second_factor_pending
def second_factor_passkey() -> ResponseReturnValue:
    row = current_session()
    if row is None or row.second_factor_at is not None:
        return ceremony.done(_next_target())
    counselor = row.counselor
    challenge = ceremony.take_challenge(ceremony.SECOND_FACTOR)
    if challenge is None:
        return ceremony.refused("That took too long. Please try the passkey again.")
    try:
        passkey = passkeys.authenticate(
            ceremony.relying_party(),
            ceremony.posted_json().get("credential"),
            challenge,
            counselor=counselor,
        )
    except InvalidInput as error:
        if _wrong_answer(row, counselor) is not None:
            return ceremony.refused(error.sentences + " This sign-in has ended.", 401)
        return ceremony.refused(error.sentences, 401)
    return _passed(counselor, "passkey", passkey.id, ceremony.done(_next_target()))


def _passed(
    counselor: Counselor, method: str, object_id: int, answer: ResponseReturnValue
) -> ResponseReturnValue:
    mark_second_factor_done()
    record_event(Actor.for_counselor(counselor), "auth.second_factor", method, object_id)
    if method == "recovery_code":
        left = two_factor.recovery_codes_left(counselor)
        flash(
            f"You used a recovery code; {left} left. "
            + ("Make new ones in Settings › Security." if left <= 3 else ""),
            "info",
        )
    return answer


def _wrong_answer(row: CounselorSession, counselor: Counselor) -> ResponseReturnValue | None:
    """Audit a wrong answer and keep it (committed now); after the fifth, end the pending
    session and send the counselor back to the login."""
    record_event(Actor.for_counselor(counselor), FAILED, "counselor_session", row.id)
    db.session.commit()
    if _wrong_answers(row) < WRONG_ANSWERS_ALLOWED:
        return None
    sessions.end(row, ENDED_REASON)
    db.session.commit()
    sign_out_this_browser()
    flash(
        "That was too many wrong answers, so we stopped this sign-in to keep your account "
        "safe. Please log in again.",
        "error",
    )
    return redirect(url_for("dashboard.login"))


def _wrong_answers(row: CounselorSession) -> int:
    """Wrong answers given on this pending session, counted from the audit trail (on the
    server: an older cookie replayed cannot reset it)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == FAILED,
                AuditEvent.object_type == "counselor_session",
                AuditEvent.object_id == row.id,
            )
        )
        or 0
    )


# --- signing in with a passkey alone ---------------------------------------------------


@bp.route("/login/passkey/options", methods=["POST"])
def passkey_sign_in_options() -> ResponseReturnValue:
    options, challenge = passkeys.authentication_options(ceremony.relying_party(), None)
    return ceremony.options_response(ceremony.SIGN_IN, options, challenge)


@bp.route("/login/passkey", methods=["POST"])
@limiter.limit(auth.login_limit, methods=["POST"])
def passkey_sign_in() -> ResponseReturnValue:
    challenge = ceremony.take_challenge(ceremony.SIGN_IN)
    if challenge is None:
        return ceremony.refused("That took too long. Please try the passkey again.")
    credential = ceremony.posted_json().get("credential")
    try:
        passkey = passkeys.authenticate(
            ceremony.relying_party(), credential, challenge, counselor=None
        )
    except InvalidInput as error:
        _record_failed_sign_in(credential)
        return ceremony.refused(error.sentences, 401)
    complete_sign_in(passkey.counselor, second_factor_done=True)
    return ceremony.done(_next_target())


def _record_failed_sign_in(credential: object) -> None:
    """Audit a refused passkey sign-in against the account whose passkey it named, if
    any, and keep it: the refusal's answer rolls its request back."""
    owner = passkeys.registered_owner(credential)
    if owner is None:
        return  # no account named: nobody's trail to file it in
    practice_id, counselor_id = owner
    record_event(
        Actor("anonymous", None, practice_id), "auth.login_failed", "counselor", counselor_id
    )
    db.session.commit()
