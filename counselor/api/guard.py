"""What every API request goes through: the key (401), its rate limit and its address's
limit on refused keys (429), its scopes (403), idempotent POSTs (replay or 409), and the
audit event written after the response is known.

Scopes (``api/scopes.py``): reading (GET, HEAD) needs ``homework:read``, changing (POST,
PUT, PATCH, DELETE) ``homework:write`` — webhooks too: listing them reads, adding or
removing one changes — and a few routes need more (``ROUTE_SCOPES``). The key's scopes stay
in ``g.api_scopes`` for the request, for what decides whether an answer may carry clinical
text (``scopes.may_read_clinical_text``).

A key limited to a counselor acts in that counselor's scope (``tenancy.enter_as_counselor``:
only their own couples when the practice keeps counselors to theirs), and is refused (401)
while that counselor is deactivated. Such a key manages webhooks only if its counselor is an
owner (403 otherwise), as on the dashboard: a webhook carries every couple's events."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NoReturn

from flask import Blueprint, Response, current_app, g, request
from flask_limiter.util import get_remote_address
from flask_smorest import abort as smorest_abort

from counselor import tenancy
from counselor.api import replay
from counselor.api.scopes import (
    CLINICAL_TEXT,
    HOMEWORK_READ,
    HOMEWORK_WRITE,
    parse_scopes,
    scope_for_method,
)
from counselor.extensions import db, limiter
from counselor.models import CounselorRole
from counselor.services import idempotency
from counselor.services.accounts import api_keys
from counselor.services.audit import Actor, record_event

IDEMPOTENCY_HEADER = "Idempotency-Key"
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# Kept in flask.g.
REQUEST_STATE = ("api_actor", "api_scopes", "api_object", "api_replay_kind", "idempotency_record")
# Routes for the whole practice's configuration: a key acting for a counselor who is not an
# owner is refused them (403), as that counselor is on the dashboard.
OWNERS_ONLY = {"api.Webhooks", "api.WebhookById"}
# Routes that need a scope beyond their method's, and why (the 403's message).
ROUTE_SCOPES: dict[str, tuple[str, str]] = {
    "api.ReportPdf": (
        CLINICAL_TEXT,
        "a report's PDF prints what partners and counselors wrote (reflections, replies, "
        "notes, the session's agenda)",
    ),
}
SCOPE_USES = {
    HOMEWORK_READ: "reading (GET) needs it",
    HOMEWORK_WRITE: "changing anything (POST, PUT, PATCH, DELETE) needs it",
}
# flask_smorest ships no types; its abort always raises (an HTTPException with the error).
abort: Callable[..., NoReturn] = smorest_abort


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def rate_limit_key() -> str:
    """One bucket per key (by its hash: the key itself is never stored, not even here)."""
    token = bearer_token()
    if token:
        return "api-key:" + api_keys.hash_key(token)[:32]
    return "api-anonymous:" + get_remote_address()


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def invalid_key_rate_limit() -> str:
    return current_app.config["API_INVALID_KEY_RATE_LIMIT"]


def refused_for_its_key(response: Response) -> bool:
    return response.status_code == 401


def current_actor() -> Actor:
    """The practice and key the request acts for (set once the key checked out)."""
    return g.api_actor


def api_key_id(actor: Actor) -> int:
    """The id of the API key a request acts with (set by ``authenticate``)."""
    assert actor.id is not None, "an API request's actor is its API key"
    return actor.id


def set_audited_object(object_type: str, object_id: int | None) -> None:
    """Name the object a request created, for its audit event (default: from the path)."""
    g.api_object = (object_type, object_id)


def set_replay_kind(kind: str) -> None:
    """Replay this POST as ``kind`` (``api/replay.py``) rather than as the object it
    audits: erasing a couple audits the couple, but its answer is the erasure."""
    g.api_replay_kind = kind


def install(bp: Blueprint) -> None:
    limiter.limit(rate_limit, key_func=rate_limit_key)(bp)
    # Made-up keys each have a bucket of their own above, so they are also counted per
    # client address, once refused. Past that limit the address gets 429 before any key it
    # sends is looked up: a stream of guesses costs no database work, and a guess that
    # happens to be right is refused too.
    limiter.limit(
        invalid_key_rate_limit, key_func=get_remote_address, deduct_when=refused_for_its_key
    )(bp)
    bp.before_request(authenticate)
    bp.after_request(finish)


def _reset_request_state() -> None:
    # g belongs to the app context, which a request may share (tests, CLI-driven calls).
    for name in REQUEST_STATE:
        g.pop(name, None)


def authenticate() -> Response | None:
    _reset_request_state()
    token = bearer_token()
    key = api_keys.key_for_secret(token) if token else None
    if key is None:
        abort(
            401,
            message="Send a valid API key as 'Authorization: Bearer <key>'."
            if token is None
            else "This API key is not valid, or it was revoked.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    g.api_actor = Actor("api_key", key.id, key.practice_id)
    tenancy.enter_practice(key.practice_id)
    if key.counselor_id is not None:
        counselor = api_keys.key_counselor(key.counselor_id)
        if counselor is None:
            abort(
                401,
                message="This API key acts for a counselor whose account is deactivated.",
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
        tenancy.enter_as_counselor(counselor)
        if request.endpoint in OWNERS_ONLY and counselor.role != CounselorRole.OWNER:
            abort(
                403,
                message="This API key acts for a counselor who is not an owner. Webhooks "
                "carry events about every couple of the practice: manage them with a key "
                "for the whole practice.",
            )
    g.api_scopes = parse_scopes(key.scopes)
    _require_scopes(g.api_scopes)
    if request.method == "POST" and IDEMPOTENCY_HEADER in request.headers:
        return _claim_idempotency_key(g.api_actor)
    return None


def _require_scopes(held: frozenset[str]) -> None:
    """Refuse (403) a request whose method or route needs a scope the key lacks."""
    needed = scope_for_method(request.method)
    if needed not in held:
        _refuse_for_scope(needed, SCOPE_USES[needed])
    if request.endpoint in ROUTE_SCOPES:
        needed, why = ROUTE_SCOPES[request.endpoint]
        if needed not in held:
            _refuse_for_scope(needed, why)


def _refuse_for_scope(scope: str, why: str) -> NoReturn:
    abort(
        403,
        message=f"This API key lacks the {scope} scope: {why}. An owner of the practice can "
        "give a key that scope under Settings › API keys.",
        headers={
            "WWW-Authenticate": f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'
        },
    )


def _claim_idempotency_key(actor: Actor) -> Response | None:
    key = request.headers[IDEMPOTENCY_HEADER]
    if not key or len(key) > idempotency.KEY_MAX or not key.isprintable() or not key.isascii():
        abort(
            422,
            message="Validation failed",
            errors={"headers": {IDEMPOTENCY_HEADER: ["Use 1 to 255 printable ASCII characters."]}},
        )
    fingerprint = idempotency.request_fingerprint(
        request.method, request.full_path.rstrip("?"), request.get_data(cache=True)
    )
    try:
        outcome = idempotency.claim_or_replay(
            actor.practice_id, api_key_id(actor), key, fingerprint
        )
    except idempotency.IdempotencyConflict as conflict:
        abort(409, message=str(conflict))
    if isinstance(outcome, idempotency.StoredResponse):
        return replay.replayed_response(actor, outcome)
    # The request's one commit before its end: a concurrent request with the same key must
    # see the claim (and answer 409) while this one runs, not run the request again.
    db.session.commit()
    g.idempotency_record = outcome
    return None


def finish(response: Response) -> Response:
    """Keep or release the idempotency claim, audit the request, commit both — a refused
    request's audit event too, which the app's rollback of failed requests would undo."""
    actor: Actor | None = g.get("api_actor")
    if actor is None:
        return response  # no key: nothing to attribute the request to
    audited = _audited_object(actor)
    replay_kind = g.get("api_replay_kind", audited[0])
    record_id = g.get("idempotency_record")
    _reset_request_state()
    if not 200 <= response.status_code < 300:
        db.session.rollback()  # a failed request leaves nothing behind
    if record_id is not None:
        if 200 <= response.status_code < 300:
            # Only what was created, not the body: a replay renders it again (replay.py).
            idempotency.complete(record_id, response.status_code, replay_kind, audited[1])
        else:
            idempotency.release(record_id)
    record_event(actor, _audit_action(), *audited)
    assert actor.id is not None  # an API key's actor is the key
    api_keys.note_key_used(actor.id)
    db.session.commit()
    return response


def _audit_action() -> str:
    rule = request.url_rule.rule if request.url_rule else request.path
    route = _CONVERTER.sub(r"{\1}", rule).removeprefix(current_app.config["OPENAPI_URL_PREFIX"])
    return f"api.{request.method} {route}"[:64]


def _audited_object(actor: Actor) -> tuple[str, Any]:
    if "api_object" in g:
        return g.api_object
    for name, value in reversed(list((request.view_args or {}).items())):
        if name.endswith("_id"):
            return name.removesuffix("_id"), value
    return "practice", actor.practice_id
