"""The couples list, a couple's page, and adding or editing a couple."""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from counselor import timeutil
from counselor.extensions import db
from counselor.models import AuditEvent, Couple, CoupleStatus, Partner, Visibility
from tests.support import factories
from tests.support.helpers import count_statements, row_counts


def couple_form(**overrides):
    data = {
        "label": "Robin & Kai T.",
        "status": "active",
        "counselor_id": "",
        "external_id": "",
        "partners-0-first_name": "Robin",
        "partners-0-email": "robin@example.org",
        "partners-0-timezone": "America/Chicago",
        "partners-0-reminder_hour": "18",
        "partners-0-quiet_start_hour": "21",
        "partners-0-quiet_end_hour": "8",
        "partners-1-first_name": "Kai",
        "partners-1-email": "kai@example.org",
        "partners-1-timezone": "Europe/Berlin",
        "partners-1-reminder_hour": "19",
        "partners-1-quiet_start_hour": "22",
        "partners-1-quiet_end_hour": "7",
    }
    data.update(overrides)
    return data


def test_list_shows_only_the_practice_s_couples(logged_in, counselor):
    factories.CoupleFactory(counselor=counselor, label="Ours & Mine")
    factories.CoupleFactory(label="Theirs & Foreign")
    page = logged_in.get("/couples").get_data(as_text=True)
    assert "Ours &amp; Mine" in page
    assert "Theirs" not in page


def test_empty_list_invites_adding_a_couple(logged_in):
    page = logged_in.get("/couples").get_data(as_text=True)
    assert "No couples yet" in page
    assert "Add your first couple" in page


def test_list_searches_labels_and_partner_names(logged_in, counselor):
    factories.CoupleFactory(counselor=counselor, label="Lee household")
    factories.CoupleFactory(
        counselor=counselor,
        label="Other",
        partners=[{"first_name": "Zoë"}, {"first_name": "Ade"}],
    )
    page = logged_in.get("/couples?q=zoë").get_data(as_text=True)
    assert "Other" in page
    assert "Lee household" not in page
    assert "No couples match" in logged_in.get("/couples?q=100%25").get_data(as_text=True)


def test_list_filters_by_status(logged_in, counselor):
    factories.CoupleFactory(counselor=counselor, label="Still going")
    factories.CoupleFactory(counselor=counselor, label="Taking a break", status=CoupleStatus.PAUSED)
    page = logged_in.get("/couples?status=paused").get_data(as_text=True)
    assert "Taking a break" in page
    assert "Still going" not in page


def test_list_pages_through_couples(logged_in, counselor, app):
    app.config["COUPLES_PER_PAGE"] = 2
    for n in range(5):
        factories.CoupleFactory(counselor=counselor, label=f"Couple {n}")
    first = logged_in.get("/couples").get_data(as_text=True)
    last = logged_in.get("/couples?page=3").get_data(as_text=True)
    assert "Page 1 of 3" in first
    assert "Couple 0" in first and "Couple 2" not in first
    assert "Couple 4" in last


def test_list_shows_rung_week_figures_last_checkin_and_next_session(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple, rung=factories.rung(3))
    today = timeutil.local_today(couple.partners[0].timezone)
    factories.CheckInFactory(assignment=assignment, partner=couple.partners[0], occurred_on=today)
    factories.SessionFactory(couple=couple)
    row = logged_in.get("/couples").get_data(as_text=True)
    assert "Share emotional loads" in row
    assert "1/3" in row and "0/3" in row
    assert today.strftime("%a %d %b") in row


def _many_couples(counselor, number):
    """Couples with partners, steps, check-ins and sessions, inserted in bulk."""
    today = timeutil.local_today("America/Chicago")
    rung = factories.rung(2)
    for n in range(number):
        couple = Couple(
            practice_id=counselor.practice_id, counselor_id=counselor.id, label=f"Bulk {n:04d}"
        )
        couple.partners = [
            Partner(position=p, first_name=f"P{n}-{p}", email=f"b{n}-{p}@ex.org", timezone="UTC")
            for p in (1, 2)
        ]
        db.session.add(couple)
    db.session.flush()
    couples = db.session.scalars(sa.select(Couple).where(Couple.label.like("Bulk%"))).all()
    for couple in couples:
        assignment = factories.AssignmentFactory.build(couple=couple, rung=rung)
        db.session.add(assignment)
        db.session.flush()
        factories.CheckInFactory.build(
            assignment=assignment, partner=couple.partners[0], occurred_on=today
        )
        db.session.add(
            factories.SessionFactory.build(couple=couple, practice_id=couple.practice_id)
        )
    db.session.commit()


# 3 couples against 30 (more than a page) show a constant number of queries as well as
# any sizes; 500, seconds more on PostgreSQL, is the run at scale: `make test-long`.
@pytest.mark.parametrize(("few", "many"), [(3, 30), pytest.param(10, 500, marks=pytest.mark.long)])
def test_couples_list_costs_the_same_queries_for_few_and_many_couples(
    logged_in, counselor, few, many
):
    _many_couples(counselor, few)
    logged_in.get("/couples")  # warm up: session user, caches
    with count_statements() as small:
        assert logged_in.get("/couples").status_code == 200
    _many_couples(counselor, many - few)
    with count_statements() as large:
        page = logged_in.get("/couples")
    assert page.status_code == 200
    assert f"{many} couples" in page.get_data(as_text=True)
    assert small.count == large.count, (small.statements, large.statements)


def test_adding_a_couple_creates_both_partners(logged_in, counselor):
    response = logged_in.post("/couples/new", data=couple_form(counselor_id=str(counselor.id)))
    assert response.status_code == 302
    couple = db.session.scalar(sa.select(Couple))
    assert couple.label == "Robin & Kai T."
    assert [p.first_name for p in couple.partners] == ["Robin", "Kai"]
    assert couple.partners[1].timezone == "Europe/Berlin"
    assert couple.partners[1].reminder_hour == 19
    assert response.location == f"/couples/{couple.id}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("label", "", "This field is required."),
        ("partners-0-email", "not-an-email", "Not a valid email address."),
        ("partners-1-timezone", "Mars/Olympus", "Choose a time zone from the list"),
        ("partners-1-email", "robin@example.org", "Each partner needs their own email"),
        ("partners-0-reminder_hour", "25", "Enter a whole number from 0 to 23."),
        (
            "partners-0-reminder_hour",
            "7",
            "07:00 is in Robin&#39;s quiet hours (21:00–08:00). "
            "The nearest hour we can use is 08:00.",
        ),
        ("partners-0-first_name", "   ", "This field is required."),
    ],
)
def test_bad_couple_input_is_shown_at_the_field_and_writes_nothing(
    logged_in, counselor, field, value, message
):
    before = row_counts()
    response = logged_in.post(
        "/couples/new", data=couple_form(counselor_id=str(counselor.id), **{field: value})
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error is not None, f"no error shown at {field}"
    assert message in error.group(1)
    assert row_counts() == before


def test_quiet_hours_moved_over_the_reminder_hour_are_refused_at_the_reminder_hour(
    logged_in, counselor
):
    couple = factories.CoupleFactory(counselor=counselor)
    form = couple_form(counselor_id=str(counselor.id), **{"partners-1-quiet_start_hour": "18"})

    response = logged_in.post(f"/couples/{couple.id}/edit", data=form)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'<p class="error" id="partners-1-reminder_hour-error">([^<]*)</p>', html)
    assert error is not None
    assert html_module.unescape(error.group(1)) == (
        "19:00 is in Kai's quiet hours (18:00–07:00). The nearest hour we can use is 17:00."
    )
    db.session.expire_all()
    assert couple.partners[1].quiet_start_hour == 21  # unchanged


def test_editing_a_couple_changes_partners(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    form = couple_form(
        counselor_id=str(counselor.id),
        label="Renamed",
        status="paused",
        **{"partners-0-first_name": "Renée"},
    )
    # Pausing asks first (tests/dashboard/test_confirm_undo.py), then applies every change.
    assert logged_in.post(f"/couples/{couple.id}/edit", data=form).status_code == 200
    response = logged_in.post(f"/couples/{couple.id}/edit", data={**form, "confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert couple.label == "Renamed"
    assert couple.status == CoupleStatus.PAUSED
    assert couple.partners[0].first_name == "Renée"


def test_edit_form_is_prefilled(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor, label="Prefilled & Co")
    html = logged_in.get(f"/couples/{couple.id}/edit").get_data(as_text=True)
    assert 'value="Prefilled &amp; Co"' in html
    assert f'value="{couple.partners[1].email}"' in html


def test_couple_page_shows_steps_grid_and_reflections_with_visibility(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    assignment = factories.AssignmentFactory(couple=couple, title="Ask about the work email")
    today = timeutil.local_today("America/Chicago")
    factories.CheckInFactory(
        assignment=assignment,
        partner=couple.partners[0],
        occurred_on=today,
        reflection="It went better than <b>expected</b>",
        visibility=Visibility.SHARED,
    )
    factories.CheckInFactory(
        assignment=assignment,
        partner=couple.partners[1],
        occurred_on=today - timedelta(days=1),
        reflection="Private thought",
    )
    html = logged_in.get(f"/couples/{couple.id}").get_data(as_text=True)
    assert "Ask about the work email" in html
    assert "Current rung: <strong>2. Small turns toward your partner" in html
    assert "It went better than &lt;b&gt;expected&lt;/b&gt;" in html
    assert "Shared with partner" in html and "Counselor only" in html
    assert 'class="cell' in html


def test_viewing_a_couple_is_audited(logged_in, counselor):
    couple = factories.CoupleFactory(counselor=counselor)
    logged_in.get(f"/couples/{couple.id}")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "couple.view"))
    assert (event.actor_type, event.actor_id, event.object_id) == (
        "counselor",
        counselor.id,
        couple.id,
    )


def test_unknown_couple_gets_a_friendly_404(logged_in):
    response = logged_in.get("/couples/999999")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
