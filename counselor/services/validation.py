"""Checks shared by every service, each adding a plain-language message to a field."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from counselor import timeutil
from counselor.services.errors import FieldErrors


def check_text(
    problems: FieldErrors, field: str, value: str | None, *, max_length: int, required: bool = True
) -> str:
    """Stripped text, or a message when it is missing or too long."""
    text = (value or "").strip()
    if required and not text:
        problems.add(field, "This field is required.")
    elif len(text) > max_length:
        problems.add(field, f"Keep this to {max_length} characters or fewer.")
    return text


def check_email(problems: FieldErrors, field: str, value: str | None) -> str:
    address = (value or "").strip()
    if not address:
        problems.add(field, "This field is required.")
        return address
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        problems.add(field, "Not a valid email address.")
        return address


def check_timezone(problems: FieldErrors, field: str, value: str | None) -> str:
    zone = (value or "").strip()
    if not timeutil.is_valid_timezone(zone):
        problems.add(field, "Choose a time zone from the list, e.g. 'America/Chicago'.")
    return zone


def check_int_range(
    problems: FieldErrors, field: str, value: int | None, low: int, high: int
) -> int | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        problems.add(field, f"Enter a whole number from {low} to {high}.")
        return None
    if not low <= value <= high:
        problems.add(field, f"Enter a whole number from {low} to {high}.")
    return value
