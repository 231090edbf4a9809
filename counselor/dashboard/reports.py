"""Pre-session reports on the dashboard: ask for one now, download a ready one."""

from __future__ import annotations

import io
import re

from flask import abort, flash, redirect, request, send_file, url_for
from flask.typing import ResponseReturnValue

from counselor.dashboard import bp
from counselor.dashboard.forms import DeleteForm
from counselor.dashboard.helpers import current_actor
from counselor.models import Couple, Report
from counselor.services import validation
from counselor.services.errors import InvalidInput
from counselor.services.reports import pre_session
from counselor.tenancy import get_in_practice


@bp.route("/couples/<int:couple_id>/reports", methods=["POST"])
def report_request(couple_id: int) -> ResponseReturnValue:
    couple = get_in_practice(Couple, couple_id)
    if not DeleteForm().validate_on_submit():
        abort(400)
    named = request.form.get("session_id", "")
    session_id = validation.parse_id(named)
    if named and session_id is None:
        abort(404)  # no id names that session, as none of this couple's would
    try:
        pre_session.request_report(current_actor(), couple.id, session_id)
    except InvalidInput as error:
        flash(error.sentences, "error")
    else:
        flash("The report is being prepared; it appears below in a moment.", "success")
    return redirect(url_for("dashboard.couple_detail", couple_id=couple.id) + "#reports")


@bp.route("/reports/<int:report_id>/pdf")
def report_download(report_id: int) -> ResponseReturnValue:
    try:
        report, pdf = pre_session.report_pdf(current_actor(), report_id)
    except InvalidInput as error:
        if error.sentences == pre_session.PURGED_MESSAGE:
            # Removed by retention: back to the couple's reports, where a new one is a click.
            flash(error.sentences, "info")
            report = get_in_practice(Report, report_id)
            return redirect(
                url_for("dashboard.couple_detail", couple_id=report.couple_id) + "#reports"
            )
        abort(409)
    label = re.sub(r"[^A-Za-z0-9]+", "-", report.couple.label).strip("-").lower() or "couple"
    day = (report.generated_at or report.created_at).date().isoformat()
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"pre-session-report-{label}-{day}.pdf",
        max_age=0,
    )
