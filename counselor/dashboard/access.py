"""Marks on dashboard views that the sign-in guard (``dashboard/auth.py``) lets through
before a counselor is fully signed in. Every other dashboard view needs a live session
whose second factor, if owed, has been given."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

View = TypeVar("View", bound=Callable)

SECOND_FACTOR_PENDING_OK = "open_while_second_factor_pending"
ENROLMENT_REQUIRED_OK = "open_while_enrolment_required"


def open_while_second_factor_pending(view: View) -> View:
    """The password is checked and the second factor is still owed: the challenge pages."""
    setattr(view, SECOND_FACTOR_PENDING_OK, True)
    return view


def open_while_enrolment_required(view: View) -> View:
    """The practice requires a second factor the counselor has not set up yet: the
    enrolment pages (and logging out) are all they may reach."""
    setattr(view, ENROLMENT_REQUIRED_OK, True)
    return view
