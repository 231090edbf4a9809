"""GET /launch: a signed, single-use token in, a dashboard session out.

A GET that changes state, because the contract makes it one: hosts open it as a plain
link. That is acceptable here because the token is the whole credential — single use,
minutes long, signed by the practice's secret — so a third party cannot forge the request,
and the only effect is logging in the counselor the token names (who could log in
anyway). A link scanner that opens it first spends the token; the counselor then opens
it again from the host.
"""

from __future__ import annotations

import logging

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import logout_user
from werkzeug.wrappers import Response

from counselor.dashboard.auth import start_session
from counselor.extensions import limiter
from counselor.launch import bp
from counselor.services.accounts.launch import LaunchRefused, verify_launch

log = logging.getLogger(__name__)


def _launch_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/launch")
# Only refused launches count: a clinic behind one address may launch often and rightly.
@limiter.limit(_launch_limit, deduct_when=lambda response: response.status_code >= 400)
def launch() -> Response | tuple[str, int]:
    # Whatever the outcome, the session that was open before ends here.
    logout_user()
    session.clear()
    try:
        counselor, couple_id = verify_launch(request.args.get("token", ""))
    except LaunchRefused as refused:
        log.info("launch refused: %s", refused.reason)  # never the token itself
        status = 400 if refused.malformed else 401
        return render_template("launch/refused.html"), status
    start_session(counselor)
    if couple_id is not None:
        return redirect(url_for("dashboard.couple_detail", couple_id=couple_id))
    return redirect(url_for("dashboard.couples_list"))


@bp.after_request
def keep_the_token_to_ourselves(response: Response) -> Response:
    """The URL carries a credential: no caching, and no Referer that repeats it."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
