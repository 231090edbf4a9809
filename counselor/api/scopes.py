"""What an API key may do: its scopes (``ApiKey.scopes``, space-separated).

- ``homework:read``: read couples, steps, check-ins, progress and reports (every GET, the
  webhook list included);
- ``homework:write``: change them (every POST, PUT, PATCH and DELETE, webhooks included);
- ``clinical_text``: receive what partners and counselors wrote — reflections, replies,
  counselor notes, acknowledgement notes, session agendas and notes — in JSON and in FHIR,
  and the report PDF, which prints them. A key without it gets every figure and never the
  words: such fields are left out of its answers (``schemas.common.ClinicalText``), never
  sent as null, so that null keeps meaning "nothing written". Writing them needs only
  ``homework:write``: a key may send text it already has.

``guard.authenticate`` keeps the request's key's scopes in ``flask.g`` and refuses (403) a
request its key lacks the scope for; everything that decides what a response holds asks
here."""

from __future__ import annotations

from flask import g

# The vocabulary lives with the keys' service, which the dashboard also uses.
from counselor.services.accounts.api_scopes import (
    CLINICAL_TEXT,
    DEFAULT_SCOPES,
    HOMEWORK_READ,
    HOMEWORK_WRITE,
    SCOPES,
    joined_scopes,
    parse_scopes,
    scope_for_method,
)

__all__ = [
    "CLINICAL_TEXT",
    "DEFAULT_SCOPES",
    "HOMEWORK_READ",
    "HOMEWORK_WRITE",
    "SCOPES",
    "current_scopes",
    "joined_scopes",
    "may_read_clinical_text",
    "parse_scopes",
    "scope_for_method",
]


def current_scopes() -> frozenset[str]:
    """The scopes of the key this API request acts with (none outside one)."""
    return g.get("api_scopes", frozenset())


def may_read_clinical_text() -> bool:
    """Whether this request's answer may carry what partners and counselors wrote."""
    return CLINICAL_TEXT in current_scopes()
