"""The shared bounds of ``counselor/services/validation.py`` as WTForms validators, for the
dashboard's and the partner pages' forms — the same functions and numbers the API's
schemas use (``counselor/api/schemas/common.py``), so both edges refuse the same values
with the same words, before any of them reaches the database.

A refused form is shown again with what the person typed: text that can't be stored comes
back less the characters that can't (a NUL, an unpaired surrogate), with a message saying
so, so no reflection is lost to a stray byte.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from wtforms import Field
from wtforms.validators import Length, StopValidation, ValidationError

from counselor.services import validation
from counselor.services.errors import FieldErrors


class Storable:
    """Text a database can store. The field keeps the text less what can't be stored, so
    the page shows it back ready to send again."""

    def __call__(self, form: Any, field: Field) -> None:
        text = field.data
        if isinstance(text, str) and (problem := validation.unstorable(text)):
            field.data = validation.storable(text)
            raise ValidationError(
                f"{problem} We took out what can't be stored: check the text and send it again."
            )


class WithinYears:
    """A date (or moment) within ``validation.EARLIEST_YEAR``–``LATEST_YEAR``."""

    def __call__(self, form: Any, field: Field) -> None:
        value = field.data
        if isinstance(value, date | datetime) and (problem := validation.date_out_of_range(value)):
            raise ValidationError(problem)


def text_bounds(max_length: int, too_long: str | None = None) -> list[Any]:
    """The checks of a text field whose column holds ``max_length`` characters."""
    return [
        Storable(),
        Length(max=max_length, message=too_long or validation.too_long_message(max_length)),
    ]


class WholeNumberWithin:
    """A whole number from ``low`` to ``high``: ``validation.check_int_range``'s rule and
    words, which the service applies again (e.g. Settings › Access's session limits)."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def __call__(self, form: Any, field: Field) -> None:
        problems = FieldErrors()
        validation.check_int_range(problems, field.name, field.data, self.low, self.high)
        if problems.errors:
            field.errors[:] = []  # "Not a valid integer value" says less than the range
            raise StopValidation(problems.errors[field.name][0])
