"""Pre-session reports: asked for, then polled until ready, then downloaded."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from marshmallow import fields

from counselor.api.schemas.common import Args, UtcDateTime, object_id
from counselor.models import Report, ReportStatus


def pdf_url(report: Report) -> str | None:
    if report.status != ReportStatus.READY:
        return None
    return url_for("api.ReportPdf", report_id=report.id)


class ReportSchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    couple_id = fields.Integer(dump_only=True, required=True)
    session_id = fields.Integer(required=True, allow_none=True)
    status = fields.Enum(
        ReportStatus,
        by_value=True,
        dump_only=True,
        required=True,
        metadata={"description": "pending until a worker has made it; then ready or failed."},
    )
    period_start = fields.Date(dump_only=True, required=True, allow_none=True)
    period_end = fields.Date(dump_only=True, required=True, allow_none=True)
    size_bytes = fields.Integer(dump_only=True, required=True, allow_none=True)
    sha256 = fields.String(dump_only=True, required=True, allow_none=True)
    pdf_url = fields.Function(
        pdf_url,
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"type": "string", "description": "Where to download the PDF once ready."},
    )
    created_at = UtcDateTime(dump_only=True, required=True)
    generated_at = UtcDateTime(dump_only=True, required=True, allow_none=True)


class ReportArgs(Args):
    session_id = object_id(
        allow_none=True,
        metadata={"description": "The session it prepares for (one of this couple's)."},
    )
