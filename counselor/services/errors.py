"""Errors the services raise; each edge (page, API, CLI) turns them into its own answer."""

from __future__ import annotations


class NotFound(LookupError):
    """The object does not exist, or belongs to another practice (the two look the same)."""


class InvalidInput(ValueError):
    """Input broke a domain rule. ``errors`` maps a field name to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()))
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: str) -> InvalidInput:
        return cls({field: [message]})


class FieldErrors:
    """Collects messages per field so a form can show every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)
