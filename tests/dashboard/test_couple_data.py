"""The couple's data on the dashboard: *Export couple* (a JSON download), *Erase couple*
(the typed confirmation) and Settings › Data retention."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from counselor.extensions import db
from counselor.models import AuditEvent, CounselorRole, CoupleStatus
from counselor.services.couples import erasure
from tests.support import factories
from tests.support.helpers import row_counts

pytestmark = pytest.mark.usefixtures("clock")


def test_the_couple_page_offers_export_and_erase_at_its_foot(logged_in, couple):
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)

    assert f'href="/couples/{couple.id}/export"' in html
    assert f'href="/couples/{couple.id}/erase"' in html
    assert html.index("Erase couple") > html.index("reflections-h")


def test_export_is_a_json_attachment_that_is_not_stored(logged_in, couple):
    response = logged_in.get(f"/couples/{couple.id}/export")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="couple-{couple.id}-export-2026-05-13.json"'
    )
    assert "no-store" in response.headers["Cache-Control"]
    document = json.loads(response.data)
    assert document["couple"]["label"] == couple.label
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "couple.export")
    )


def test_the_erase_page_says_it_cannot_be_undone_and_offers_export_first(logged_in, couple):
    html = logged_in.get(f"/couples/{couple.id}/erase").get_data(as_text=True)

    assert "can't be undone" in html
    assert "Export first" in html and f"/couples/{couple.id}/export" in html
    assert couple.label in html


def test_a_wrong_name_erases_nothing(logged_in, couple):
    before = row_counts()

    response = logged_in.post(f"/couples/{couple.id}/erase", data={"typed_label": "Someone else"})

    assert response.status_code == 422
    assert "nothing was erased" in response.get_data(as_text=True)
    assert row_counts() == before
    db.session.refresh(couple)
    assert couple.erased_at is None


def test_the_typed_name_erases_the_couple(logged_in, couple):
    label = couple.label

    response = logged_in.post(f"/couples/{couple.id}/erase", data={"typed_label": f" {label} "})

    assert response.status_code == 303
    db.session.refresh(couple)
    assert couple.erased_at is not None and couple.status == CoupleStatus.CLOSED
    page = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "data was erased" in page and label not in page
    assert "Reopen couple" not in page and "Edit couple" not in page
    assert logged_in.get(f"/couples/{couple.id}/erase").status_code == 303


def test_erasing_another_practice_s_couple_is_not_found(logged_in):
    other = factories.CoupleFactory()

    assert logged_in.get(f"/couples/{other.id}/erase").status_code == 404
    assert logged_in.get(f"/couples/{other.id}/export").status_code == 404
    response = logged_in.post(f"/couples/{other.id}/erase", data={"typed_label": other.label})
    assert response.status_code == 404


def test_the_erase_form_needs_its_csrf_token(logged_in, couple, csrf_checked):
    response = logged_in.post(f"/couples/{couple.id}/erase", data={"typed_label": couple.label})

    assert response.status_code in (400, 422)
    db.session.refresh(couple)
    assert couple.erased_at is None


def test_the_retention_page_shows_the_settings_and_what_goes_next(logged_in, couple, actor):
    html = logged_in.get("/settings/retention").get_data(as_text=True)

    assert 'aria-current="page">Data retention' in html
    assert "What goes next" in html and "Closed couples" in html


def test_owners_save_retention_settings(logged_in, counselor):
    response = logged_in.post(
        "/settings/retention",
        data={
            "retention-closed_client_text_months": "24",
            "retention-messages_days": "30",
            "retention-report_pdfs_days": "365",
        },
    )

    assert response.status_code == 303
    practice = counselor.practice
    db.session.refresh(practice)
    assert practice.retain_closed_client_text_months == 24
    assert practice.retain_report_pdfs_days == 365


def test_values_out_of_bounds_are_refused_in_words(logged_in, counselor):
    before = row_counts()
    response = logged_in.post(
        "/settings/retention",
        data={
            "retention-closed_client_text_months": "0",
            "retention-messages_days": "3",
            "retention-report_pdfs_days": "99999",
        },
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "from 1 to 120" in html and "from 7 to 3650" in html
    assert row_counts() == before


def test_staff_read_the_settings_but_cannot_change_them(logged_in, counselor):
    counselor.role = CounselorRole.COUNSELOR
    db.session.commit()
    html = logged_in.get("/settings/retention").get_data(as_text=True)
    assert "An owner of the practice can change these" in html
    before = row_counts()

    response = logged_in.post(
        "/settings/retention",
        data={
            "retention-closed_client_text_months": "2",
            "retention-messages_days": "30",
            "retention-report_pdfs_days": "30",
        },
    )

    assert response.status_code == 422
    assert row_counts() == before


def test_an_erased_couple_s_export_holds_no_names(logged_in, couple, actor):
    erasure.erase_couple(actor, couple)
    db.session.commit()

    document = json.loads(logged_in.get(f"/couples/{couple.id}/export").data)

    assert [p["first_name"] for p in document["partners"]] == ["Partner 1", "Partner 2"]
    assert document["couple"]["erased_at"]


def test_a_purged_report_says_why_and_leads_to_a_new_one(logged_in, couple, actor, app):
    from counselor.models import Report, ReportStatus
    from counselor.services import retention

    report = Report(
        practice_id=couple.practice_id,
        couple_id=couple.id,
        status=ReportStatus.READY,
        requested_by="schedule",
        file_name="report-x.pdf",
        sha256="0" * 64,
    )
    db.session.add(report)
    db.session.commit()
    practice = couple.practice
    from datetime import timedelta

    retention.purge_practice(
        practice, report.created_at + timedelta(days=practice.retain_report_pdfs_days + 1)
    )
    db.session.commit()

    response = logged_in.get(f"/reports/{report.id}/pdf", follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "removed under the practice&#39;s data retention setting" in html
    assert "PDF removed (data retention)" in html and "Prepare report now" in html
