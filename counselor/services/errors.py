"""Errors the services raise; each edge (page, API, CLI) turns them into its own answer."""

from __future__ import annotations

from datetime import date


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

    @property
    def sentences(self) -> str:
        """Every message, as one line of text for a person (a flashed message, a page)."""
        return " ".join(m for messages in self.errors.values() for m in messages)


class DuplicateAssignment(InvalidInput):
    """The couple already has this step active (docs/design.md, "Duplicate steps").

    Not bad input but a question: the caller asks "Assign it again?" and, once confirmed,
    assigns with ``allow_duplicate``. The dashboard asks it on the form; the API answers
    409 with the existing step's id."""

    def __init__(
        self, field: str, message: str, *, existing_id: int, existing_starts_on: date
    ) -> None:
        super().__init__({field: [message]})
        self.message = message
        self.existing_id = existing_id
        self.existing_starts_on = existing_starts_on


class FieldErrors:
    """Collects messages per field so a form can show every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)
