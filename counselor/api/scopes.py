"""What an API key may do: its scopes (``ApiKey.scopes``, space-separated).

- ``homework:read``: read couples, steps, check-ins, progress and reports;
- ``homework:write``: change them (every POST, PATCH and DELETE);
- ``clinical_text``: receive what partners and counselors wrote — reflections, replies,
  notes — in JSON and in FHIR. A key without it gets every figure and never the words.

``guard.authenticate`` keeps the request's key's scopes in ``flask.g``; everything that
decides what a response holds asks here."""

from __future__ import annotations

from flask import g

HOMEWORK_READ = "homework:read"
HOMEWORK_WRITE = "homework:write"
CLINICAL_TEXT = "clinical_text"
# Every scope, in the order the dashboard lists them, with what it grants.
SCOPES: dict[str, str] = {
    HOMEWORK_READ: "Read couples, steps, check-ins, progress and reports.",
    HOMEWORK_WRITE: "Create and change couples, steps, sessions and check-ins.",
    CLINICAL_TEXT: "Receive what partners and counselors wrote: reflections, replies and notes.",
}
DEFAULT_SCOPES = (HOMEWORK_READ, HOMEWORK_WRITE)


def parse_scopes(value: str | None) -> frozenset[str]:
    """The known scopes named in a stored value; unknown words are ignored."""
    return frozenset(word for word in (value or "").split() if word in SCOPES)


def current_scopes() -> frozenset[str]:
    """The scopes of the key this API request acts with (none outside one)."""
    return g.get("api_scopes", frozenset())


def may_read_clinical_text() -> bool:
    """Whether this request's answer may carry what partners and counselors wrote."""
    return CLINICAL_TEXT in current_scopes()
