"""Pages behind the links partners get by email: no account, no password, no JavaScript."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("partner", __name__, template_folder="templates")

from counselor.partner import (  # noqa: E402, F401
    acknowledgements,
    errors,
    my_checkins,
    replies,
    views,
    weekly_checkin,
    wording,
)
