"""What the dashboard's passkey endpoints share: the relying party of this request, and
the challenge of the one ceremony under way, kept in Flask's session between the options
and the browser's answer and taken out (once) by the answer.

The endpoints speak JSON and are POSTs, CSRF-checked like every form: ``static/passkeys.js``
sends the page's token in the ``X-CSRFToken`` header."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request, session
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from counselor import timeutil
from counselor.services.accounts import passkeys

CHALLENGE_KEY = "webauthn_ceremony"
# The browser is given two minutes (passkeys.CEREMONY_TIMEOUT_MS); a little more here.
CHALLENGE_LIFETIME_SECONDS = 180
# What each ceremony is for; an answer is checked against the challenge of its own kind.
REGISTER = "register"
SECOND_FACTOR = "second_factor"
SIGN_IN = "sign_in"


def relying_party() -> passkeys.RelyingParty:
    return passkeys.relying_party(
        current_app.config.get("WEBAUTHN_RP_ID"),
        current_app.config.get("PUBLIC_BASE_URL"),
        request.host_url,
    )


def options_response(purpose: str, options_json: str, challenge: bytes) -> Response:
    """Keep the challenge for this ceremony (replacing any other) and answer the options."""
    session[CHALLENGE_KEY] = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
        "at": int(timeutil.utcnow().timestamp()),
    }
    return Response(options_json, mimetype="application/json")


def take_challenge(purpose: str) -> bytes | None:
    """The challenge of the ceremony under way if it is of this kind and fresh; it is
    forgotten either way, so each challenge is answered at most once."""
    kept = session.pop(CHALLENGE_KEY, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose:
        return None
    if int(timeutil.utcnow().timestamp()) - int(kept.get("at", 0)) > CHALLENGE_LIFETIME_SECONDS:
        return None
    try:
        return base64url_to_bytes(str(kept.get("challenge", "")))
    except ValueError:
        return None


def posted_json() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def refused(message: str, status: int = 422) -> tuple[Response, int]:
    return jsonify({"error": message}), status


def done(redirect_to: str) -> Response:
    return jsonify({"redirect": redirect_to})
