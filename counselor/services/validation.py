"""Checks shared by every edge: the bounds of what the database stores, as plain functions
(each returning the message to show, or None), and the services' field checks built on them.

The API's marshmallow schemas (``counselor/api/schemas/common.py``) and the dashboard's and
partner pages' WTForms forms (``counselor/form_checks.py``) wrap these same functions and
constants, so a value refused by one edge is refused by every edge, with the same words.
Every bound is a database column's, so no input reaches the database in a shape it refuses
(a 500 on PostgreSQL, silently kept on SQLite).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from counselor import timeutil
from counselor.extensions import db
from counselor.ladder import STEP_INSTRUCTIONS_MAX, STEP_TITLE_MAX
from counselor.models import Couple, CoupleSession
from counselor.services.errors import FieldErrors

# Ids are 32-bit integers in the database: a larger one names no row (and is not sent).
MAX_ID = 2**31 - 1
# Dates and moments a person can mean; near year 1 or 9999, date arithmetic overflows.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2100
# The same bounds as instants, a day wider for every zone's clock: what code that reads
# stored moments (reports) trusts, since rows stored before the edges checked may lie outside.
EARLIEST_MOMENT = datetime(EARLIEST_YEAR - 1, 12, 31, tzinfo=UTC)
LATEST_MOMENT = datetime(LATEST_YEAR + 1, 1, 2, tzinfo=UTC)

# Lengths of the columns that hold text people type (counselor/models).
LABEL_MAX = 120  # couples.label
FIRST_NAME_MAX = 80  # partners.first_name
EMAIL_MAX = 254  # partners.email, counselors.email, practices.reply_to
TIMEZONE_MAX = 64  # partners.timezone, counselors.timezone
EXTERNAL_ID_MAX = 128  # couples.external_id, couple_sessions.external_id
CHECKIN_KEY_MAX = 64  # checkins.idempotency_key
TEMPLATE_KEY_MAX = 64  # task_templates.key, ladder_rungs.key
# assignments.title and .instructions (text; a page's worth): a step's bounds, the ladder's.
TITLE_MAX, INSTRUCTIONS_MAX = STEP_TITLE_MAX, STEP_INSTRUCTIONS_MAX
REFLECTION_MAX = 2000  # checkins.reflection (text; what the partner's box allows)
SESSION_TEXT_MAX = 4000  # couple_sessions.agenda and .notes (text; a page's worth)
API_KEY_NAME_MAX = 80  # api_keys.name
PASSKEY_NAME_MAX = 80  # passkey_credentials.name
COUNSELOR_NAME_MAX = 200  # counselors.name

NUL_MESSAGE = "Text may not contain NUL characters."
SURROGATE_MESSAGE = "Text must be valid Unicode."
LONE_SURROGATE = re.compile("[\ud800-\udfff]")

DATE_MESSAGE = f"Use a date between {EARLIEST_YEAR} and {LATEST_YEAR}."


def too_long_message(max_length: int) -> str:
    return f"Keep this to {max_length} characters or fewer."


def unstorable(text: str) -> str | None:
    """Why a database can't store ``text`` — a NUL character (PostgreSQL refuses it) or an
    unpaired surrogate (no encoding holds it) — or None when it can."""
    if "\x00" in text:
        return NUL_MESSAGE
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def storable(text: str) -> str:
    """``text`` less what can't be stored: NULs dropped, unpaired surrogates as U+FFFD.
    What a form shows again, so the person keeps every word they can send."""
    return LONE_SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def date_out_of_range(value: date | datetime) -> str | None:
    """The message for a date, or a moment on its own clock, outside ``EARLIEST_YEAR``
    –``LATEST_YEAR``, else None."""
    return None if EARLIEST_YEAR <= value.year <= LATEST_YEAR else DATE_MESSAGE


def is_id(value: Any) -> bool:
    """Whether ``value`` can be a row's id: a whole number from 1 to ``MAX_ID``."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def parse_id(text: str | None) -> int | None:
    """The id a form or query field names ("42"), or None when it names none: blank, not
    ASCII digits ("²", "-1", "1e3"), or beyond ``MAX_ID``."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if is_id(number) else None


def check_text(
    problems: FieldErrors, field: str, value: str | None, *, max_length: int, required: bool = True
) -> str:
    """Stripped text, or a message when it is missing, too long or can't be stored."""
    text = (value or "").strip()
    if required and not text:
        problems.add(field, "This field is required.")
    elif len(text) > max_length:
        problems.add(field, too_long_message(max_length))
    elif problem := unstorable(text):
        problems.add(field, problem)
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
    external_id = (
        check_text(problems, "external_id", value, max_length=EXTERNAL_ID_MAX, required=False)
        or None
    )
    if external_id and "external_id" not in problems.errors:
        clash = sa.select(model.id).where(model.external_id == external_id)
        if own_id is not None:
            clash = clash.where(model.id != own_id)
        if db.session.scalar(clash):
            problems.add("external_id", f"Another {noun} already has this external id.")
    return external_id
