"""The dashboard's forms apply the API's bounds (issue 12, finding 2): text a database can
store, the columns' lengths, dates within 1970–2100. A value outside them is refused at its
field with the form shown again as typed (422), and nothing is written — never a 500.
tests/test_form_fuzz.py throws the same values at every form; these are the reported cases,
each with the message the counselor reads."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from counselor import timeutil
from counselor.models import AssignmentStatus
from tests.dashboard.test_couples import couple_form
from tests.dashboard.test_homework import assign_form
from tests.support import factories
from tests.support.helpers import row_counts

NUL_REFUSED = "Text may not contain NUL characters."
DATE_REFUSED = "Use a date between 1970 and 2100."


def page_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_nul_in_a_couple_label_is_refused_and_the_label_kept_without_it(logged_in):
    before = row_counts()

    response = logged_in.post("/couples/new", data=couple_form(label="Robin\x00 & Kai T."))

    assert response.status_code == 422
    page = page_of(response)
    assert NUL_REFUSED in page
    assert 'value="Robin & Kai T."' in page  # what was typed, less the NUL
    assert row_counts() == before


def test_a_nul_in_a_partner_s_first_name_is_refused(logged_in):
    before = row_counts()

    response = logged_in.post(
        "/couples/new", data=couple_form(**{"partners-1-first_name": "K\x00"})
    )

    assert response.status_code == 422
    assert NUL_REFUSED in page_of(response)
    assert row_counts() == before


def test_a_couple_s_external_id_over_128_characters_is_refused(logged_in, couple):
    before = row_counts()

    created = logged_in.post("/couples/new", data=couple_form(external_id="x" * 129))
    edited = logged_in.post(f"/couples/{couple.id}/edit", data=couple_form(external_id="y" * 129))

    for response in (created, edited):
        assert response.status_code == 422
        assert "Keep this to 128 characters or fewer." in page_of(response)
    assert row_counts() == before


def test_a_session_s_external_id_over_128_characters_is_refused(logged_in, couple):
    before = row_counts()

    response = logged_in.post(
        f"/couples/{couple.id}/sessions/new",
        data={"day": "2031-07-01", "time": "15:30", "external_id": "z" * 129},
    )

    assert response.status_code == 422
    assert "Keep this to 128 characters or fewer." in page_of(response)
    assert 'value="' + "z" * 129 + '"' in page_of(response)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("day", "time"), [("9999-12-31", "23:59"), ("0001-01-01", "00:00"), ("1969-12-31", "12:00")]
)
def test_a_session_outside_1970_to_2100_is_refused(logged_in, couple, day, time):
    session = factories.SessionFactory(couple=couple)
    before = row_counts()

    added = logged_in.post(f"/couples/{couple.id}/sessions/new", data={"day": day, "time": time})
    moved = logged_in.post(f"/sessions/{session.id}/edit", data={"day": day, "time": time})

    for response in (added, moved):
        assert response.status_code == 422
        assert DATE_REFUSED in page_of(response)
    assert row_counts() == before


def test_sessions_on_the_first_and_last_days_allowed_are_kept(logged_in, couple):
    for day, time in [("1970-01-01", "12:00"), ("2100-12-31", "12:00")]:
        response = logged_in.post(
            f"/couples/{couple.id}/sessions/new", data={"day": day, "time": time}
        )
        assert response.status_code == 302, page_of(response)
    assert logged_in.get(f"/couples/{couple.id}").status_code == 200


@pytest.mark.parametrize("field", ["starts_on", "due_on"])
def test_a_step_dated_9999_is_refused(logged_in, couple, field):
    before = row_counts()

    response = logged_in.post(
        f"/couples/{couple.id}/assign", data=assign_form(**{field: "9999-12-31"})
    )

    assert response.status_code == 422
    assert DATE_REFUSED in page_of(response)
    assert row_counts() == before


def test_a_nul_in_a_step_s_template_key_is_refused(logged_in, couple):
    before = row_counts()

    response = logged_in.post(
        f"/couples/{couple.id}/assign", data=assign_form(template_key="hand-over\x00")
    )

    assert response.status_code == 422
    assert row_counts() == before


def test_a_checkin_key_over_64_characters_is_refused(logged_in, couple):
    assignment = factories.AssignmentFactory(couple=couple)
    before = row_counts()

    response = logged_in.post(
        f"/assignments/{assignment.id}/checkins/new",
        data={
            "idempotency_key": "k" * 65,
            "partner_id": str(couple.partners[0].id),
            "occurred_on": timeutil.local_today("America/Chicago").isoformat(),
            "reflection": "Felt good to ask.",
        },
    )

    assert response.status_code == 422
    assert "Felt good to ask." in page_of(response)
    assert row_counts() == before


def test_a_nul_in_a_reflection_the_counselor_records_is_refused_and_the_text_kept(
    logged_in, couple
):
    assignment = factories.AssignmentFactory(couple=couple)
    before = row_counts()

    response = logged_in.post(
        f"/assignments/{assignment.id}/checkins/new",
        data={
            "idempotency_key": "k1",
            "partner_id": str(couple.partners[0].id),
            "occurred_on": timeutil.local_today("America/Chicago").isoformat(),
            "reflection": "Asked for\x00 a lift.",
        },
    )

    assert response.status_code == 422
    page = page_of(response)
    assert NUL_REFUSED in page
    assert "Asked for a lift." in page
    assert row_counts() == before


def test_a_step_edit_dated_0001_is_refused(logged_in, couple):
    assignment = factories.AssignmentFactory(couple=couple)
    before = row_counts()

    response = logged_in.post(
        f"/assignments/{assignment.id}/edit",
        data=assign_form(starts_on="0001-01-01", title="Hand over a chore"),
    )

    assert response.status_code == 422
    assert DATE_REFUSED in page_of(response)
    assert row_counts() == before
    assert assignment.status == AssignmentStatus.ACTIVE


@pytest.mark.parametrize("session_id", [str(2**31), str(2**63), str(2**64), "-1"])
def test_a_report_for_a_session_id_out_of_range_is_not_found(logged_in, couple, session_id):
    before = row_counts()

    response = logged_in.post(f"/couples/{couple.id}/reports", data={"session_id": session_id})

    assert response.status_code == 404
    assert row_counts() == before


def test_a_report_for_another_couple_s_session_is_not_found(logged_in, counselor, couple):
    neighbour = factories.SessionFactory(couple=factories.CoupleFactory(counselor=counselor))
    before = row_counts()

    response = logged_in.post(f"/couples/{couple.id}/reports", data={"session_id": neighbour.id})

    assert response.status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("query", ["q=a%00b", "status=%00", "page=1%00"])
def test_a_nul_in_a_query_string_is_a_bad_request(logged_in, query):
    assert logged_in.get(f"/couples?{query}").status_code == 400


def test_a_nul_in_the_assign_page_s_template_is_a_bad_request(logged_in, couple):
    assert logged_in.get(f"/couples/{couple.id}/assign?template=a%00").status_code == 400


@pytest.mark.parametrize(
    ("page", "shown"), [(str(10**30), 2), (str(2**31), 2), ("-4", 1), ("abc", 1), ("0", 1)]
)
def test_the_couples_list_clamps_its_page(logged_in, counselor, app, page, shown):
    app.config["COUPLES_PER_PAGE"] = 2
    for n in range(3):
        factories.CoupleFactory(counselor=counselor, label=f"Couple {n}")

    response = logged_in.get(f"/couples?page={page}")

    assert response.status_code == 200
    assert f"Page {shown} of 2" in page_of(response)


def test_a_date_in_a_step_s_window_far_back_is_refused_not_a_crash(logged_in, couple):
    """``due_on`` before ``starts_on`` by millennia: the field says so, no overflow."""
    before = row_counts()

    response = logged_in.post(
        f"/couples/{couple.id}/assign",
        data=assign_form(
            starts_on=(timeutil.local_today("UTC") - timedelta(days=1)).isoformat(),
            due_on="0001-01-01",
        ),
    )

    assert response.status_code == 422
    assert row_counts() == before
