"""The counselor dashboard: server-rendered pages behind a login."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__, template_folder="templates")

from counselor.dashboard import (  # noqa: E402, F401
    access_settings,
    api_keys,
    assign,
    audit_log,
    auth,
    calendar_settings,
    counselors,
    couple_data,
    couple_page,
    couple_sharing,
    couple_status,
    couples,
    handout,
    homework,
    ladder_pages,
    partner_preview,
    partners,
    passwords,
    reflection_notes,
    reminder_settings,
    reports,
    retention_settings,
    second_factor,
    security,
    sessions,
    settings,
    two_factor,
    webhooks,
    weekly_checkin,
)
