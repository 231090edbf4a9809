"""GET /launch: a signed, single-use token in, a dashboard session out.

A GET that changes state, because the contract makes it one: hosts open it as a plain
link. That is acceptable here because the token is the whole credential — single use,
minutes long, signed by the practice's secret — so a third party cannot forge the request,
and the only effect is logging in the counselor the token names (who could log in
anyway). A link scanner that opens it first spends the token; the counselor then opens
it again from the host.

A launch never logs out whoever is signed in on its own. When the browser is signed in as
another counselor, the GET only asks ("Continue as ...?") and writes nothing — the token
stays unused — and the confirming POST, which carries the token and a CSRF token, uses it
up and switches. A refused launch leaves the session as it was.
"""

from __future__ import annotations

import logging

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from counselor.dashboard.auth import complete_sign_in, current_session, signed_in_counselor
from counselor.extensions import limiter
from counselor.launch import bp
from counselor.launch.forms import SwitchForm
from counselor.models import Counselor
from counselor.services.accounts import two_factor
from counselor.services.accounts.launch import (
    LaunchRefused,
    PendingLaunch,
    check_launch,
    complete_launch,
)

log = logging.getLogger(__name__)


def _launch_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


# Only refused launches count: a clinic behind one address may launch often and rightly.
limit_refused_launches = limiter.limit(
    _launch_limit, deduct_when=lambda response: response.status_code >= 400
)


@bp.route("/launch")
@limit_refused_launches
def launch() -> ResponseReturnValue:
    token = request.args.get("token", "")
    signed_in = signed_in_counselor()
    try:
        pending = check_launch(token)
        if signed_in is not None and signed_in.id != pending.counselor.id:
            return _ask_before_switching(signed_in, pending, token)
        complete_launch(pending)
    except LaunchRefused as refused:
        return _refused(refused, signed_in)
    return _land(pending)


@bp.route("/launch", methods=["POST"])
@limit_refused_launches
def confirm_switch() -> ResponseReturnValue:
    """The counselor chose "Continue as ...": now the token is used up."""
    signed_in = signed_in_counselor()
    form = SwitchForm()
    try:
        if not form.validate_on_submit():
            raise LaunchRefused("switch form incomplete", malformed=True)
        pending = check_launch(form.token.data or "")
        complete_launch(pending)
    except LaunchRefused as refused:
        return _refused(refused, signed_in)
    return _land(pending)


def _ask_before_switching(
    signed_in: Counselor, pending: PendingLaunch, token: str
) -> ResponseReturnValue:
    return render_template(
        "launch/switch.html",
        signed_in=signed_in,
        launching=pending.counselor,
        form=SwitchForm(token=token),
    )


def _refused(refused: LaunchRefused, signed_in: Counselor | None) -> ResponseReturnValue:
    log.info("launch refused: %s", refused.reason)  # never the token itself
    status = 400 if refused.malformed else 401
    return render_template("launch/refused.html", signed_in=signed_in), status


def _land(pending: PendingLaunch) -> Response:
    """A fresh session for the launch's counselor (whoever was signed in before is signed
    out by it), on the couple the token names, if any.

    The launch proves who the counselor is as a password does, no more: a counselor with
    a second factor gives it next (docs/security.md, "Logging in"). A browser already
    fully signed in as the same counselor keeps its session, so launching again from the
    host does not ask for the second factor each time."""
    counselor = pending.counselor
    if pending.couple_id is not None:
        target = url_for("dashboard.couple_detail", couple_id=pending.couple_id)
    else:
        target = url_for("dashboard.couples_list")
    kept = current_session()
    if kept is not None and kept.counselor_id == counselor.id and kept.second_factor_at:
        return redirect(target)
    owed = two_factor.has_second_factor(counselor)
    complete_sign_in(counselor, second_factor_done=not owed)
    if owed:
        return redirect(url_for("dashboard.second_factor_challenge", next=target))
    return redirect(target)


@bp.after_request
def keep_the_token_to_ourselves(response: Response) -> Response:
    """The URL carries a credential: no Referer repeats it (and, as every response, it is
    never cached: counselor/http_headers.py)."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
