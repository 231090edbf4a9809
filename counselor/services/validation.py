"""Checks shared by every service, each adding a plain-language message to a field."""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from counselor import timeutil
from counselor.extensions import db
from counselor.models import Couple, CoupleSession
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


def check_external_id(
    problems: FieldErrors,
    model: type[Couple] | type[CoupleSession],
    value: str | None,
    *,
    own_id: int | None,
    noun: str,
) -> str | None:
    """An id from the practice's own records: optional (blank is none), and not given to
    another of its rows of ``model`` (``own_id`` is the row being changed, None for a new one)
    — the unique constraint would refuse it, without saying why."""
    external_id = (value or "").strip() or None
    if external_id:
        clash = sa.select(model.id).where(model.external_id == external_id)
        if own_id is not None:
            clash = clash.where(model.id != own_id)
        if db.session.scalar(clash):
            problems.add("external_id", f"Another {noun} already has this external id.")
    return external_id
