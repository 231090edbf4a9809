"""The vocabulary of API key scopes (``ApiKey.scopes``, space-separated): their names, what
each grants, and which one a request's method needs. What they mean for an API request,
and the request's own scopes, are ``counselor/api/scopes.py``'s; the keys' service and the
dashboard use these names to create keys and change their scopes."""

from __future__ import annotations

from collections.abc import Iterable

HOMEWORK_READ = "homework:read"
HOMEWORK_WRITE = "homework:write"
CLINICAL_TEXT = "clinical_text"
# Every scope, in the order the dashboard lists them, with what it grants.
SCOPES: dict[str, str] = {
    HOMEWORK_READ: "See couples, their steps, check-ins, progress and reports.",
    HOMEWORK_WRITE: "Add and change couples, steps, sessions and check-ins.",
    CLINICAL_TEXT: "Receive the words partners and counselors wrote: reflections, replies "
    "and notes.",
}
DEFAULT_SCOPES = (HOMEWORK_READ, HOMEWORK_WRITE)
# Methods that only read; every other method changes something.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def parse_scopes(value: str | None) -> frozenset[str]:
    """The known scopes named in a stored value; unknown words are ignored."""
    return frozenset(word for word in (value or "").split() if word in SCOPES)


def joined_scopes(scopes: Iterable[str]) -> str:
    """The stored value of known scopes, in ``SCOPES``' order."""
    chosen = set(scopes)
    return " ".join(scope for scope in SCOPES if scope in chosen)


def scope_for_method(method: str) -> str:
    """The scope a request's method needs: reading, or changing."""
    return HOMEWORK_READ if method.upper() in READING_METHODS else HOMEWORK_WRITE
