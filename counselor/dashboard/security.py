"""Settings › Security: the counselor's signed-in browsers (sessions), each of which they
may end, and *Sign out everywhere*, which ends them all, this one included. Ending a
session is a sign-out, not a loss of data: no confirm page, the button says what it does.
The page also leads to changing the password (dashboard/passwords.py) and to two-step
sign-in (dashboard/two_factor.py)."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from counselor.dashboard import bp
from counselor.dashboard.auth import current_session, sign_out_this_browser
from counselor.dashboard.helpers import current_actor
from counselor.services.accounts import sessions, two_factor
from counselor.services.audit import record_event
from counselor.services.couples import calendar_feed


class SessionActionForm(FlaskForm):
    """Ending one session or all of them: nothing to fill in but the CSRF token (which
    the app checks on every POST before the view runs)."""


@bp.route("/settings/security")
def security_page() -> ResponseReturnValue:
    this_one = current_session()
    rows = sessions.live_sessions(current_user)
    return render_template(
        "dashboard/security.html",
        rows=rows,
        this_session_id=this_one.id if this_one is not None else None,
        describe=describe_browser,
        form=SessionActionForm(),
        has_second_factor=two_factor.has_second_factor(current_user),
    )


@bp.route("/settings/security/sessions/<int:counselor_session_id>/end", methods=["POST"])
def end_session(counselor_session_id: int) -> ResponseReturnValue:
    """End one of the counselor's sessions (another counselor's, or an ended one, is 404).
    Ending this browser's own signs it out."""
    row = sessions.own_live_session(current_user, counselor_session_id)
    sessions.end(row, sessions.ENDED_BY_USER)
    record_event(current_actor(), "session.end", "counselor_session", row.id)
    this_one = current_session()
    if this_one is not None and this_one.id == row.id:
        sign_out_this_browser()
        flash("You are logged out: you ended this browser's session.", "info")
        return redirect(url_for("dashboard.login"))
    flash(f"That session ({describe_browser(row.user_agent)}) is signed out.", "success")
    return redirect(url_for("dashboard.security_page"))


@bp.route("/settings/security/sign-out-everywhere", methods=["POST"])
def sign_out_everywhere() -> ResponseReturnValue:
    counselor_id = current_user.id
    record_event(current_actor(), "session.end_all", "counselor", counselor_id)
    sessions.end_all(counselor_id, sessions.SIGNED_OUT_EVERYWHERE)
    had_feed = current_user.calendar_feed_hash is not None
    calendar_feed.revoke_feed(current_user)  # its address goes with every sign-in
    sign_out_this_browser()
    flash("You are signed out everywhere, this browser included. Log in again here.", "info")
    if had_feed:
        flash("Your calendar feed address is stopped too: make a new one in Settings.", "info")
    return redirect(url_for("dashboard.login"))


# A browser's User-Agent in a few words: the first pattern that matches names it.
_BROWSERS = (
    (r"\bEdg(?:e|A|iOS)?/", "Edge"),
    (r"\b(?:OPR|Opera)/", "Opera"),
    (r"\bSamsungBrowser/", "Samsung Internet"),
    (r"\b(?:Firefox|FxiOS)/", "Firefox"),
    (r"\b(?:Chrome|CriOS|Chromium)/", "Chrome"),
    (r"\bVersion/[\d.]+.*\bSafari/", "Safari"),
)
_SYSTEMS = (
    (r"\biPad\b", "iPadOS"),
    (r"\b(?:iPhone|iPod)\b", "iOS"),
    (r"\bAndroid\b", "Android"),
    (r"\bCrOS\b", "ChromeOS"),
    (r"\bWindows\b", "Windows"),
    (r"\bMac OS X\b|\bMacintosh\b", "macOS"),
    (r"\bLinux\b", "Linux"),
)


def describe_browser(user_agent: str | None) -> str:
    """ "Firefox on Windows", "Safari on iOS", or "An unknown browser" when it says nothing
    we recognise (a script, a headless client)."""
    agent = user_agent or ""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, agent)), None)
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    return "An unknown browser"
