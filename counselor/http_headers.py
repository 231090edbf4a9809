"""Headers every response carries: what a browser may do with the page, whether anything
on the way may keep a copy of it, and (when the service is public over https) that it
must never be reached over plain http again.

Caching: every response is ``Cache-Control: no-store`` except static files. Pages and API
answers hold client text (names, reflections) or credentials (tokens in partner and launch
URLs, a new API key, a webhook secret); a shared proxy or the browser's disk cache must keep
none of them. The few public answers (login page, API docs and guide, error pages) gain
nothing worth a list of exceptions that a new page with client data could slip into, so the
only exception is ``/static``, which Flask serves with its own cache headers — and the
couples list (``REVALIDATED_ENDPOINTS``) when it sends an ETag: ``private, no-cache``, so
that the counselor's own browser may keep it and ask before each use (304 while nothing
changed), and no shared cache may keep it at all. It holds no credential beyond the CSRF
token of that browser's own session. Every answer that signs a browser out clears its cache
(``Clear-Site-Data: "cache"``, ``clear_this_browsers_cache``), so the next person at that
browser finds no copy of the list, not even through Back: logging out, *Sign out
everywhere*, ending this browser's own session, too many wrong second-factor answers — and
the answer that refuses a session which ended some other way (idle past the practice's
minutes, older than its hours, ended from another device or by a password change, its
counselor deactivated: dashboard/auth.py). Browsers honour ``Clear-Site-Data`` only on a
secure context (https, or http://localhost): over plain http elsewhere the header is
ignored, and the copy stays until the browser's own cache lets it go.

Framing: no site may show a page of ours in a frame (``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``), except the dashboard of a practice that lists host systems
allowed to (``practices.frame_ancestors``, Settings › Access): a dashboard page for a
signed-in counselor of that practice names those origins in ``frame-ancestors`` instead,
and carries no ``X-Frame-Options``, which cannot name origins (browsers that know CSP obey
``frame-ancestors`` over it; an older one would see DENY and refuse the host's frame). The
practice comes from the session the dashboard's guard already loaded for the request: no
query of its own. Partner pages, the API, the login page and everything else stay
unframable.

HSTS: sent whenever ``PUBLIC_BASE_URL`` is https (``config.serves_https``, which also makes
the cookies ``Secure``), with ``includeSubDomains``; ``HSTS_MAX_AGE_SECONDS`` sets how long
a browser remembers it (0 withdraws it).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request

from counselor.config import serves_https
from counselor.services.accounts.framing import allowed_origins

NO_FRAMING = "'none'"
CACHEABLE_ENDPOINTS = frozenset({"static"})
# Pages that carry an ETag (dashboard/page_versions.py) and may be kept by the browser that
# asked for them, to be revalidated before each use.
REVALIDATED_ENDPOINTS = frozenset({"dashboard.couples_list"})
# Set in ``g`` by ``clear_this_browsers_cache`` (any answer that signs the browser out).
CLEAR_CACHE_OF_THIS_REQUEST = "clear_browser_cache"
# Pages a practice may let its host systems frame: the dashboard, and the host launch that
# opens it (its "Continue as …?" question).
FRAMABLE_BLUEPRINTS = frozenset({"dashboard", "launch"})
# Where the dashboard's guard keeps the request's live session row (dashboard/auth.py).
SESSION_OF_THIS_REQUEST = "counselor_session"


def content_security_policy(frame_ancestors: str = NO_FRAMING) -> str:
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        f"script-src 'self'; frame-ancestors {frame_ancestors}; form-action 'self'; "
        "base-uri 'none'"
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def install(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    origins = framing_origins()
    if not origins:
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault(
        "Content-Security-Policy", content_security_policy(" ".join(origins) or NO_FRAMING)
    )
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = cache_control(response)
    if g.get(CLEAR_CACHE_OF_THIS_REQUEST):
        # What the browser kept to revalidate (the couples list) goes with the sign-out.
        # Honoured only on a secure context (https, localhost); ignored over plain http.
        headers["Clear-Site-Data"] = '"cache"'
    config = current_app.config
    if serves_https(config):
        headers["Strict-Transport-Security"] = (
            f"max-age={config['HSTS_MAX_AGE_SECONDS']}; includeSubDomains"
        )
    return response


def clear_this_browsers_cache() -> None:
    """This answer signs the browser out: it carries ``Clear-Site-Data: "cache"``, so the
    pages the browser kept (the couples list, with client names) go with the session.
    Browsers obey it only on a secure context (https, or http://localhost)."""
    g.setdefault(CLEAR_CACHE_OF_THIS_REQUEST, True)


def cache_control(response: Response) -> str:
    """``no-store``, but for a page that revalidates and sent an ETag: the browser that
    asked may keep it, for itself only, and must ask before each use (``private,
    no-cache``), so a repeat view answers 304 while nothing on the page changed."""
    if request.endpoint in REVALIDATED_ENDPOINTS and response.headers.get("ETag"):
        return "private, no-cache"
    return "no-store"


def framing_origins() -> list[str]:
    """The host origins that may frame this response: those of the signed-in counselor's
    practice on a dashboard (or launch) page, none anywhere else. Only a session the
    request already looked up counts, so this never queries for one."""
    if request.blueprint not in FRAMABLE_BLUEPRINTS:
        return []
    row = g.get(SESSION_OF_THIS_REQUEST)
    if row is None:
        return []
    return allowed_origins(row.counselor.practice.frame_ancestors)
