"""Pre-session reports: request one (202), poll it, download the PDF once ready."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from flask_smorest import abort

from counselor.api import bp
from counselor.api.guard import current_actor, set_audited_object
from counselor.api.resources import errors, idempotent
from counselor.api.schemas.reports import ReportArgs, ReportSchema
from counselor.models import Couple, Report
from counselor.services.errors import InvalidInput, NotFound
from counselor.services.reports import pre_session
from counselor.tenancy import get_in_practice


@bp.route("/couples/<id:couple_id>/reports")
class CoupleReports(MethodView):
    @bp.arguments(ReportArgs, required=False)
    @bp.response(202, ReportSchema)
    @errors(400, 404, 409, 422)
    @idempotent
    def post(self, data: dict[str, Any], couple_id: int) -> tuple[Report, int, dict[str, str]]:
        """Request a pre-session report

        A worker makes it: poll GET /reports/{report_id} until its status is ready
        (or failed), then download the PDF."""
        couple = get_in_practice(Couple, couple_id)
        try:
            report = pre_session.request_report(current_actor(), couple.id, data.get("session_id"))
        except NotFound as error:  # the couple exists: it is the session that does not
            raise InvalidInput.single("session_id", "This couple has no such session.") from error
        set_audited_object("report", report.id)
        return report, 202, {"Location": url_for("api.ReportById", report_id=report.id)}


@bp.route("/reports/<id:report_id>")
class ReportById(MethodView):
    @bp.response(200, ReportSchema)
    @errors(404)
    def get(self, report_id: int) -> Report:
        """A report's status: pending, ready or failed"""
        return get_in_practice(Report, report_id)


@bp.route("/reports/<id:report_id>/pdf")
class ReportPdf(MethodView):
    @bp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type="application/pdf",
        description="The report as a PDF file.",
    )
    @errors(404, 409)
    def get(self, report_id: int) -> Response:
        """Download a ready report as PDF

        409 while the report is pending (or if it failed)."""
        try:
            report, pdf = pre_session.report_pdf(current_actor(), report_id)
        except InvalidInput as error:
            abort(409, message=error.sentences)
        except OSError:
            abort(409, message="The report's file is no longer stored; request a new report.")
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="report-{report.id}.pdf"'},
        )
