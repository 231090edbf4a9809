"""Logging in and out, and the idle timeout that guards every dashboard page."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from counselor import tenancy, timeutil
from counselor.dashboard import bp
from counselor.dashboard.forms import LoginForm
from counselor.extensions import limiter, login_manager
from counselor.models import Counselor
from counselor.services.accounts import counselors
from counselor.services.errors import InvalidInput

PUBLIC_ENDPOINTS = {"dashboard.login"}
LAST_SEEN_KEY = "last_seen"


@login_manager.user_loader
def load_user(user_id: str) -> Counselor | None:
    counselor = counselors.load_counselor(int(user_id)) if user_id.isdigit() else None
    # A counselor deactivated mid-session loses access on their next request.
    return counselor if counselor is not None and counselor.active else None


@bp.before_app_request
def read_who_is_signed_in_from_this_request() -> None:
    """Flask-Login keeps the user it loaded in ``g``, which lasts as long as the app
    context. A request pushed inside an app context that outlives it (the test suite's,
    a CLI's) would see whoever an earlier request, of another browser, signed in."""
    g.pop("_login_user", None)


@bp.before_request
def require_login_and_enforce_idle_timeout() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if _idle_too_long():
        logout_user()
        session.clear()
        flash("You were logged out after a period of inactivity.", "info")
        return redirect(url_for("dashboard.login", next=request.full_path))
    session[LAST_SEEN_KEY] = timeutil.utcnow().timestamp()
    tenancy.enter_as_counselor(current_user)
    return None


def _idle_too_long() -> bool:
    now = timeutil.utcnow().timestamp()
    idle_limit = current_app.config["IDLE_TIMEOUT_MINUTES"] * 60
    return now - session.get(LAST_SEEN_KEY, now) > idle_limit


def signed_in_counselor() -> Counselor | None:
    """Who this browser is signed in as, if anyone; a session idle past the timeout counts
    as no one (the next dashboard page would log it out). For pages outside the
    dashboard's guard, such as the host launch."""
    if not current_user.is_authenticated or _idle_too_long():
        return None
    return current_user._get_current_object()


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.couples_list"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            counselor = counselors.authenticate(form.email.data, form.password.data)
        except InvalidInput as error:
            form.form_errors.extend(error.errors["email"])
        else:
            start_session(counselor)
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if form.form_errors else 200
    return render_template("dashboard/login.html", form=form), status


def start_session(counselor: Counselor) -> None:
    """Log the counselor in on a fresh session (no fixation), subject to the idle timeout.
    Shared by the login form and the host launch."""
    session.clear()
    login_user(counselor)
    session.permanent = True
    session[LAST_SEEN_KEY] = timeutil.utcnow().timestamp()


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("dashboard.login"))


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
