"""ETags for a dashboard page built from data that rarely changes between two views (the
couples list): the page's own fingerprint — a digest of every row it is built from, taken
before any rule runs or any HTML is rendered — together with everything else the HTML
depends on:

- who is looking, and through which sign-in: the counselor (their name, practice and time
  zone are on the page), the server-side session row and the CSRF token of the browser's
  session (the page's *Log out* form carries a token for it), and the language;
- when a deployment limits a CSRF token's life (``WTF_CSRF_TIME_LIMIT``), the token's time
  bucket (``csrf_time_bucket``): the token on the page is signed with the time it was
  drawn and expires that long after, so the ETag changes every half limit and the page is
  drawn again, with a fresh token, before the one a 304 would vouch for is past half its
  life (*Log out* would otherwise fail on a page the browser was told is current);
- the request itself: its path and query string (the filters, the order, the page);
- the code and templates that draw the page (``_build``), so a release never answers 304
  with a page drawn by the code before it.

A page with a notice waiting to be shown (a flash message) gets no ETag: it is shown once,
so it is never the page a browser already has. The ETag only ever goes back to the browser
that sent the request, under ``Cache-Control: private, no-cache`` (``http_headers``): its
own cache may keep the page and must ask us before showing it again; no shared cache may
keep it.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import time
from functools import cache

from flask import Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

# The modules and templates whose code draws the couples list (and every figure on it).
PAGE_MODULES = (
    "counselor.dashboard.couples",
    "counselor.dashboard.page_versions",
    "counselor.services.pages.dashboard",
    "counselor.services.pages.dashboard_figures",
    "counselor.services.pages.dashboard_keyset",
    "counselor.services.pages.dashboard_query",
    "counselor.services.pages.dashboard_sql",
    "counselor.services.progress.week_rules",
    "counselor.services.progress.readiness",
    "counselor.services.progress.current",
    "counselor.services.homework.assignments",
    "counselor.web",
)
PAGE_TEMPLATES = ("dashboard/couples_list.html", "base.html", "macros.html")
FLASHES = "_flashes"  # where Flask keeps the notices waiting to be shown


def page_etag(fingerprint: str) -> str | None:
    """The ETag of this request's page built from data with ``fingerprint``; None when a
    notice is waiting to be shown on it."""
    if session.get(FLASHES):
        return None
    generate_csrf()  # the token the page will carry exists before it is named
    row = g.get("counselor_session")
    digest = hashlib.blake2b(digest_size=20)
    for part in (
        fingerprint,
        _build(),
        request.full_path,
        str(current_user.id),
        current_user.name,
        current_user.practice.name,
        current_user.timezone,
        str(row.id if row is not None else ""),
        session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")) or "",
        str(get_locale()),
        str(bool(g.get("second_factor_owed"))),
        csrf_time_bucket(),
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def csrf_time_bucket() -> str:
    """Which half of ``WTF_CSRF_TIME_LIMIT`` this is, counted since the epoch ("" without a
    limit: the token then lives as long as the session). Flask-WTF dates a token with
    ``time.time()`` (itsdangerous), and so does this."""
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT")
    if not limit:
        return ""
    return str(int(time.time()) // max(int(limit) // 2, 1))


def not_modified(etag: str) -> Response:
    """304 Not Modified: the browser's copy is the page; no body."""
    response = Response(status=304)
    response.set_etag(etag)
    return response


@cache
def _build() -> str:
    """A digest of the code and templates that draw the page, read once per process."""
    digest = hashlib.blake2b(digest_size=16)
    for name in PAGE_MODULES:
        module = sys.modules.get(name)
        if module is not None:
            digest.update(inspect.getsource(module).encode())
    loader = current_app.jinja_env.loader
    for template in PAGE_TEMPLATES:
        if loader is not None:
            digest.update(loader.get_source(current_app.jinja_env, template)[0].encode())
    return digest.hexdigest()
