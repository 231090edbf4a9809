"""Launch tokens as a host system would mint them, for the launch tests."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

import jwt


def mint(secret: str, subject: str, lifetime: int = 120, **claims: Any) -> str:
    """A valid HS256 launch token; ``claims`` add to or replace the standard ones
    (a value of None leaves that claim out)."""
    now = int(time.time())
    payload = {"sub": subject, "iat": now, "exp": now + lifetime, "jti": secrets.token_urlsafe(16)}
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, "HS256")


def unsigned(sub: str) -> str:
    """The classic forgery: ``alg: none`` and no signature."""
    now = int(time.time())
    parts = [
        {"alg": "none", "typ": "JWT"},
        {"sub": sub, "iat": now, "exp": now + 60, "jti": "forged"},
    ]
    encoded = [
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode() for part in parts
    ]
    return ".".join(encoded) + "."
