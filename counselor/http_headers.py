"""Headers every response carries: what a browser may do with the page, whether anything
on the way may keep a copy of it, and (when the service is public over https) that it
must never be reached over plain http again.

Caching: every response is ``Cache-Control: no-store`` except static files. Pages and API
answers hold client text (names, reflections) or credentials (tokens in partner and launch
URLs, a new API key, a webhook secret); a shared proxy or the browser's disk cache must keep
none of them. The few public answers (login page, API docs and guide, error pages) gain
nothing worth a list of exceptions that a new page with client data could slip into, so the
only exception is ``/static``, which Flask serves with its own cache headers.

HSTS: sent whenever ``PUBLIC_BASE_URL`` is https (``config.serves_https``, which also makes
the cookies ``Secure``), with ``includeSubDomains``; ``HSTS_MAX_AGE_SECONDS`` sets how long
a browser remembers it (0 withdraws it).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from counselor.config import serves_https

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
CACHEABLE_ENDPOINTS = frozenset({"static"})


def install(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
    config = current_app.config
    if serves_https(config):
        headers["Strict-Transport-Security"] = (
            f"max-age={config['HSTS_MAX_AGE_SECONDS']}; includeSubDomains"
        )
    return response
