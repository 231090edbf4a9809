"""GET /calendar/<token>.ics: a counselor's sessions for their calendar app, no sign-in.

The token in the URL is the whole credential (``services/couples/calendar_feed.py`` makes,
replaces and revokes it; Settings › Your account shows it once). An unknown, replaced or
revoked token, or one of a deactivated counselor, answers the same plain 404. The answer is
never cached (``no-store``, as every answer: ``http_headers.py``), sends no Referer, and the
token is taken out of every log line (``log_redaction.py``). Requests are limited per
client address and per token, as the partners' links are.

Flask answers HEAD with the GET view, the body then dropped: a HEAD is not a read, so it
records none (``calendar_feed.record_feed_read`` audits at most one read a day anyway).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from counselor import tenancy
from counselor.extensions import limiter
from counselor.request_limits import client_address_limit, client_token_limit
from counselor.services.couples import calendar_feed

bp = Blueprint("calendar", __name__)


def _token_key() -> str:
    return "calendar:" + calendar_feed.hash_token((request.view_args or {}).get("token", ""))


@bp.route("/calendar/<token>.ics")
@limiter.limit(client_address_limit)
@limiter.limit(client_token_limit, key_func=_token_key)
def feed(token: str) -> Response:
    counselor = calendar_feed.counselor_for_feed(token)
    if counselor is None:
        abort(404)
    tenancy.enter_as_counselor(counselor)
    body = calendar_feed.feed_ics(counselor)
    if request.method != "HEAD":
        calendar_feed.record_feed_read(counselor)
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="sessions.ics"'
    # The URL is the credential: no Referer repeats it.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
