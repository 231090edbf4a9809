"""Host launch: GET /launch?token=… logs a counselor in from the host system (single sign-on)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("launch", __name__, template_folder="templates")

from counselor.launch import views  # noqa: E402, F401
