"""Kinds of setting value, each saying what is wrong with a bad one ("must be …").

``counselor/config_table.py`` gives every setting one of these kinds with its bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any, Protocol

import limits
from limits.storage import SCHEMES as RATE_LIMIT_STORAGE_SCHEMES


class Kind(Protocol):
    def complaint(self, value: Any) -> str | None:
        """What is wrong with ``value`` ("must be …"), or None when it is fine."""


def _is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class WholeNumber:
    low: int
    high: int | None = None
    unit: str = ""
    optional: bool = False  # None means "no limit"

    def complaint(self, value: Any) -> str | None:
        if value is None and self.optional:
            return None
        in_range = _is_whole_number(value) and self.low <= value <= (self.high or value)
        if in_range:
            return None
        bounds = f"from {self.low} to {self.high}" if self.high else f"of at least {self.low}"
        unit = f" of {self.unit}" if self.unit else ""
        none = " (or null for no limit)" if self.optional else ""
        return f"must be a whole number{unit} {bounds}{none}"


@dataclass(frozen=True)
class Seconds:
    """A duration that may have a fraction (network timeouts)."""

    high: float
    zero: bool = False  # whether 0 is allowed (e.g. "at once", "every time")

    def complaint(self, value: Any) -> str | None:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and (value > 0 or (self.zero and value == 0)) and value <= self.high:
            return None
        low = "0 or more" if self.zero else "above 0"
        return f"must be a number of seconds {low} and at most {self.high:g}"


class Flag:
    def complaint(self, value: Any) -> str | None:
        return None if isinstance(value, bool) else "must be true or false"


@dataclass(frozen=True)
class Text:
    optional: bool = False

    def complaint(self, value: Any) -> str | None:
        if value is None and self.optional:
            return None
        return None if isinstance(value, str) and value.strip() else "must be non-empty text"


@dataclass(frozen=True)
class Secret:
    """Text whose value never appears in a message."""

    min_length: int = 0
    optional: bool = False

    def complaint(self, value: Any) -> str | None:
        if value is None and self.optional:
            return None
        if not isinstance(value, str):
            return "must be text"
        if len(value) < self.min_length:
            return f"is shorter than {self.min_length} characters"
        return None


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]

    def complaint(self, value: Any) -> str | None:
        if value in self.options:
            return None
        return "must be one of " + ", ".join(repr(option) for option in self.options)


@dataclass(frozen=True)
class Address:
    """A URL or URI whose scheme we can use."""

    prefixes: tuple[str, ...]
    looks_like: str

    def complaint(self, value: Any) -> str | None:
        if isinstance(value, str) and value.startswith(self.prefixes):
            return None
        return f"is not supported: it must look like {self.looks_like}"


class RateLimit:
    def complaint(self, value: Any) -> str | None:
        try:
            limits.parse_many(value)
        except (TypeError, ValueError):
            return "must be a rate limit such as '10 per minute' (several joined by ';')"
        return None


class RateLimitStorage:
    def complaint(self, value: Any) -> str | None:
        scheme = value.split("://", 1)[0] if isinstance(value, str) and "://" in value else None
        if scheme in RATE_LIMIT_STORAGE_SCHEMES:
            return None
        return "must be a storage URI Flask-Limiter knows, such as memory:// or redis://host:6379"


class Sender:
    def complaint(self, value: Any) -> str | None:
        address = parseaddr(value)[1] if isinstance(value, str) else ""
        return None if "@" in address else "must be an email address, optionally with a name"


@dataclass(frozen=True)
class Table:
    """A mapping (passed on to a library), with the keys the service relies on."""

    required: tuple[str, ...] = ()

    def complaint(self, value: Any) -> str | None:
        if not isinstance(value, Mapping):
            return "must be a mapping"
        missing = [key for key in self.required if not value.get(key)]
        return f"is missing {', '.join(missing)}" if missing else None
