"""Reports on the couple's page: prepare one now, see its status, download it."""

from __future__ import annotations

import io

import sqlalchemy as sa
from pypdf import PdfReader

from counselor.extensions import db
from counselor.models import AuditEvent, Report, ReportStatus
from counselor.services.reports import pre_session
from tests.support import factories


def test_prepare_now_then_download_the_ready_pdf(app, logged_in, counselor, monkeypatch):
    sent = []
    monkeypatch.setattr(
        app.extensions["celery"],
        "send_task",
        lambda name, args=None, **kw: sent.append((name, args)),
    )
    couple = factories.CoupleFactory(counselor=counselor, label="Noor & Eli B.")
    factories.AssignmentFactory(couple=couple)
    session = factories.SessionFactory(couple=couple)

    response = logged_in.post(f"/couples/{couple.id}/reports", data={"session_id": session.id})
    assert response.status_code == 302
    report = db.session.scalar(sa.select(Report))
    assert (report.status, report.session_id) == (ReportStatus.PENDING, session.id)
    assert sent == [("tasks.reports.generate_report", [report.id])]
    assert "Being prepared" in logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert logged_in.get(f"/reports/{report.id}/pdf").status_code == 409

    pre_session.generate_report(report.id)
    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Download PDF" in page and "report ready" in page
    download = logged_in.get(f"/reports/{report.id}/pdf")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Cache-Control"] == "no-store"
    assert (
        "attachment; filename=pre-session-report-noor-eli-b-"
        in download.headers["Content-Disposition"]
    )
    assert "Noor & Eli B." in PdfReader(io.BytesIO(download.data)).pages[0].extract_text()
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "report.download")
        )
        == 1
    )


def test_a_failed_report_shows_its_reason(app, logged_in, counselor, monkeypatch):
    couple = factories.CoupleFactory(counselor=counselor)
    report = Report(
        practice_id=couple.practice_id,
        couple_id=couple.id,
        requested_by="test",
        status=ReportStatus.FAILED,
        error="ValueError",
    )
    db.session.add(report)
    db.session.commit()
    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Failed" in page and "ValueError" in page
