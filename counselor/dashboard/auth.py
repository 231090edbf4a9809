"""Signing in and out, and the guard in front of every dashboard page.

A signed-in browser holds, in Flask's signed session cookie, only the random id of a
``CounselorSession`` row (``SESSION_KEY``); the row keeps the id's SHA-256. Each request
looks the row up (``current_session``) and refuses it when it has ended, sat idle past the
practice's ``session_idle_minutes``, outlived its ``session_max_hours``, or belongs to a
deactivated counselor (services/accounts/sessions.py). Flask-Login's ``current_user`` is
the row's counselor, through a request loader: ``login_user`` and its ``_user_id`` key are
not used, so a cookie authenticates only while its row lives.

The guard then holds a session whose second factor is still owed to the views marked
``open_while_second_factor_pending`` (dashboard/access.py), and a counselor whose practice
requires a second factor they have not set up to the views marked
``open_while_enrolment_required``; logging out is always open."""

from __future__ import annotations

import unicodedata
from typing import cast
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from counselor import tenancy, timeutil
from counselor.dashboard import bp
from counselor.dashboard.access import ENROLMENT_REQUIRED_OK, SECOND_FACTOR_PENDING_OK, View
from counselor.dashboard.forms import LoginForm
from counselor.extensions import db, limiter, login_manager
from counselor.http_headers import CLEAR_CACHE_OF_THIS_REQUEST, clear_this_browsers_cache
from counselor.models import Counselor, CounselorSession
from counselor.services.accounts import counselors, sessions, two_factor
from counselor.services.audit import Actor, record_event
from counselor.services.errors import InvalidInput

PUBLIC_ENDPOINTS: set[str] = {"dashboard.login"}
ALWAYS_OPEN_ENDPOINTS = {"dashboard.logout"}
SESSION_KEY = "sid"  # the session row's random id, in Flask's signed cookie

# The row, not Flask-Login's "identifier" of address and browser, is what is trusted.
login_manager.session_protection = None


@login_manager.request_loader
def counselor_of_this_request(_request: object) -> Counselor | None:
    row = current_session()
    return row.counselor if row is not None else None


@bp.before_app_request
def read_who_is_signed_in_from_this_request() -> None:
    """Flask-Login keeps the user it loaded in ``g``, which lasts as long as the app
    context. A request pushed inside an app context that outlives it (the test suite's,
    a CLI's) would see whoever an earlier request, of another browser, signed in."""
    g.pop("_login_user", None)
    g.pop("counselor_session", None)
    g.pop("counselor_session_refused", None)
    g.pop(CLEAR_CACHE_OF_THIS_REQUEST, None)


def current_session() -> CounselorSession | None:
    """The live session row this request's cookie names, if any (looked up once per
    request). A cookie whose row may no longer be used is dropped from the browser's
    session, its row ended, and the reason flashed for the login page."""
    if "counselor_session" not in g:
        g.counselor_session = _resolve_session()
    return g.counselor_session


def _resolve_session() -> CounselorSession | None:
    raw_id = session.get(SESSION_KEY)
    if not isinstance(raw_id, str) or not raw_id:
        return None
    row = sessions.by_cookie_id(raw_id)
    reason = sessions.ENDED if row is None else sessions.why_not_live(row)
    if reason is None:
        return row
    session.pop(SESSION_KEY, None)
    g.counselor_session_refused = True
    # The browser may still hold pages of the session (the couples list, kept to be
    # revalidated): whatever answers this request clears them (http_headers; browsers obey
    # Clear-Site-Data only on a secure context, https or localhost).
    clear_this_browsers_cache()
    if row is not None and reason != sessions.ENDED:
        sessions.end(row, reason)
    flash(_refusal_message(row, reason), "info")
    return None


def _refusal_message(row: CounselorSession | None, reason: str) -> str:
    if row is not None and reason == sessions.IDLE:
        minutes = row.counselor.practice.session_idle_minutes
        return f"You were signed out after {minutes} minutes without activity."
    if row is not None and reason == sessions.EXPIRED:
        hours = row.counselor.practice.session_max_hours
        return f"You were signed out: a session lasts at most {hours} hours. Please log in again."
    return "This session was ended. Please log in again."


@bp.before_request
def require_a_live_session() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    row = current_session()
    if row is None:
        if g.get("counselor_session_refused"):
            return redirect(url_for("dashboard.login", next=request.full_path))
        return login_manager.unauthorized()
    counselor = row.counselor
    tenancy.enter_as_counselor(counselor)
    sessions.touch(row)
    # The layout offers no way around the second step while it is owed (base.html).
    g.second_factor_owed = row.second_factor_at is None
    return _second_factor_rules(row, counselor)


def _second_factor_rules(row: CounselorSession, counselor: Counselor) -> Response | None:
    if request.endpoint in ALWAYS_OPEN_ENDPOINTS:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if row.second_factor_at is None:
        if getattr(view, SECOND_FACTOR_PENDING_OK, False):
            return None
        return redirect(url_for("dashboard.second_factor_challenge", next=_next_here()))
    if counselor.practice.require_second_factor and not two_factor.has_second_factor(counselor):
        if getattr(view, ENROLMENT_REQUIRED_OK, False):
            return None
        flash(
            "Your practice asks every counselor to sign in in two steps. Please set up a "
            "second step to continue; it takes a minute.",
            "info",
        )
        return redirect(url_for("dashboard.two_factor_page"))
    return None


def _next_here() -> str | None:
    """Where to come back to after the second factor: the page asked for, if it was a GET
    (None: no ``next``, the couples list)."""
    if request.method == "GET" and request.endpoint != "dashboard.couples_list":
        return request.full_path
    return None


def signed_in_counselor() -> Counselor | None:
    """Who this browser is signed in as, if anyone (a session whose second factor is still
    owed counts: it decides only whether a launch asks before switching). For pages
    outside the dashboard's guard, such as the host launch."""
    row = current_session()
    return row.counselor if row is not None else None


def complete_sign_in(counselor: Counselor, *, second_factor_done: bool) -> CounselorSession:
    """Start a session for a counselor whose first factor (password, passkey, host launch)
    checked out: a new row and a new random id in a cleared cookie session (no fixation),
    whoever was signed in before. ``second_factor_done`` False leaves the session able to
    reach only the second-factor challenge until ``mark_second_factor_done``."""
    session.clear()
    row, raw_id = sessions.start(
        counselor,
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
        second_factor_done=second_factor_done,
    )
    session[SESSION_KEY] = raw_id
    g.pop("counselor_session_refused", None)
    g.counselor_session = row
    g._login_user = counselor
    counselor.last_login_at = timeutil.utcnow()
    record_event(Actor.for_counselor(counselor), "auth.login", "counselor", counselor.id)
    return row


def mark_second_factor_done() -> None:
    """The current session's second factor was given (a TOTP code, a recovery code, a
    passkey): stamp it and give the session a new id, the old cookie no longer working."""
    row = current_session()
    if row is None:
        raise RuntimeError("no session to mark: the guard lets only a live session here")
    row.second_factor_at = timeutil.utcnow()
    renew_session_id()


def renew_session_id() -> None:
    """Give this browser's session a new id (after the second factor, after a password
    change): a copy of the old cookie, wherever it went, stops working."""
    row = current_session()
    if row is not None:
        session[SESSION_KEY] = sessions.rotate(row)


def login_limit() -> str:
    """The rate of sign-in attempts (``LOGIN_RATE_LIMIT``), shared by every form that
    checks a secret: the login, the second step, password pages."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def limit_wrong_guesses(view: View) -> View:
    """Rate-limit a signed-in form's POSTs that got a secret wrong (the current password,
    a code): only those count, the view saying so with ``note_wrong_guess``."""
    limited = limiter.limit(login_limit, methods=["POST"], deduct_when=_guessed_wrong)(view)
    return cast(View, limited)


def note_wrong_guess(error: InvalidInput, field: str) -> None:
    """The refusal was of the secret typed in ``field``: it counts towards the limit."""
    g.wrong_guess = field in error.errors


def _guessed_wrong(_response: Response) -> bool:
    return bool(g.get("wrong_guess"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.couples_list"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            counselor = counselors.authenticate(form.email.data, form.password.data)
        except InvalidInput as error:
            form.form_errors.extend(error.errors["email"])
            _record_failed_login(form.email.data or "")
        else:
            tenancy.enter_as_counselor(counselor)  # the login is where the request learns it
            owed = two_factor.has_second_factor(counselor)
            complete_sign_in(counselor, second_factor_done=not owed)
            target = _safe_next(request.args.get("next"))
            if owed:
                return redirect(url_for("dashboard.second_factor_challenge", next=target))
            return redirect(target)
    status = 401 if form.form_errors else 200
    return render_template("dashboard/login.html", form=form), status


def _record_failed_login(email: str) -> None:
    """Audit a refused login against the account it named, if any — never the address
    typed — and commit it now: the 401 answer rolls the request's work back."""
    named = counselors.counselor_by_email(email)
    if named is not None:
        actor = Actor("anonymous", None, named.practice_id)
        record_event(actor, "auth.login_failed", "counselor", named.id)
    else:
        # No practice to file it under: the owners' trail never shows it.
        nobody = Actor("anonymous", None, None)  # type: ignore[arg-type]
        record_event(nobody, "auth.login_failed", "counselor", None)
    db.session.commit()


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    row = current_session()
    if row is not None:
        sessions.end(row, sessions.LOGOUT)
        record_event(Actor.for_counselor(row.counselor), "auth.logout", "counselor_session", row.id)
    sign_out_this_browser()
    flash("You are logged out.", "info")
    return redirect(url_for("dashboard.login"))


def sign_out_this_browser() -> None:
    """Forget the session in this browser's cookie (its row is ended by the caller), and
    the pages its cache kept of it (``Clear-Site-Data``)."""
    session.clear()
    clear_this_browsers_cache()
    g._login_user = login_manager.anonymous_user()
    g.pop("counselor_session", None)


def _safe_next(target: str | None) -> str:
    """Only ever redirect within this site after login."""
    if target and is_local_path(target):
        return target
    return url_for("dashboard.couples_list")


def is_local_path(target: str) -> bool:
    """A path of this site: one ``/`` and then anything but another ``/`` or ``\\``.

    Browsers read ``//host``, ``////host``, ``/\\host`` and ``\\\\host`` alike as another
    host, and drop tabs and newlines before they read (so ``/<tab>/host`` is ``//host``): any
    backslash, control or other invisible character refuses the path outright."""
    if not target.startswith("/") or target[1:2] in ("/", "\\"):
        return False
    if "\\" in target or any(_invisible(char) for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _invisible(char: str) -> bool:
    """A control, format or separator character (NUL, tab, DEL, U+2028, ...); not a space."""
    return char != " " and unicodedata.category(char)[0] in "CZ"
